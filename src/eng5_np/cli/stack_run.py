"""Starting the embedded local stack around one run (``--local-stack``): fault and judge
options parsed before anything starts, the stack's addresses and admin token put into the
run's settings, an assignment rehearsal prepared, and the real judge's progress shown.
Everything from :mod:`eng5_np.localstack` is imported lazily, so the runner core and the other
commands never load it. The public API's :class:`eng5_np.LocalStack` starts the stack through
:func:`local_stack_session` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from eng5_np.errors import UsageError
from eng5_np.settings import RunSettings

if TYPE_CHECKING:
    from eng5_np.artefact.builder import StackInfo
    from eng5_np.localstack.designs import PairingConfig
    from eng5_np.localstack.judge import JudgeConfig
    from eng5_np.localstack.judge_types import FaultConfig
    from eng5_np.localstack.llm_judge import JudgingConfig


FAULT_KEYS = {
    "errors": "error_rate",
    "duplicates": "duplicate_rate",
    "foreign": "foreign_callbacks",
    "delay": "callback_delay_s",
    "no-result": "withhold_result",
    "ignore-requests": "ignore_requests",
}
INT_FAULTS = frozenset({"foreign", "ignore-requests"})
BOOL_FAULTS = frozenset({"no-result"})


def parse_faults(spec: str | None) -> FaultConfig:
    """Parse ``errors=0.1,duplicates=0.05,foreign=3,delay=0.01`` into a fault config.

    CJ-side faults: ``no-result=1`` (the completion comes, the result never) and
    ``ignore-requests=N`` (the first N requests are never seen), both measured on the
    platform (SPEC §11.6).
    """
    from eng5_np.localstack.judge_types import FaultConfig

    if not spec:
        return FaultConfig()
    values: dict[str, Any] = {}
    for part in spec.split(","):
        key, sep, raw = part.strip().partition("=")
        if not sep or key not in FAULT_KEYS:
            raise UsageError(
                f"--judge-faults: {part.strip()!r} is not one of "
                f"{', '.join(k + '=…' for k in FAULT_KEYS)}"
            )
        try:
            if key in BOOL_FAULTS:
                if raw not in ("0", "1"):
                    raise ValueError(raw)
                values[FAULT_KEYS[key]] = raw == "1"
            else:
                values[FAULT_KEYS[key]] = int(raw) if key in INT_FAULTS else float(raw)
        except ValueError:
            need = "0 or 1" if key in BOOL_FAULTS else "a number"
            raise UsageError(f"--judge-faults: {key} needs {need}, got {raw!r}") from None
    try:
        return FaultConfig(**values)
    except ValueError as exc:
        raise UsageError(f"--judge-faults: {exc}") from None


def judge_config(seed: int, faults: str | None, profile: Path | None = None) -> JudgeConfig:
    """The simulated judge's configuration from CLI values; a bad profile file → exit 2."""
    from eng5_np.localstack.judge import JudgeConfig
    from eng5_np.reference.judge_profiles import builtin_profile, load_judge_profile

    loaded = builtin_profile() if profile is None else load_judge_profile(profile)
    return JudgeConfig(seed=seed, faults=parse_faults(faults), profile=loaded)


JUDGE_STATUS_INTERVAL_S = 5.0
"""How often a real judge's progress line (rate, retries, waits, spend) is shown."""


def judging_config(
    judge: str,
    *,
    concurrency: int,
    rpm: int | None = None,
    cost_limit: float | None = None,
    both_orders: float = 0.0,
    base_url: str | None = None,
    price: str | None = None,
    panel: str = "split",
    mode: str = "live",
    batch_poll_s: float | None = None,
    run_dir: Path | None = None,
) -> JudgingConfig:
    """The stack's judge from CLI values; a bad ``--judge`` or a missing key → exit 2.

    Called before anything starts, so a missing API key costs nothing.
    """
    from eng5_np.localstack.llm_judge import JudgingConfig
    from eng5_np.localstack.llm_judge.runtime import DEFAULT_BATCH_POLL_S

    return JudgingConfig.from_options(
        judge,
        os.environ,
        concurrency=concurrency,
        rpm=rpm,
        cost_limit_usd=cost_limit,
        both_orders=both_orders,
        base_url=base_url,
        price=price,
        panel=panel,
        mode=mode,
        batch_poll_s=batch_poll_s if batch_poll_s is not None else DEFAULT_BATCH_POLL_S,
        run_dir=run_dir,
    )


