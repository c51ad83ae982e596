"""The local stack's judge for its lifetime: which judge, its limits, and the shared state.

:class:`JudgingConfig` is what the CLI decides (``--judge``, ``--judge-concurrency``,
``--judge-rpm``, ``--cost-limit``, ``--judge-both-orders``); :class:`JudgeRuntime` is created
when the reference CJ service starts and closed when it stops. It keeps one SDK client, one
:class:`~eng5_np.localstack.llm_judge.throttle.Throttle` and one
:class:`~eng5_np.localstack.llm_judge.cost.CostGuard` per judge (each member of a panel) for
every batch the stack answers: the rate limit is the provider account's and the cost limit is
the session's, not a batch's; a panel's guards share one
:class:`~eng5_np.localstack.llm_judge.cost.Spend`, so the limit is the whole panel's.
:meth:`JudgeRuntime.for_batch` gives each batch a
:class:`~eng5_np.localstack.llm_judge.protocol.PairJudge` with that batch's prompt context and
generation options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from eng5_np.contracts import LLMConfigOverrides, LLMProviderType
from eng5_np.errors import JudgeMisconfigured
from eng5_np.localstack.judge import SimulatedJudge
from eng5_np.localstack.llm_judge.base import (
    DEFAULT_MAX_TOKENS,
    CallOptions,
    ProviderClient,
    ProviderSettings,
)
from eng5_np.localstack.llm_judge.cost import CostGuard, Spend
from eng5_np.localstack.llm_judge.panel import PANEL_MODES, PanelMode
from eng5_np.localstack.llm_judge.prompt import PromptContext
from eng5_np.localstack.llm_judge.protocol import PairJudge, SimulatedPairJudge
from eng5_np.localstack.llm_judge.provenance import JudgeProvenance, judge_provenance
from eng5_np.localstack.llm_judge.spec import (
    JudgeChoice,
    parse_panel,
    parse_price,
    provider_settings,
)
from eng5_np.localstack.llm_judge.throttle import JudgeStats, RetryPolicy, Throttle

__all__ = [
    "DEFAULT_JUDGE_CONCURRENCY",
    "JudgeRuntime",
    "JudgingConfig",
    "build_client",
    "call_options",
    "prompt_context",
]

DEFAULT_JUDGE_CONCURRENCY: Final = 8
DEFAULT_REQUEST_TIMEOUT_S: Final = 120.0
DEFAULT_BATCH_POLL_S: Final = 10.0
JudgeMode = Literal["live", "batch"]
JUDGE_MODES: Final[tuple[JudgeMode, ...]] = ("live", "batch")


@dataclass(frozen=True)
class JudgingConfig:
    """Which judge the stack uses and within which limits."""

    choice: JudgeChoice = field(default_factory=JudgeChoice)
    provider: ProviderSettings | None = None
    """Key and base URL of a real judge (resolved before anything starts); None if simulated."""
    concurrency: int = DEFAULT_JUDGE_CONCURRENCY
    """Comparisons judged at the same time."""
    rpm: int | None = None
    """Provider requests per minute (None = no limiter)."""
    cost_limit_usd: float | None = None
    """Stop judging before manifest-priced spend passes this (real judges)."""
    both_orders: float = 0.0
    """Share of pairs judged a second time with A and B swapped."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    more_judges: tuple[tuple[JudgeChoice, ProviderSettings], ...] = ()
    """A panel's members after the first (``choice``), with their settings."""
    panel_mode: PanelMode = "split"
    """``split``: each comparison by one member; ``all``: by every member."""
    mode: JudgeMode = "live"
    """``live``: one call per comparison; ``batch``: the provider's batch API at 50 %."""
    run_dir: Path | None = None
    """The run folder (``--judge-mode batch`` keeps its batch ids in ``judge-batches/``)."""
    batch_poll_s: float = DEFAULT_BATCH_POLL_S
    """The first wait between polls of a provider batch (growing ×1.5 up to 60 s)."""

    @property
    def members(self) -> tuple[tuple[JudgeChoice, ProviderSettings], ...]:
        """Every real judge with its settings (one, or a panel's members); () if simulated."""
        if self.choice.is_simulated or self.provider is None:
            return ()
        return ((self.choice, self.provider), *self.more_judges)

    @property
    def is_panel(self) -> bool:
        """Whether several judges share the comparisons."""
        return len(self.members) > 1

    @property
    def label(self) -> str:
        """The judge (or the panel, comma-separated) as ``--judge`` named it."""
        members = self.members
        if not members:
            return self.choice.label
        return ",".join(choice.label for choice, _ in members)

    @property
    def priced(self) -> bool:
        """Whether every judge has a price."""
        return all(choice.priced for choice, _ in self.members)

    @property
    def provenance(self) -> JudgeProvenance | None:
        """Where the (first) real judge is (None for the simulated judge)."""
        if self.choice.is_simulated or self.provider is None:
            return None
        return judge_provenance(self.choice, self.provider)

    @property
    def provenances(self) -> tuple[JudgeProvenance, ...]:
        """Where each real judge is."""
        return tuple(judge_provenance(choice, settings) for choice, settings in self.members)

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 0.0 <= self.both_orders <= 1.0:
            raise ValueError("both_orders must be within 0–1")
        if not self.choice.is_simulated and self.provider is None:
            raise ValueError(f"judge {self.choice.label} needs provider settings")

    @classmethod
    def from_options(
        cls,
        judge: str,
        environ: Mapping[str, str],
        *,
        concurrency: int = DEFAULT_JUDGE_CONCURRENCY,
        rpm: int | None = None,
        cost_limit_usd: float | None = None,
        both_orders: float = 0.0,
        base_url: str | None = None,
        price: str | None = None,
        panel: str = "split",
        mode: str = "live",
        batch_poll_s: float = DEFAULT_BATCH_POLL_S,
        run_dir: Path | None = None,
    ) -> JudgingConfig:
        """From ``--judge`` and friends; the key from ``environ`` (missing → exit 2).

        ``base_url`` and ``price`` are ``--judge-base-url`` and ``--judge-price`` (OpenAI-
        compatible servers only; with a panel they apply to each such member), ``panel`` is
        ``--panel``. ``--cost-limit`` with an unpriced judge is refused: a limit
        on a cost nobody knows would be a limit in name only.
        """
        choices = parse_panel(judge, price=parse_price(price) if price is not None else None)
        choice = choices[0]
        if choice.is_simulated and any(
            value is not None for value in (rpm, cost_limit_usd, base_url, price)
        ):
            raise JudgeMisconfigured(
                "--judge-rpm and --cost-limit limit a real judge (--judge-base-url and "
                "--judge-price reach and price one); the simulated judge calls no provider",
                advice="Add --judge <provider>:<model>, or drop them.",
            )
        unpriced = [c.label for c in choices if not c.priced]
        if unpriced and cost_limit_usd is not None:
            raise JudgeMisconfigured(
                f"--cost-limit: judge {unpriced[0]} is unpriced, so its spend cannot be limited",
                advice="Give --judge-price IN,OUT (USD per million tokens), or drop --cost-limit.",
            )
        if panel not in PANEL_MODES:
            raise JudgeMisconfigured(f"--panel {panel!r} is not one of {', '.join(PANEL_MODES)}")
        if panel != "split" and len(choices) < 2:
            raise JudgeMisconfigured(
                f"--panel {panel} needs a panel: --judge A,B (several judges, comma-separated)"
            )
        _check_batch_mode(mode, choices)
        # A panel's --judge-base-url is for its OpenAI-compatible members (none: refused).
        servers = any(c.server is not None for c in choices)
        settings = [
            provider_settings(
                c,
                environ,
                DEFAULT_REQUEST_TIMEOUT_S,
                base_url if c.server is not None or not servers else None,
            )
            for c in choices
            if not c.is_simulated
        ]
        provider = settings[0] if settings else None
        return cls(
            choice=choice,
            provider=provider,
            concurrency=concurrency,
            rpm=rpm,
            cost_limit_usd=cost_limit_usd,
            both_orders=both_orders,
            more_judges=tuple(zip(choices[1:], settings[1:], strict=True)),
            panel_mode=panel,
            mode="batch" if mode == "batch" else "live",
            batch_poll_s=batch_poll_s,
            run_dir=run_dir,
        )

    def describe(self) -> str:
        """How the judge is named to people: its limits too, for a real one."""
        if self.choice.is_simulated:
            return "simulated judge; results are not LLM judgements"
        limits = [f"concurrency {self.concurrency}"]
        if self.rpm is not None:
            limits.append(f"{self.rpm} requests/min")
        if self.cost_limit_usd is not None:
            limits.append(f"cost limit ${self.cost_limit_usd:g}")
        described = [
            f"{where.label} ({where.where}; {where.pricing})" for where in self.provenances
        ]
        if len(described) == 1:
            where = self.provenances[0]
            return (
                f"real LLM judge {where.label} ({where.where}), {', '.join(limits)}; "
                f"{where.pricing}"
            )
        dealt = (
            "every comparison judged by every member"
            if self.panel_mode == "all"
            else "each comparison judged by one member, dealt evenly"
        )
        return (
            f"real LLM judge panel of {len(described)}: {', '.join(described)}; {dealt}; "
            f"{', '.join(limits)}"
        )


