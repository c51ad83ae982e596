"""Which mode function runs one batch of an experiment.

An experiment calls a mode's async function exactly as the CLI would; the mode never knows
it is part of an experiment. Execute runs through :func:`eng5_np.modes.execute.run_execute`;
anchor-align through :func:`eng5_np.modes.anchor_align.run_anchor_align` (same signature and
result). Other modes (plan, dry-run) send nothing, so there is nothing to
repeat: they are refused with the one line :func:`experiment_runner` raises.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from eng5_np.artefact.builder import StackInfo
from eng5_np.errors import UsageError
from eng5_np.modes.anchor_align import run_anchor_align
from eng5_np.modes.execute import ExecuteResult, run_execute
from eng5_np.modes.progress import ProgressSink
from eng5_np.settings import RunMode, RunSettings

ModeFunction = Callable[..., Awaitable[ExecuteResult]]
"""``await mode(settings, stack=…, progress=…, raise_on_failure=False)`` → ExecuteResult."""
RunOne = Callable[[RunSettings, StackInfo], Awaitable[ExecuteResult]]
"""Runs one batch of an experiment (the CLI wraps it in progress bars)."""


def experiment_modes() -> tuple[str, ...]:
    """The modes an experiment can repeat."""
    return (RunMode.EXECUTE.value, RunMode.ANCHOR_ALIGN.value)


def experiment_runner(mode: RunMode) -> ModeFunction:
    """The async function that runs one batch of ``mode``; :class:`UsageError` for others."""
    if mode is RunMode.EXECUTE:
        return run_execute
    if mode is RunMode.ANCHOR_ALIGN:
        return run_anchor_align
    raise UsageError(
        f"--mode {mode.value} sends no batch, so it cannot be repeated or swept",
        advice=f"Use --mode {' or --mode '.join(experiment_modes())}.",
    )


def default_run_one(progress: ProgressSink | None = None) -> RunOne:
    """Run one batch with the settings' mode, quietly or with ``progress``."""

    async def run_one(settings: RunSettings, stack: StackInfo) -> ExecuteResult:
        function = experiment_runner(settings.mode)
        return await function(settings, stack=stack, progress=progress, raise_on_failure=False)

    return run_one
