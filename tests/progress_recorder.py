"""A progress sink for tests that keeps what the run told it. Importable like ``cj_player``."""

from __future__ import annotations


class RecordingProgress:
    """A :class:`~eng5_np.modes.progress.ProgressSink` that keeps its notes and upload totals."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.upload_totals: list[int] = []

    def uploads(self, done: int, total: int, failed: int, from_cache: int) -> None:
        self.upload_totals.append(total)

    def callbacks(
        self, collected: int, expected: int | None, elapsed_s: float, cost_usd: float
    ) -> None:
        return

    def note(self, message: str) -> None:
        self.notes.append(message)