def _check_batch_mode(mode: str, choices: tuple[JudgeChoice, ...]) -> None:
    """``--judge-mode batch`` is for one OpenAI, Anthropic or Google judge (exit 2 otherwise)."""
    if mode not in JUDGE_MODES:
        raise JudgeMisconfigured(f"--judge-mode {mode!r} is not one of {', '.join(JUDGE_MODES)}")
    if mode == "live":
        return
    choice = choices[0]
    if choice.is_simulated:
        raise JudgeMisconfigured(
            "--judge-mode batch uses a provider's batch API; the simulated judge has none",
            advice="Add --judge anthropic:, openai: or google:<model>, or drop --judge-mode.",
        )
    if len(choices) > 1:
        raise JudgeMisconfigured("--judge-mode batch with a judge panel is not supported")
    assert choice.model is not None
    provider = choice.model.provider
    if choice.server is not None or provider not in (
        LLMProviderType.ANTHROPIC,
        LLMProviderType.OPENAI,
        LLMProviderType.GOOGLE,
    ):
        raise JudgeMisconfigured(
            f"--judge-mode batch: {choice.label} has no batch API (Anthropic Message Batches, "
            "OpenAI Batch and Gemini batch mode only)",
            advice="Drop --judge-mode batch, or use an anthropic:, openai: or google: judge.",
        )


