"""OpenAI-compatible servers as judges (issue 18, SPEC §13.1): an Ollama-like fake on 127.0.0.1
that rejects ``response_format: json_schema`` with 400, structured output negotiated down to
JSON mode or a parsed plain answer, unpriced and ``--judge-price``-priced local models, and the
prompt-cache tokens every provider reports priced at the manifest's cache rates."""

from __future__ import annotations

import pytest
from judge_helpers import KEY, LONG, SHORT, Sleeps, make_rig, task

from eng5_np.localstack.llm_judge.base import CallOptions
from eng5_np.localstack.llm_judge.cost import CostGuard
from eng5_np.localstack.llm_judge.judge import LLMJudge
from eng5_np.localstack.llm_judge.prompt import PromptContext
from eng5_np.localstack.llm_judge.runtime import build_client
from eng5_np.localstack.llm_judge.spec import parse_judge, parse_price, provider_settings
from eng5_np.localstack.llm_judge.throttle import RetryPolicy, Throttle
from fake_providers import FakeProvider

pytestmark = pytest.mark.integration

CONTEXT = PromptContext(
    student_prompt="Write a letter to your head teacher about phones.",
    rubric="Reward a clear position supported by examples.",
)


def _local_judge(fake: FakeProvider, judge: str, price: str | None = None) -> LLMJudge:
    choice = parse_judge(judge, price=parse_price(price) if price is not None else None)
    settings = provider_settings(choice, {}, 5.0, base_url=fake.base_url)
    assert choice.model is not None
    throttle = Throttle(2, policy=RetryPolicy(max_attempts=2), sleep=Sleeps())
    return LLMJudge(
        build_client(settings),
        choice.model,
        throttle,
        CostGuard(choice.model),
        CONTEXT,
        CallOptions(),
        label=choice.label,
        priced=choice.priced,
    )


async def test_an_ollama_that_rejects_json_schema_is_asked_in_json_mode() -> None:
    async with FakeProvider("openai", "", rejects=frozenset({"json_schema"})) as fake:
        judge = _local_judge(fake, "ollama:llama3.1:8b")
        try:
            first = (await judge.compare(task(SHORT, LONG))).callback
            second = (await judge.compare(task(LONG, SHORT))).callback
        finally:
            await judge._client.aclose()
        formats = [seen.body.get("response_format", {}).get("type") for seen in fake.requests]
    # One rejection, retried at once without the feature; later calls start in JSON mode.
    assert formats == ["json_schema", "json_object", "json_object"]
    assert fake.rejected == 1
    assert first.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    assert second.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    for callback in (first, second):
        assert callback.model == "llama3.1:8b"
        assert callback.provider.value == "openai"  # the wire enum names the API spoken
        facts = callback.request_metadata["judge"]
        assert facts["label"] == "ollama:llama3.1:8b"
        assert facts["structured_output"] == "json_object"
        # Unpriced: no price is known, and the callback says so beside its 0.
        assert facts["priced"] is False
        assert callback.cost_estimate == 0.0
        assert callback.request_metadata["answer_attempts"] == 1


async def test_a_server_with_no_json_modes_gives_a_parsed_plain_answer() -> None:
    rejects = frozenset({"json_schema", "json_object"})
    async with FakeProvider("openai", "", rejects=rejects, plain_prose=True) as fake:
        judge = _local_judge(fake, "openai-compatible:qwen2.5-7b-instruct", price="0.2,0.6")
        try:
            callback = (await judge.compare(task(SHORT, LONG))).callback
            again = (await judge.compare(task(SHORT, LONG))).callback
        finally:
            await judge._client.aclose()
        bodies = [seen.body for seen in fake.requests]
    # Each rejected feature is dropped once; the plain level sticks for the next call.
    assert [b.get("response_format", {}).get("type") for b in bodies] == [
        "json_schema",
        "json_object",
        None,
        None,
    ]
    assert fake.rejected == 2
    assert callback.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    assert callback.justification == "Essay B develops its argument more fully."
    assert callback.request_metadata["judge"]["structured_output"] == "plain"
    assert again.request_metadata["judge"]["structured_output"] == "plain"
    # --judge-price prices it: 700 prompt and 80 completion tokens at $0.2/$0.6 per million.
    assert callback.request_metadata["judge"]["priced"] is True
    assert callback.cost_estimate == pytest.approx((700 * 0.2 + 80 * 0.6) / 1e6)
    # OpenAI's prompt_cache_key is for OpenAI: a compatible server is not sent it.
    assert all("prompt_cache_key" not in body for body in bodies)


async def test_openai_itself_negotiates_nothing_a_400_stays_an_error() -> None:
    async with FakeProvider("openai", KEY, rejects=frozenset({"json_schema"})) as fake:
        rig = make_rig(fake, "openai")
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    assert fake.rejected == 1
    assert len(fake.requests) == 1
    assert callback.error_detail is not None
    assert callback.error_detail.error_code == "INVALID_REQUEST"


async def test_anthropic_cache_reads_and_writes_are_priced_at_the_cache_rates() -> None:
    async with FakeProvider(
        "anthropic", KEY, cache_read_tokens=500, cache_write_tokens=100
    ) as fake:
        rig = make_rig(fake, "anthropic", context=CONTEXT)
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    # 700 prompt tokens in all: 100 uncached at $1, 500 read at $0.10, 100 written at $1.25
    # per million (Claude Haiku 4.5's manifest rates), 80 completion tokens at $5.
    assert callback.token_usage.prompt_tokens == 700
    expected = (100 * 1.0 + 500 * 0.10 + 100 * 1.25 + 80 * 5.0) / 1e6
    assert callback.cost_estimate == pytest.approx(expected)
    assert callback.cost_estimate < rig.model.cost_usd(700, 80)
    assert rig.guard.spent_usd == pytest.approx(expected)
    facts = callback.request_metadata["judge"]
    assert (facts["cache_read_tokens"], facts["cache_write_tokens"]) == (500, 100)
    assert facts["structured_output"] == "tool"
    assert facts["priced"] is True


async def test_openai_cached_tokens_are_priced_at_the_cached_input_rate() -> None:
    async with FakeProvider("openai", KEY, cache_read_tokens=512) as fake:
        rig = make_rig(fake, "openai", context=CONTEXT)
        try:
            callback = (await rig.judge.compare(task())).callback
        finally:
            await rig.close()
    # GPT-5 mini: $0.25 input, $0.025 cached input, $2 output per million.
    expected = (188 * 0.25 + 512 * 0.025 + 80 * 2.0) / 1e6
    assert callback.cost_estimate == pytest.approx(expected)
    assert callback.request_metadata["judge"]["cache_read_tokens"] == 512
    assert callback.request_metadata["judge"]["cache_write_tokens"] == 0
    assert callback.request_metadata["judge"]["structured_output"] == "json_schema"
