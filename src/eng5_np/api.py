"""The public Python API's runs: the four modes over one settings object, and the local stack.

``run_plan``, ``run_dry_run``, ``run_execute`` and ``run_anchor_align`` wrap the mode
functions of :mod:`eng5_np.modes` (the same code the CLI calls) and return their result
objects; every failure is an :class:`~eng5_np.errors.RunnerError` with its exit code, raised
after whatever was collected is written. :class:`LocalStack` starts the embedded stack through
the code ``--local-stack`` uses (:mod:`eng5_np.cli.stack_run`, imported when the stack starts,
never before) and yields the settings that point a run at it; a run made with those settings
is labelled (``metadata.stack``, options) exactly as the CLI labels a ``--local-stack`` run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING

import structlog

from eng5_np.errors import UsageError
from eng5_np.logs import configure_logging, detach_run_log, get_logger
from eng5_np.modes.anchor_align import run_anchor_align as _anchor_align
from eng5_np.modes.dry_run import DryRunResult
from eng5_np.modes.dry_run import run_dry_run as _dry_run
from eng5_np.modes.execute import EXTERNAL_STACK, ExecuteResult
from eng5_np.modes.execute import run_execute as _execute
from eng5_np.modes.plan import PlanResult
from eng5_np.modes.plan import run_plan as _plan
from eng5_np.modes.progress import ProgressSink
from eng5_np.settings import LogFormat, RunMode, RunSettings

if TYPE_CHECKING:
    from eng5_np.artefact.builder import StackInfo

__all__ = [
    "DryRunResult",
    "ExecuteResult",
    "LocalStack",
    "PlanResult",
    "run_anchor_align",
    "run_dry_run",
    "run_execute",
    "run_plan",
]

log = get_logger(__name__)
StackKey = tuple[str, str, str | None]
_RUNNING: dict[StackKey, StackInfo] = {}
"""The local stacks this process has running (entered :class:`LocalStack` blocks), by the
addresses they serve, with the label a run on each gets. The one piece of module state here, on
purpose: a stack is a process resource, and looking its label up by address keeps it true when
the yielded settings are copied or changed, and lets a run against a stopped stack be refused."""


def _key(settings: RunSettings) -> StackKey:
    return (settings.kafka_bootstrap, settings.content_service_url, settings.cj_service_url)


def _stack_of(settings: RunSettings) -> StackInfo:
    """How a run with these settings is labelled: its running LocalStack's, else external."""
    info = _RUNNING.get(_key(settings))
    if info is not None:
        return info
    if settings.local_stack:
        raise UsageError(
            "these settings point at a local stack that is not running (it stops when its "
            "`async with LocalStack(...)` block ends)",
            advice="Start the run inside `async with eng5_np.LocalStack(settings) as s:`.",
        )
    return EXTERNAL_STACK


def _for_mode(settings: RunSettings, mode: RunMode) -> RunSettings:
    """The settings with ``mode``; a different mode given explicitly is a usage error."""
    if settings.mode is mode:
        return settings
    if "mode" in settings.model_fields_set:
        raise UsageError(f"settings say mode {settings.mode.value!r}, but {mode.value} was called")
    return settings.model_copy(update={"mode": mode})


def _configure_logging(settings: RunSettings) -> None:
    """Log as the CLI does (warnings on stderr, every line in the run's runner.log.jsonl),
    unless the process has configured structlog itself."""
    if not structlog.is_configured():
        configure_logging(
            verbose=settings.verbose, json_console=settings.log_format is LogFormat.JSON
        )


async def run_plan(settings: RunSettings) -> PlanResult:
    """Inventory the dataset and compute what a run would send; touches no service.

    Whatever mode the settings name (plan previews an execute run). ``result.usable`` is
    False when the dataset has problems (``result.inventory.problems``).
    """
    _configure_logging(settings)
    return await _plan(settings)


async def run_dry_run(settings: RunSettings) -> DryRunResult:
    """Write the schema-valid stub artefact of the dataset; touches no service."""
    _configure_logging(settings)
    try:
        return await _dry_run(_for_mode(settings, RunMode.DRY_RUN))
    finally:
        detach_run_log()