def settings_judging(settings: RunSettings) -> JudgingConfig:
    """:func:`judging_config` from a run's settings."""
    return judging_config(
        settings.judge,
        concurrency=settings.judge_concurrency,
        rpm=settings.judge_rpm,
        cost_limit=settings.cost_limit,
        both_orders=settings.judge_both_orders,
        base_url=settings.judge_base_url,
        price=settings.judge_price,
        panel=settings.judge_panel,
        mode=settings.judge_mode,
        batch_poll_s=settings.judge_batch_poll,
        run_dir=settings.resolved_output_dir,
    )


def pairing_config(design: str, target_precision: float | None = None) -> PairingConfig:
    """The CJ service's pairing design from ``--pairing`` / ``--target-precision``."""
    from eng5_np.localstack.designs import AdaptiveSettings, PairingConfig

    return PairingConfig(
        design=design, adaptive=AdaptiveSettings(target_precision=target_precision)
    )


def judge_label(judging: JudgingConfig) -> str:
    """How the judge is named to people (its limits too, for a real one)."""
    return judging.describe()


JUDGE_BATCHES = "judge-batches"
"""Where ``--judge-mode batch`` keeps its provider batch ids in the run folder."""


def start_afresh(settings: RunSettings) -> Path | None:
    """Before a run on a new local stack: refuse ``--republish``, set aside an earlier attempt.

    The stack an earlier attempt in the run folder published to stopped with it, so a new
    stack has never heard of that batch: the attempt is set aside (kept) and the run starts
    afresh. Returns where it was kept, or None. Shared by ``--local-stack`` and the API's
    ``LocalStack``.
    """
    from eng5_np.modes.common import require_output_folder, set_aside_gone_stack_attempt

    if settings.republish:
        raise UsageError(
            "--republish cannot apply with --local-stack: the request went to a stack that "
            "stopped with its command, and a new stack has never heard of the batch",
            advice="Run the same command without --republish: the old attempt is set aside "
            "and a new batch starts.",
        )
    run_dir = settings.resolved_output_dir
    require_output_folder(run_dir)
    aside = set_aside_gone_stack_attempt(run_dir)
    saved = None if aside is None else aside / JUDGE_BATCHES
    if settings.judge_mode == "batch" and saved is not None and saved.is_dir():
        shutil.copytree(saved, run_dir / JUDGE_BATCHES)
    return aside


