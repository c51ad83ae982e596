"""``sweep --judge``: each swept judge checked before anything starts, and each of its batches
run on a local stack of its own with its cell's judge (a stack's judge is fixed when it
starts). Imports :mod:`eng5_np.cli.stack_run` (and through it the local stack) lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eng5_np.cli.common import stderr_console
from eng5_np.settings import RunSettings

if TYPE_CHECKING:
    from eng5_np.artefact.builder import StackInfo
    from eng5_np.experiments.modes import RunOne

__all__ = ["check_judges", "on_own_stack", "per_batch_stacks"]


def check_judges(settings: RunSettings, judges: list[str]) -> None:
    """Every swept judge (and its key) is checked before anything starts: exit 2 otherwise."""
    if not judges:
        return
    from eng5_np.cli.stack_run import settings_judging
    from eng5_np.experiments.sweep_judges import judge_cell_updates

    for value in judges:
        settings_judging(settings.model_copy(update=judge_cell_updates(value)))


def per_batch_stacks() -> StackInfo:
    """What a judge sweep's record says about its stacks (each run's artefact names its own)."""
    from eng5_np.artefact.builder import StackInfo

    return StackInfo(
        "local",
        "llm",
        "an embedded local stack per batch, each with its cell's real LLM judge (each run's "
        "artefact names its judge and where it was)",
    )


def on_own_stack(run_one: RunOne) -> RunOne:
    """``run_one`` on a local stack started for that batch, with its settings' judge."""
    from eng5_np.cli.stack_run import judge_label, settings_judging, with_local_stack

    async def run(run_settings: RunSettings, stack: StackInfo) -> Any:
        judging = settings_judging(run_settings)

        def started(pids: tuple[int, ...]) -> None:
            shown = ", ".join(str(pid) for pid in pids) or "none"
            stderr_console().print(
                f"local stack started ({judge_label(judging)}; broker pid {shown})", markup=False
            )

        return await with_local_stack(run_settings, run_one, started, judging=judging)

    return run
