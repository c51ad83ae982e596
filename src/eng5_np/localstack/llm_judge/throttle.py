"""Throughput within a provider's limits: bounded concurrency, a requests-per-minute limiter,
and retries with exponential backoff and jitter that honour ``Retry-After``.

:class:`Throttle.call` runs one provider call:

1. wait for one of ``concurrency`` slots (an :class:`asyncio.Semaphore`);
2. wait for the requests-per-minute limiter (``aiolimiter.AsyncLimiter``, a leaky bucket — a
   well-kept library rather than a hand-rolled one). The bucket holds one second's worth of
   requests (``max(1, rpm // 60)``) and drains at rpm/60 per second. Providers limit with a
   token bucket that refills continuously (Anthropic documents exactly that), so a burst of
   at most one second's worth never exceeds what they allow, and the small bucket lets the
   pacing catch up after a late wake-up instead of losing that time for good;
3. call; a retryable :class:`~eng5_np.localstack.llm_judge.base.ProviderFailure` (429, 5xx,
   timeouts, connection errors) is retried after ``max(Retry-After, backoff)`` where
   backoff = ``base · 2^attempt`` capped at ``max_delay_s``, times a random factor in
   [1 − jitter, 1] (so many callers hit by one 429 storm do not come back in lockstep). The
   slot is given back while waiting, so other comparisons go on. After ``max_attempts`` the
   last failure is raised.

:class:`JudgeStats` counts calls, retries and the time spent waiting (limiter and backoff);
the CLI shows its :meth:`JudgeStats.summary` as progress.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, TypeVar

from eng5_np.localstack.llm_judge.base import ProviderFailure

__all__ = ["JudgeStats", "RetryPolicy", "Throttle"]

T = TypeVar("T")
MINUTE_S: Final = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How transient provider failures are retried."""

    max_attempts: int = 6
    """Calls per answer, the first included."""
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    jitter: float = 0.5
    """Each backoff is multiplied by a random factor in [1 − jitter, 1]."""
    max_retry_after_s: float = 120.0
    """A ``Retry-After`` longer than this is capped (a misbehaving server cannot stall a run)."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("delays must not be negative and jitter must be within 0–1")

    def delay(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        backoff = min(self.max_delay_s, self.base_delay_s * 2.0**attempt)
        backoff *= 1 - self.jitter * rng.random()
        if retry_after_s is None:
            return backoff
        return max(min(retry_after_s, self.max_retry_after_s), backoff)


@dataclass
class JudgeStats:
    """What the judge did so far (shared by every batch of one stack)."""

    started_at: float = field(default_factory=time.monotonic)
    calls: int = 0
    """Provider calls made (retries included)."""
    comparisons: int = 0
    """Comparisons answered (a judgement or an error callback)."""
    retries: int = 0
    """Calls repeated after a transient failure."""
    answer_retries: int = 0
    """Calls repeated because the answer was unusable."""
    rate_limited: int = 0
    """429 answers received."""
    limiter_wait_s: float = 0.0
    """Time calls waited for the requests-per-minute limiter."""
    backoff_wait_s: float = 0.0
    """Time spent backing off before retries."""
    spent_usd: float = 0.0
    priced: bool = True
    """False for an unpriced judge: the spend is unknown, not $0."""
    batches: dict[str, str] = field(default_factory=dict)
    """``--judge-mode batch``: provider batch id → ``submitted N`` / ``finished k/N``."""
    in_flight: int = 0

    def rate(self, now: float | None = None) -> float:
        """Comparisons per second since the judge started."""
        elapsed = (time.monotonic() if now is None else now) - self.started_at
        return self.comparisons / elapsed if elapsed > 0 else 0.0

    def summary(self) -> str:
        """One progress line: rate, retries, waits, spend."""
        return (
            f"judge: {self.comparisons} comparisons · {self.rate():.2f}/s · "
            f"{self.in_flight} in flight · retries {self.retries} "
            f"(429: {self.rate_limited}, unusable answers: {self.answer_retries}) · "
            f"waited {self.limiter_wait_s:.1f} s for the rate limit, "
            f"{self.backoff_wait_s:.1f} s backing off · "
            f"{f'${self.spent_usd:.4f}' if self.priced else 'cost unknown (unpriced)'}"
            + "".join(f" · batch {bid}: {where}" for bid, where in self.batches.items())
        )


class Throttle:
    """Bounded concurrency + requests-per-minute limiter + retries; see the module docstring."""

    def __init__(
        self,
        concurrency: int,
        rpm: int | None = None,
        policy: RetryPolicy | None = None,
        *,
        stats: JudgeStats | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if rpm is not None and rpm < 1:
            raise ValueError("rpm must be at least 1")
        from aiolimiter import AsyncLimiter

        self.concurrency = concurrency
        self.rpm = rpm
        self.policy = policy or RetryPolicy()
        self.stats = stats or JudgeStats()
        self._slots = asyncio.Semaphore(concurrency)
        self._limiter: AsyncLimiter | None = None
        if rpm is not None:
            burst = max(1, rpm // 60)
            self._limiter = AsyncLimiter(burst, MINUTE_S * burst / rpm)
        self._rng = rng or random.Random()
        self._sleep = sleep

    async def call(self, attempt_call: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt_call`` within the limits, retrying transient failures."""
        attempt = 0
        while True:
            async with self._slots:
                if self._limiter is not None:
                    waited = time.monotonic()
                    await self._limiter.acquire()
                    self.stats.limiter_wait_s += time.monotonic() - waited
                self.stats.calls += 1
                self.stats.in_flight += 1
                try:
                    return await attempt_call()
                except ProviderFailure as failure:
                    if failure.status == 429:
                        self.stats.rate_limited += 1
                    if not failure.retryable or attempt + 1 >= self.policy.max_attempts:
                        raise
                    delay = self.policy.delay(attempt, failure.retry_after_s, self._rng)
                finally:
                    self.stats.in_flight -= 1
            # Back off outside the slot: other comparisons use it meanwhile.
            self.stats.retries += 1
            self.stats.backoff_wait_s += delay
            await self._sleep(delay)
            attempt += 1
