"""Rich progress bars for uploads and callbacks (SPEC §1), behind the ProgressSink protocol."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn


class RichProgress:
    """Shows upload and callback progress on the console; use as a context manager."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
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

    def callbacks(self, collected: int, expected: int, elapsed_s: float, cost_usd: float) -> None:
        """Update the callback bar."""
        detail = f"{elapsed_s:6.1f} s · ${cost_usd:.4f}"
        total = max(expected, collected)
        if self._callbacks is None:
            self._callbacks = self._progress.add_task("callbacks", total=total, detail=detail)
        self._progress.update(self._callbacks, completed=collected, total=total, detail=detail)

    def note(self, message: str) -> None:
        """Print a notice above the bars."""
        self._progress.console.print(message, markup=False)
