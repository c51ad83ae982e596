"""Rich progress bars for uploads and callbacks (SPEC §1), behind the ProgressSink protocol."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text


class CountColumn(ProgressColumn):
    """``done/total`` when the total is known, else the count alone (never ``/?``)."""

    def render(self, task: Task) -> Text:
        """The count, with its total only when one is known."""
        done = int(task.completed)
        return Text(f"{done}/{int(task.total)}" if task.total is not None else f"{done}")


class RichProgress:
    """Shows upload and callback progress on the console; use as a context manager."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            CountColumn(),
            TextColumn("{task.fields[detail]}"),
            console=console,
            transient=False,
        )
        self._uploads: TaskID | None = None
        self._callbacks: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def uploads(self, done: int, total: int, failed: int, from_cache: int) -> None:
        """Update the upload bar."""
        detail = f"cached {from_cache} · failed {failed}"
        if self._uploads is None:
            self._uploads = self._progress.add_task("uploads", total=total, detail=detail)
        self._progress.update(self._uploads, completed=done, total=total, detail=detail)

    def callbacks(
        self, collected: int, expected: int | None, elapsed_s: float, cost_usd: float | None
    ) -> None:
        """Update the callback bar; without a known total it counts with no denominator."""
        cost = "cost unknown (unpriced judge)" if cost_usd is None else f"${cost_usd:.4f}"
        detail = f"{elapsed_s:6.1f} s · {cost}"
        # The service may stop below a promised total (failed pairs) but never above it.
        total = None if expected is None else max(expected, collected)
        if self._callbacks is None:
            self._callbacks = self._progress.add_task("callbacks", total=total, detail=detail)
        self._progress.update(self._callbacks, completed=collected, total=total, detail=detail)

    def note(self, message: str) -> None:
        """Print a notice above the bars."""
        self._progress.console.print(message, markup=False)
