"""Judges as a sweep dimension (issue 18): pricing a judge cell, refusing a model sweep that
cannot change the local stack's judge (the simulated judge's profile gives every model the same
effects, or no profile was given).

A judge cell (``sweep --judge X``, one value possibly a comma-separated panel) is priced from
the manifest: a panel at the mean of its members' estimates when it splits the comparisons,
their sum with ``--panel all``; a model on an OpenAI-compatible server by ``--judge-price``, or
not at all (the cell's cost is then unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from eng5_np.contracts.enums import LLMProviderType
from eng5_np.errors import UsageError
from eng5_np.reference.llm_models import ModelEntry, validate_override
from eng5_np.settings import RunSettings

__all__ = [
    "COMPATIBLE_SERVER_KINDS",
    "check_llm_models_on_stack",
    "judge_cell_updates",
    "judge_estimate",
]

COMPATIBLE_SERVER_KINDS: Final = frozenset({"openai-compatible", "ollama", "vllm"})
"""Judge kinds that are OpenAI-compatible servers (priced by ``--judge-price`` only)."""


def judge_estimate(
    judge: str, settings: RunSettings, estimate: Callable[[ModelEntry], float]
) -> tuple[float | None, str]:
    """One batch's estimate for a judge cell, and what priced it (None: unpriced)."""
    members = [member.strip() for member in judge.split(",")]
    costs: list[float] = []
    for member in members:
        kind, _, model_id = member.partition(":")
        entry = None
        if kind.strip().lower() in COMPATIBLE_SERVER_KINDS:
            if settings.judge_price is None:
                return None, f"{member}: unpriced"
            inputs, _, outputs = settings.judge_price.partition(",")
            entry = ModelEntry(
                provider=LLMProviderType.OPENAI,
                model_id=model_id.strip(),
                display_name=member,
                max_tokens=1,
                input_per_million=float(inputs),
                output_per_million=float(outputs),
            )
        else:
            provider = LLMProviderType(kind.strip().lower())
            entry = validate_override(provider, model_id.strip())[0]
        assert entry is not None
        costs.append(estimate(entry))
    if settings.judge_panel == "all":
        return sum(costs), judge
    return sum(costs) / len(costs), judge


def check_llm_models_on_stack(settings: RunSettings, models: Sequence[str]) -> None:
    """Refuse several ``--llm-model`` values on the local stack unless the simulated judge's
    profile (``--judge-profile``) gives the models different judges: otherwise every cell
    would run the same judge (``--llm-model`` never changes a real judge either)."""
    if not settings.local_stack or len(models) < 2:
        return
    if settings.judge == "simulated" and settings.judge_profile is not None:
        from eng5_np.modes.plan import judge_settings_of
        from eng5_np.reference.judge_profiles import load_judge_profile

        profile = load_judge_profile(settings.judge_profile)
        judges = {
            profile.resolve(
                judge_settings_of(settings.model_copy(update={"llm_model": model}))
            ).parameters
            for model in models
        }
        if len(judges) > 1:
            return
    raise UsageError(
        "sweep --llm-model a,b on the local stack would run the same judge in every cell: "
        "there --llm-model only renames the request, and the simulated judge's profile "
        "(--judge-profile) gives these models the same judge",
        advice="Sweep real judges with --judge A --judge B, or give a --judge-profile whose "
        "rules differ by model (RUNBOOK, 'A real LLM judge').",
    )


def _uses_server(judge: str) -> bool:
    return any(
        member.partition(":")[0].strip().lower() in COMPATIBLE_SERVER_KINDS
        for member in judge.split(",")
    )


def judge_cell_updates(judge: str) -> dict[str, object]:
    """The settings a judge cell sets: the judge, and no server URL or price it cannot use
    (``--judge-base-url``/``--judge-price`` are for the sweep's OpenAI-compatible judges)."""
    updates: dict[str, object] = {"judge": judge}
    if "," not in judge:  # --panel deals a panel's comparisons; one judge has none to deal
        updates["judge_panel"] = "split"
    if not _uses_server(judge):
        updates.update(judge_base_url=None, judge_price=None)
    return updates