async def run_execute(
    settings: RunSettings,
    *,
    progress: ProgressSink | None = None,
    raise_on_failure: bool = True,
) -> ExecuteResult:
    """Run the experiment (uploads, request, collection, artefact, reports).

    Raises the documented error (e.g. :class:`~eng5_np.errors.CollectionTimeout`, exit 4)
    *after* writing the artefact; with ``raise_on_failure=False`` such an outcome is returned
    and ``result.raise_for_outcome()`` raises it. Settings yielded by :class:`LocalStack` run
    on that stack and are labelled as a ``--local-stack`` run.
    """
    return await _collecting(_execute, settings, RunMode.EXECUTE, progress, raise_on_failure)


async def run_anchor_align(
    settings: RunSettings,
    *,
    progress: ProgressSink | None = None,
    raise_on_failure: bool = True,
) -> ExecuteResult:
    """Judge the dataset's anchors only, as a guest batch (SPEC §12); as :func:`run_execute`.

    ``settings.anchor_grades`` limits it to those grades' anchors; the artefact's
    ``alignment`` block is what the run is for.
    """
    return await _collecting(
        _anchor_align, settings, RunMode.ANCHOR_ALIGN, progress, raise_on_failure
    )


async def _collecting(
    mode_function: Callable[..., Awaitable[ExecuteResult]],
    settings: RunSettings,
    mode: RunMode,
    progress: ProgressSink | None,
    raise_on_failure: bool,
) -> ExecuteResult:
    """An execute-path run (execute, anchor-align) on the stack its settings point at."""
    _configure_logging(settings)
    settings = _for_mode(settings, mode)
    try:
        return await mode_function(
            settings,
            stack=_stack_of(settings),
            progress=progress,
            raise_on_failure=raise_on_failure,
        )
    finally:
        detach_run_log()


class LocalStack:
    """The embedded local stack as an async context manager yielding the run's settings.

    ``async with LocalStack(settings) as on_stack:`` starts a Tansu broker, a Content Service
    and the reference CJ service on 127.0.0.1 (the judge, its seed and faults from
    ``settings.judge*``), and yields ``settings`` pointed at them, as ``--local-stack`` does
    (``local_stack`` and ``await_completion`` on: the batch lives on this stack, so a run
    collects it before the block ends). The stack stops when the block ends, also on error.
    A bad ``judge`` or a missing API key raises :class:`~eng5_np.errors.UsageError` before
    anything starts. An earlier attempt in ``settings``' run folder, whose batch lived on a
    stack that is gone, is set aside (kept) first, as ``--local-stack`` does.
    """

    def __init__(self, settings: RunSettings | None = None) -> None:
        base = settings if settings is not None else RunSettings()
        self.settings = base.model_copy(update={"local_stack": True, "await_completion": True})
        """The settings the stack is started from (before it gives them its addresses)."""
        self._session: AbstractAsyncContextManager[tuple[RunSettings, StackInfo]] | None = None
        self._key: StackKey | None = None

    async def __aenter__(self) -> RunSettings:
        if self._session is not None:
            raise UsageError("this LocalStack is already running", advice="Make a new one.")
        from eng5_np.cli.stack_run import (
            local_stack_session,
            parse_faults,
            settings_judging,
            start_afresh,
        )

        _configure_logging(self.settings)
        parse_faults(self.settings.judge_faults)  # a bad spec fails before anything starts
        judging = settings_judging(self.settings)
        aside = start_afresh(self.settings)
        if aside is not None:
            log.warning(
                "local_stack.earlier_attempt_set_aside",
                detail=f"{self.settings.resolved_output_dir}: an earlier attempt's batch lived "
                f"on a local stack that is gone; kept it as {aside.name}, starting afresh",
            )
        session = local_stack_session(self.settings, judging=judging)
        pointed, info = await session.__aenter__()
        self._session, self._key = session, _key(pointed)
        _RUNNING[self._key] = info
        return pointed

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        session, self._session = self._session, None
        if self._key is not None:
            _RUNNING.pop(self._key, None)
            self._key = None
        if session is None:
            return None
        return await session.__aexit__(exc_type, exc, traceback)