class LocalStackRun:
    """Starts the local stack for one execute run and points the settings at it."""

    def __init__(self, settings: RunSettings, judging: JudgingConfig | None = None) -> None:
        from eng5_np.localstack.stack import LocalStack, LocalStackConfig

        self._judging = judging if judging is not None else settings_judging(settings)
        self._pairing = pairing_config(settings.pairing.value, settings.target_precision)
        self._judge = judge_config(
            settings.judge_seed, settings.judge_faults, settings.judge_profile
        )
        config = LocalStackConfig(
            judge=self._judge,
            judging=self._judging,
            pairing=self._pairing,
            grade_scale=settings.grade_scale.value,
            external_bootstrap=(
                settings.kafka_bootstrap if settings.kafka_bootstrap_explicit else None
            ),
            external_content_service_url=(
                settings.content_service_url if settings.content_service_url_explicit else None
            ),
        )
        self._stack = LocalStack(config)
        self._settings = settings

    @property
    def pids(self) -> tuple[int, ...]:
        """Child processes of the stack (the broker)."""
        return self._stack.pids

    @property
    def cj_service_url(self) -> str:
        """Base URL of the stack's CJ service (``/healthz`` and the admin API)."""
        return self._stack.cj_service_url

    @property
    def admin_token(self) -> SecretStr:
        """The stack's admin bearer token (a secret: never print or log it)."""
        return self._stack.admin_token

    def context(self) -> AbstractAsyncContextManager[Any]:
        """The stack as an async context manager."""
        return self._stack

    def judge_status(self) -> str | None:
        """The real judge's progress line (None for the simulated judge or before start)."""
        stats = self._stack.judge_stats
        if self._judging.choice.is_simulated or stats is None:
            return None
        return stats.summary()

    def point_settings(self) -> RunSettings:
        """The run's settings aimed at the stack (explicit addresses win)."""
        from eng5_np.settings import AdminCredentials

        return self._settings.model_copy(
            update={
                "kafka_bootstrap": self._stack.bootstrap,
                "content_service_url": self._stack.content_service_url,
                # The stack's own CJ service and its freshly minted token: an assignment run
                # rehearsed on the stack checks and prepares its assignment there.
                "cj_service_url": self._stack.cj_service_url,
                "admin_credentials": AdminCredentials(admin_token=self._stack.admin_token),
            }
        )

    def info(self) -> StackInfo:
        """The artefact's ``metadata.stack`` for this run."""
        from eng5_np.artefact.builder import StackInfo

        model = self._judging.choice.model
        pairing = self._pairing.describe()
        provenance = self._judging.provenance
        if model is not None and provenance is not None:
            return StackInfo(
                "local",
                "llm",
                "embedded local stack: Tansu broker, Content Service and reference CJ service "
                f"with a {judge_label(self._judging)}",
                provider=model.provider.value,
                model=model.model_id,
                pairing=pairing,
                judges=tuple(where.as_dict() for where in self._judging.provenances),
            )
        faults = self._settings.judge_faults or "none"
        profile = self._judge.profile
        return StackInfo(
            "local",
            "simulated",
            "embedded local stack: Tansu broker, Content Service and reference CJ service "
            f"with the simulated judge (seed {self._settings.judge_seed}, faults {faults}, "
            f"judge profile {profile.label}); "
            "not LLM judgements; costs are estimates at the named model's prices, no money "
            "was spent",
            pairing=pairing,
            judge_profile={"name": profile.name, "sha256": profile.sha256},
        )


@contextlib.asynccontextmanager
async def local_stack_session(
    settings: RunSettings,
    on_started: Callable[[tuple[int, ...]], None] | None = None,
    *,
    judging: JudgingConfig | None = None,
    on_judge_status: Callable[[str], None] | None = None,
) -> AsyncIterator[tuple[RunSettings, StackInfo]]:
    """The stack started, as ``(settings pointed at it, its metadata.stack)``; always stopped.

    With ``--assignment-id`` the stack's (empty) CJ service first gets the assignment set up
    and the dataset's anchors registered through the same admin client as ``eng5-runner
    assignment setup`` / ``anchors register``, so one command rehearses an assignment run.
    With a real judge, ``on_judge_status`` gets its progress line every few seconds. Shared
    by ``--local-stack`` (:func:`with_local_stack`) and the public API's ``LocalStack``, so a
    run made either way is labelled the same.
    """
    from eng5_np.modes.admin_actions import prepare_assignment

    run = LocalStackRun(settings, judging)
    async with run.context():
        if on_started is not None:
            on_started(run.pids)
        monitor = None
        if on_judge_status is not None:
            monitor = asyncio.create_task(_report_judge(run, on_judge_status))
        try:
            pointed = run.point_settings()
            if pointed.assignment_id is not None:
                await prepare_assignment(pointed)
            yield pointed, run.info()
        finally:
            if monitor is not None:
                monitor.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await monitor
            final = run.judge_status()
            if final is not None and on_judge_status is not None:
                on_judge_status(final)


async def with_local_stack(
    settings: RunSettings,
    body: Callable[[RunSettings, StackInfo], Awaitable[Any]],
    on_started: Callable[[tuple[int, ...]], None] | None = None,
    *,
    judging: JudgingConfig | None = None,
    on_judge_status: Callable[[str], None] | None = None,
) -> Any:
    """Start the stack, run ``body`` against it, and always stop it afterwards
    (:func:`local_stack_session`)."""
    async with local_stack_session(
        settings, on_started, judging=judging, on_judge_status=on_judge_status
    ) as (pointed, info):
        return await body(pointed, info)


async def _report_judge(run: LocalStackRun, show: Callable[[str], None]) -> None:
    """Show the judge's progress line every :data:`JUDGE_STATUS_INTERVAL_S` until cancelled."""
    while True:
        await asyncio.sleep(JUDGE_STATUS_INTERVAL_S)
        status = run.judge_status()
        if status is not None:
            show(status)
