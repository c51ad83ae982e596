"""The throttle (bounded concurrency, requests-per-minute limiter, retries with backoff that
honour Retry-After) and the cost guard — without any provider."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.llm_judge.base import (
    ProviderFailure,
    failure_for_status,
    retry_after_seconds,
)
from eng5_np.localstack.llm_judge.cost import CostGuard, CostLimitReached
from eng5_np.localstack.llm_judge.throttle import RetryPolicy, Throttle
from eng5_np.reference.llm_models import load_manifest


class Sleeps:
    """Records the backoffs the throttle asks for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def test_retry_after_headers_in_both_forms() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (429, "RATE_LIMIT", True),
        (500, "LLM_PROVIDER_SERVICE_ERROR", True),
        (529, "LLM_PROVIDER_SERVICE_ERROR", True),
        (408, "LLM_PROVIDER_TIMEOUT", True),
        (401, "AUTHENTICATION_ERROR", False),
        (400, "INVALID_REQUEST", False),
    ],
)
def test_status_classification(status: int, code: str, retryable: bool) -> None:
    failure = failure_for_status(status, "m", {"retry-after": "3"})
    assert (failure.code, failure.retryable) == (code, retryable)


def test_backoff_grows_with_jitter_and_never_undercuts_retry_after() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0, jitter=0.5)
    rng = random.Random(1)
    delays = [policy.delay(n, None, rng) for n in range(6)]
    for n, delay in enumerate(delays):
        cap = min(8.0, 2.0**n)
        assert cap * 0.5 <= delay <= cap
    assert policy.delay(0, 5.0, rng) == 5.0
    assert policy.delay(0, 500.0, rng) == policy.max_retry_after_s


async def test_retryable_failures_are_retried_with_the_asked_wait_then_succeed() -> None:
    sleeps = Sleeps()
    throttle = Throttle(2, policy=RetryPolicy(max_attempts=4, base_delay_s=0.01), sleep=sleeps)
    outcomes: list[Exception | str] = [
        failure_for_status(429, "slow down", {"retry-after": "2"}),
        failure_for_status(503, "busy"),
        "answer",
    ]

    async def call() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await throttle.call(call) == "answer"
    assert throttle.stats.retries == 2
    assert throttle.stats.rate_limited == 1
    assert sleeps.delays[0] == 2.0  # Retry-After honoured
    assert sleeps.delays[1] <= 0.02  # plain backoff


async def test_non_retryable_and_exhausted_failures_are_raised() -> None:
    throttle = Throttle(1, policy=RetryPolicy(max_attempts=3, base_delay_s=0), sleep=Sleeps())
    calls = 0

    async def refused() -> str:
        nonlocal calls
        calls += 1
        raise failure_for_status(401, "bad key")

    with pytest.raises(ProviderFailure, match="AUTHENTICATION_ERROR"):
        await throttle.call(refused)
    assert calls == 1

    async def storm() -> str:
        nonlocal calls
        calls += 1
        raise failure_for_status(429, "storm", {"retry-after": "0"})

    calls = 0
    with pytest.raises(ProviderFailure, match="RATE_LIMIT"):
        await throttle.call(storm)
    assert calls == 3


async def test_concurrency_is_bounded() -> None:
    throttle = Throttle(3)
    running = peak = 0

    async def call() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    await asyncio.gather(*(throttle.call(call) for _ in range(12)))
    assert peak == 3


async def test_requests_per_minute_are_paced() -> None:
    throttle = Throttle(8, rpm=1200)  # 20 per second, at most one second's worth at once
    stamps: list[float] = []

    async def call() -> None:
        stamps.append(time.monotonic())

    await asyncio.gather(*(throttle.call(call) for _ in range(60)))
    # A burst of 20, then 40 more at 20/s: about two seconds.
    assert 1.8 <= stamps[-1] - stamps[0] <= 3.5
    # Never more than a token bucket of 20 refilled at 20/s allows (one call of slack).
    for i, earlier in enumerate(stamps):
        for j in range(i + 21, len(stamps)):
            assert j - i + 1 <= 20 + 20 * (stamps[j] - earlier) + 1
    assert throttle.stats.limiter_wait_s > 0


def test_cost_guard_reserves_settles_and_refuses_past_the_limit() -> None:
    model = load_manifest().find("claude-haiku-4-5-20251001", LLMProviderType.ANTHROPIC)
    assert model is not None
    guard = CostGuard(model, limit_usd=0.01)
    first = guard.estimate(4000, 1000)  # 1000 prompt tokens, 1000 completion before any call
    assert first == pytest.approx((1000 * 1.0 + 1000 * 5.0) / 1e6)
    reservation = guard.reserve(first)
    assert guard.reserved_usd == pytest.approx(first)
    price = guard.settle(reservation, 1000, 100)
    assert price == pytest.approx((1000 + 500) / 1e6)
    assert guard.reserved_usd == 0
    assert guard.estimate(4000, 1000) == pytest.approx((1000 + 100 * 5) / 1e6)  # learned mean
    for _ in range(5):
        guard.settle(guard.reserve(0.0015), 1000, 100)
    with pytest.raises(CostLimitReached, match=r"limit of \$0.01 "):
        guard.reserve(0.0015)
    assert guard.tripped
    with pytest.raises(CostLimitReached):
        guard.reserve(0.0)
