"""How uploads retry (SPEC §4.8): bounded attempts, exponential backoff with full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass

from eng5_np.settings import UPLOAD_ATTEMPTS, UPLOAD_TIMEOUT_S


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, backoff and timeouts for one upload."""

    attempts: int = UPLOAD_ATTEMPTS
    """Total tries per text, the first one included (why this many: ``UPLOAD_ATTEMPTS``)."""
    base_delay_s: float = 0.25
    """Backoff cap before the second try; it doubles for every further try."""
    max_delay_s: float = 4.0
    """Upper bound of any single backoff."""
    request_timeout_s: float = UPLOAD_TIMEOUT_S
    """Whole-request timeout (connect, send, answer) for one try."""
    connect_timeout_s: float = 5.0
    """Connect timeout for one try, so a black-holed host fails fast."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("backoff delays must not be negative")
        if self.request_timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("timeouts must be positive")

    def backoff_s(self, failed_attempt: int, rng: random.Random) -> float:
        """The pause after try number ``failed_attempt`` (1-based) failed.

        Full jitter: uniform in ``[0, min(max_delay, base * 2**(n-1))]``, which spreads
        retries of many concurrent uploads instead of sending them back in lock-step.
        """
        # The exponent is clamped so a huge attempt count cannot overflow a float.
        exponent = min(max(failed_attempt - 1, 0), 60)
        cap = min(self.max_delay_s, self.base_delay_s * 2**exponent)
        return rng.uniform(0.0, cap)
