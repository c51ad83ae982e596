"""Which mode function runs one batch of an experiment.

An experiment calls a mode's async function exactly as the CLI would; the mode never knows
it is part of an experiment. Execute runs through :func:`eng5_np.modes.execute.run_execute`;
anchor-align, where this build has it, through ``eng5_np.modes.anchor_align.run_anchor_align``
(same signature and result). Other modes (plan, dry-run) send nothing, so there is nothing to
repeat: they are refused with the one line :func:`experiment_runner` raises.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

from eng5_np.artefact.builder import StackInfo
from eng5_np.errors import UsageError
from eng5_np.modes.execute import ExecuteResult, run_execute
from eng5_np.modes.progress import ProgressSink
from eng5_np.settings import RunMode, RunSettings

ModeFunction = Callable[..., Awaitable[ExecuteResult]]
"""``await mode(settings, stack=…, progress=…, raise_on_failure=False)`` → ExecuteResult."""
RunOne = Callable[[RunSettings, StackInfo], Awaitable[ExecuteResult]]
"""Runs one batch of an experiment (the CLI wraps it in progress bars)."""
ANCHOR_ALIGN = "anchor-align"
ANCHOR_ALIGN_MODULE = "eng5_np.modes.anchor_align"
ANCHOR_ALIGN_FUNCTION = "run_anchor_align"


def experiment_modes() -> tuple[str, ...]:
    """The modes an experiment can repeat in this build."""
    modes = [RunMode.EXECUTE.value]
    if ANCHOR_ALIGN in {mode.value for mode in RunMode}:
        modes.append(ANCHOR_ALIGN)
    return tuple(modes)


def experiment_runner(mode: RunMode) -> ModeFunction:
    """The async function that runs one batch of ``mode``; :class:`UsageError` for others."""
    if mode is RunMode.EXECUTE:
        return run_execute
    if mode.value == ANCHOR_ALIGN:
        module: Any = importlib.import_module(ANCHOR_ALIGN_MODULE)
        return cast(ModeFunction, getattr(module, ANCHOR_ALIGN_FUNCTION))
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
