"""Faults a real provider produces, against the real SDKs and fake servers (SPEC §13): 429
storms with Retry-After, 500s, timeouts, malformed JSON, refusals, an answer naming an essay
outside the pair, a wrong key — each retried as documented, then a platform error callback."""

from __future__ import annotations

import pytest
from judge_helpers import FAKE_KIND, KEY, LONG, MODELS, SHORT, make_rig, task

from eng5_np.contracts import LLMComparisonResultV1
from eng5_np.localstack.llm_judge.cost import CostLimitReached
from eng5_np.localstack.llm_judge.throttle import RetryPolicy
from fake_providers import FakeProvider, Step

pytestmark = pytest.mark.integration


def _error(callback: LLMComparisonResultV1) -> tuple[str, str]:
    assert callback.error_detail is not None
    assert callback.winner is None
    return callback.error_detail.error_code, callback.error_detail.message


@pytest.mark.parametrize("name", list(MODELS))
async def test_a_429_storm_honours_retry_after_then_answers(name: str) -> None:
    storm = [Step("error", status=429, retry_after="3") for _ in range(3)]
    async with FakeProvider(FAKE_KIND[name], KEY) as fake:  # type: ignore[arg-type]
        fake.then(*storm)
        rig = make_rig(fake, name, policy=RetryPolicy(max_attempts=5, base_delay_s=0.01))
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
        assert len(fake.requests) == 4
    assert callback.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    assert rig.sleeps.delays == [3.0, 3.0, 3.0]  # the server's Retry-After, not the tiny backoff
    assert rig.throttle.stats.rate_limited == 3
    assert rig.throttle.stats.retries == 3


async def test_a_storm_that_outlasts_the_retries_becomes_a_rate_limit_error_callback() -> None:
    async with FakeProvider("anthropic", KEY) as fake:
        fake.then(*[Step("error", status=429, retry_after="1") for _ in range(3)])
        rig = make_rig(fake, "anthropic", policy=RetryPolicy(max_attempts=3, base_delay_s=0))
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    code, _ = _error(callback)
    assert code == "RATE_LIMIT"
    assert callback.model == MODELS["anthropic"][1]  # the real model, known here
    assert callback.token_usage.total_tokens == 0
    assert callback.cost_estimate == 0
    assert callback.error_detail is not None
    assert callback.error_detail.details["http_status"] == 429
    assert rig.guard.reserved_usd == 0  # nothing left reserved


@pytest.mark.parametrize("status", [500, 503, 529])
async def test_server_errors_are_retried(status: int) -> None:
    async with FakeProvider("anthropic", KEY) as fake:
        fake.then(Step("error", status=status))
        rig = make_rig(fake, "anthropic", policy=RetryPolicy(base_delay_s=0.01))
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    assert callback.is_success
    assert rig.throttle.stats.retries == 1
    assert 0 < rig.sleeps.delays[0] <= 0.01


@pytest.mark.parametrize("name", ["anthropic", "openai", "google"])
async def test_a_slow_answer_times_out_and_is_retried(name: str) -> None:
    async with FakeProvider(FAKE_KIND[name], KEY) as fake:  # type: ignore[arg-type]
        fake.then(Step(delay_s=2.0))
        rig = make_rig(fake, name, timeout_s=0.4, policy=RetryPolicy(base_delay_s=0))
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    assert callback.is_success
    assert rig.throttle.stats.retries == 1
    assert len(fake.requests) == 2


@pytest.mark.parametrize("name", list(MODELS))
async def test_malformed_json_is_asked_for_once_more(name: str) -> None:
    async with FakeProvider(FAKE_KIND[name], KEY) as fake:  # type: ignore[arg-type]
        fake.then(Step("malformed"))
        rig = make_rig(fake, name)
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    assert callback.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    assert callback.request_metadata["answer_attempts"] == 2
    # Both calls were paid for, so both count.
    completion = 2 * 80
    assert callback.token_usage.prompt_tokens == 2 * 700
    assert callback.token_usage.completion_tokens == completion
    assert callback.cost_estimate == pytest.approx(rig.model.cost_usd(1400, completion))
    assert rig.throttle.stats.answer_retries == 1


@pytest.mark.parametrize(
    ("steps", "reason", "refused"),
    [
        ((Step("malformed"), Step("malformed")), "not valid JSON", False),
        ((Step("refuse"), Step("refuse")), "refused", True),
        (
            (
                Step(
                    "raw_answer",
                    raw_text='{"winner": "Essay C", "justification": "j", "confidence": 3}',
                ),
                Step(
                    "raw_answer",
                    raw_text='{"winner": "zz-other-essay", "justification": "j", "confidence": 3}',
                ),
            ),
            "names neither essay",
            False,
        ),
    ],
    ids=["malformed-twice", "refused-twice", "essay-outside-the-pair"],
)
async def test_two_unusable_answers_become_an_error_callback(
    steps: tuple[Step, ...], reason: str, refused: bool
) -> None:
    async with FakeProvider("anthropic", KEY) as fake:
        fake.then(*steps)
        rig = make_rig(fake, "anthropic")
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
        assert len(fake.requests) == 2
    code, message = _error(callback)
    assert code == "INVALID_RESPONSE"
    assert reason in message
    assert callback.error_detail is not None
    assert callback.error_detail.details["refused"] is refused
    assert callback.error_detail.details["answer_attempts"] == 2
    assert callback.error_detail.service == "llm_provider_service"
    assert callback.model == MODELS["anthropic"][1]
    assert callback.cost_estimate > 0  # the unusable answers were billed
    # Still a valid platform callback: round-trips through the wire model.
    assert LLMComparisonResultV1.model_validate_json(callback.model_dump_json()) == callback


@pytest.mark.parametrize("name", ["openai", "google"])
async def test_refusals_of_other_providers(name: str) -> None:
    async with FakeProvider(FAKE_KIND[name], KEY) as fake:  # type: ignore[arg-type]
        fake.then(Step("refuse"), Step("refuse"))
        rig = make_rig(fake, name)
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    code, message = _error(callback)
    assert code == "INVALID_RESPONSE"
    assert "refused" in message


@pytest.mark.parametrize("name", list(MODELS))
async def test_a_wrong_key_is_not_retried_and_never_echoed(name: str) -> None:
    wrong = "sk-wrong-0123456789abcdef"
    async with FakeProvider(FAKE_KIND[name], KEY) as fake:  # type: ignore[arg-type]
        rig = make_rig(fake, name, key=wrong)
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
        assert len(fake.requests) == 1
    code, _ = _error(callback)
    assert code == "AUTHENTICATION_ERROR"
    assert wrong not in callback.model_dump_json()


async def test_the_cost_limit_refuses_to_start_a_comparison() -> None:
    limit = 0.01
    async with FakeProvider("anthropic", KEY) as fake:
        # One call: 700 prompt + 80 completion tokens = $0.0011 at $1/$5 per M.
        rig = make_rig(fake, "anthropic", cost_limit=limit)
        judged = 0
        try:
            while rig.guard.spent_usd + 0.0011 <= limit:
                await rig.judge.compare(task())
                judged += 1
            with pytest.raises(CostLimitReached, match="claude-haiku"):
                await rig.judge.compare(task())
        finally:
            await rig.close()
    # The learned estimate is exact here: spend stops just short of the limit.
    assert judged == 9
    assert rig.guard.spent_usd == pytest.approx(9 * 0.0011)
    assert rig.guard.spent_usd <= limit
    assert len(fake.requests) == judged
    assert rig.guard.tripped
