"""The options ``eng5-runner stack up`` and ``stack cj-service`` share: the reference CJ
service's judge (simulated, or a real LLM judge or panel) and its pairing design.

One typed alias per option, and :func:`service_judge`, which turns their values into the
service's configuration before anything starts, so a bad profile, judge, key or target is an
exit 2 that costs nothing. Everything from :mod:`eng5_np.localstack` is imported lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from eng5_np.cli.stack_run import judge_config, judging_config, pairing_config
from eng5_np.errors import RunnerError
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import PairingDesignName

if TYPE_CHECKING:
    from eng5_np.localstack.designs import PairingConfig
    from eng5_np.localstack.judge import JudgeConfig
    from eng5_np.localstack.llm_judge import JudgingConfig

GradeScaleOption = Annotated[
    GradeScaleName,
    typer.Option(case_sensitive=False, help="Scale calibrating the judge of guest runs."),
]
JudgeSeedOption = Annotated[int, typer.Option(help="Seed of the simulated judge.")]
JudgeFaultsOption = Annotated[
    str | None,
    typer.Option(
        help="Fault injection, e.g. errors=0.1 (keys: errors, duplicates, foreign, "
        "delay, no-result, ignore-requests)."
    ),
]
AdminFaultsOption = Annotated[
    str | None,
    typer.Option(
        help="Admin API faults, comma-separated: drop-writes = both POST routes answer "
        "success but store nothing; missing-500 = a missing assignment answers 500 (the "
        "measured platform)."
    ),
]
JudgeOption = Annotated[
    str, typer.Option(help="simulated, or a real LLM judge <provider>:<model> (SPEC §13).")
]
JudgeConcurrencyOption = Annotated[
    int,
    typer.Option(metavar="N", help="Comparisons judged at the same time (1–256)."),
]
JudgeRpmOption = Annotated[
    int | None, typer.Option(metavar="N", help="Provider requests per minute (≥ 1).")
]
CostLimitOption = Annotated[
    float | None,
    typer.Option(metavar="USD", help="Stop judging before spend passes it (≥ 0)."),
]
JudgeBothOrdersOption = Annotated[
    float,
    typer.Option(metavar="FRACTION", help="Share of pairs also judged swapped (0–1)."),
]
PairingOption = Annotated[
    PairingDesignName,
    typer.Option(case_sensitive=False, help="How CJ chooses pairs and when it stops."),
]
TargetPrecisionOption = Annotated[
    float | None,
    typer.Option(metavar="X", help="--pairing adaptive: stop at this mean SE / τ-b width (> 0)."),
]
JudgeProfileOption = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="JSON judge profile: the simulated judge's effects per model, effort, prompt.",
    ),
]
JudgeBaseUrlOption = Annotated[
    str | None, typer.Option(metavar="URL", help="OpenAI-compatible judge server's base URL.")
]
JudgePriceOption = Annotated[
    str | None,
    typer.Option(metavar="IN,OUT", help="USD per million tokens of an OpenAI-compatible judge."),
]
PanelOption = Annotated[
    str, typer.Option(metavar="MODE", help="A judge panel's dealing: split or all.")
]
JudgeModeOption = Annotated[
    str,
    typer.Option(
        metavar="MODE",
        help="live, or batch: an anthropic:, openai: or google: judge through the "
        "provider's batch API, at half price.",
    ),
]
JudgeBatchPollOption = Annotated[
    float | None,
    typer.Option(
        metavar="SECONDS", help="--judge-mode batch: first wait between polls (10; grows to 60)."
    ),
]
JudgeBatchDirOption = Annotated[
    Path,
    typer.Option(
        metavar="DIR",
        help="--judge-mode batch: where the provider batch ids are kept (DIR/judge-batches), "
        "so a restarted service polls a batch again instead of paying for it twice.",
    ),
]
DEFAULT_BATCH_DIR = Path("eng5_stack")
"""``--judge-batch-dir`` without a value: a folder in the working directory, as runs'
``eng5_runs``."""


@dataclass(frozen=True)
class ServiceJudge:
    """What the reference CJ service judges with and how it pairs."""

    simulated: JudgeConfig
    judging: JudgingConfig
    pairing: PairingConfig
    pairing_name: PairingDesignName
    batch_dir: Path | None = None
    """Where a batch judge keeps its provider batch ids (``--judge-mode batch`` only)."""


SERVICE_JUDGE_OPTIONS = (
    "judge_seed",
    "judge_faults",
    "judge_profile",
    "judge",
    "judge_concurrency",
    "judge_rpm",
    "cost_limit",
    "judge_both_orders",
    "judge_base_url",
    "judge_price",
    "panel",
    "pairing",
    "target_precision",
    "judge_mode",
    "judge_batch_poll",
    "judge_batch_dir",
)
"""The parameters both service commands declare with the aliases above, by name."""


def service_judge_of(params: Mapping[str, Any]) -> ServiceJudge:
    """:func:`service_judge` from a command's parsed options (``typer.Context.params``)."""
    return service_judge(**{name: params[name] for name in SERVICE_JUDGE_OPTIONS})


def service_judge(
    *,
    judge_seed: int,
    judge_faults: str | None,
    judge_profile: Path | None,
    judge: str,
    judge_concurrency: int,
    judge_rpm: int | None,
    cost_limit: float | None,
    judge_both_orders: float,
    judge_base_url: str | None,
    judge_price: str | None,
    panel: str,
    pairing: PairingDesignName,
    target_precision: float | None,
    judge_mode: str = "live",
    judge_batch_poll: float | None = None,
    judge_batch_dir: Path = DEFAULT_BATCH_DIR,
) -> ServiceJudge:
    """The options' configuration; a bad value → one line on stderr and exit 2 (or its code)."""
    # Ranges are checked here: declared on the options, they widen --help past 80 columns.
    for ok, hint, words in (
        (1 <= judge_concurrency <= 256, "--judge-concurrency", "must be 1 to 256"),
        (judge_rpm is None or judge_rpm >= 1, "--judge-rpm", "must be at least 1"),
        (cost_limit is None or cost_limit >= 0, "--cost-limit", "must not be negative"),
        (0.0 <= judge_both_orders <= 1.0, "--judge-both-orders", "must be between 0 and 1"),
        (
            judge_batch_poll is None or judge_batch_poll > 0,
            "--judge-batch-poll",
            "must be positive",
        ),
    ):
        if not ok:
            raise typer.BadParameter(words, param_hint=hint)
    try:
        simulated = judge_config(judge_seed, judge_faults, judge_profile)
        judging = judging_config(
            judge,
            concurrency=judge_concurrency,
            rpm=judge_rpm,
            cost_limit=cost_limit,
            both_orders=judge_both_orders,
            base_url=judge_base_url,
            price=judge_price,
            panel=panel,
            mode=judge_mode,
            batch_poll_s=judge_batch_poll,
            run_dir=judge_batch_dir if judge_mode == "batch" else None,
        )
    except RunnerError as error:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"error: {error.one_line()}", markup=False
        )
        raise typer.Exit(error.exit_code) from None
    if target_precision is not None and pairing is not PairingDesignName.ADAPTIVE:
        raise typer.BadParameter(
            "only applies with --pairing adaptive", param_hint="--target-precision"
        )
    if target_precision is not None and not target_precision > 0:
        raise typer.BadParameter("must be positive", param_hint="--target-precision")
    return ServiceJudge(
        simulated,
        judging,
        pairing_config(pairing.value, target_precision),
        pairing,
        judge_batch_dir if judging.mode == "batch" else None,
    )