def build_client(settings: ProviderSettings) -> ProviderClient:
    """The SDK client of ``settings.provider`` (the SDK is imported only here, lazily)."""
    from eng5_np.contracts import LLMProviderType

    if settings.provider is LLMProviderType.ANTHROPIC:
        from eng5_np.localstack.llm_judge.anthropic import AnthropicClient

        return AnthropicClient(settings)
    if settings.provider in (LLMProviderType.OPENAI, LLMProviderType.OPENROUTER):
        from eng5_np.localstack.llm_judge.openai import OpenAIClient

        return OpenAIClient(settings)
    if settings.provider is LLMProviderType.GOOGLE:
        from eng5_np.localstack.llm_judge.google import GoogleClient

        return GoogleClient(settings)
    raise ValueError(f"no real judge for provider {settings.provider.value}")


def prompt_context(
    overrides: LLMConfigOverrides | None,
    *,
    student_prompt: str,
    instructions: str = "",
    rubric: str = "",
) -> PromptContext:
    """The judge's context for a batch: the request's overrides win over the assignment's."""
    rubric_override = overrides.judge_rubric_override if overrides is not None else None
    return PromptContext(
        student_prompt=student_prompt,
        instructions=instructions,
        rubric=rubric_override if rubric_override else rubric,
        system_prompt_override=overrides.system_prompt_override if overrides else None,
    )


def call_options(overrides: LLMConfigOverrides | None) -> CallOptions:
    """Generation options from the request's ``llm_config_overrides``."""
    if overrides is None:
        return CallOptions()
    return CallOptions(
        max_tokens=overrides.max_tokens_override or DEFAULT_MAX_TOKENS,
        temperature=overrides.temperature_override,
        reasoning_effort=overrides.reasoning_effort,
    )


class JudgeRuntime:
    """The judge of a running stack (see the module docstring)."""

    def __init__(self, config: JudgingConfig) -> None:
        self.config = config
        self.stats = JudgeStats(priced=config.priced)
        self._members: list[tuple[JudgeChoice, ProviderClient, Throttle, CostGuard]] = []
        spend = Spend(config.cost_limit_usd)  # one limit for a whole panel
        for choice, settings in config.members:
            assert choice.model is not None
            throttle = Throttle(config.concurrency, config.rpm, config.retry, stats=self.stats)
            guard = CostGuard(choice.model, spend=spend)
            self._members.append((choice, build_client(settings), throttle, guard))

    @property
    def guard(self) -> CostGuard | None:
        """The cost guard of a real judge (the first of a panel; the panel shares its spend)."""
        return self._members[0][3] if self._members else None

    def for_batch(
        self, simulated: SimulatedJudge, context: PromptContext, options: CallOptions
    ) -> PairJudge:
        """The judge of one batch: the real one (or panel) when configured, else ``simulated``."""
        from eng5_np.localstack.llm_judge.judge import LLMJudge
        from eng5_np.localstack.llm_judge.panel import PanelJudge

        judges = [
            LLMJudge(
                client,
                choice.model,
                throttle,
                guard,
                context,
                options,
                label=choice.label,
                priced=choice.priced,
            )
            for choice, client, throttle, guard in self._members
            if choice.model is not None
        ]
        if not judges:
            return SimulatedPairJudge(simulated, context.student_prompt)
        if len(judges) == 1 and self.config.mode == "batch":
            from eng5_np.localstack.llm_judge.batch_judge import BatchJudge

            if self.config.run_dir is None:
                raise JudgeMisconfigured("--judge-mode batch needs a run folder for its batch ids")
            return BatchJudge(judges[0], self.config.run_dir, poll_s=self.config.batch_poll_s)
        if len(judges) == 1:
            return judges[0]
        return PanelJudge(judges, self.config.panel_mode)

    async def aclose(self) -> None:
        """Close the SDK clients; idempotent."""
        members, self._members = self._members, []
        for _, client, _, _ in members:
            await client.aclose()
