"""What the modes report while they work; the terminal view implements it (SPEC §1)."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    """Receives progress of long steps; implementations must be cheap and never raise."""

    def uploads(self, done: int, total: int, failed: int, from_cache: int) -> None:
        """Upload progress after each essay."""

    def callbacks(
        self, collected: int, expected: int | None, elapsed_s: float, cost_usd: float | None
    ) -> None:
        """Callback progress after each poll; ``expected`` is None when no total is known,
        ``cost_usd`` None when an unpriced judge made some comparisons (cost unknown)."""

    def note(self, message: str) -> None:
        """A one-line notice (warnings such as 'no callback for 60 s')."""


class SilentProgress:
    """A sink that shows nothing (tests, --log-format json)."""

    def uploads(self, done: int, total: int, failed: int, from_cache: int) -> None:
        """Ignore upload progress."""

    def callbacks(
        self, collected: int, expected: int | None, elapsed_s: float, cost_usd: float | None
    ) -> None:
        """Ignore callback progress."""

    def note(self, message: str) -> None:
        """Ignore notices."""
