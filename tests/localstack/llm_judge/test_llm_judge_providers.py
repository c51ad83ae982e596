"""The real SDKs against fake provider servers (SPEC §13): what each SDK sends, and what the
judge's callbacks carry — for Anthropic, OpenAI, OpenRouter and Google."""

from __future__ import annotations

from typing import Any

import pytest
from judge_helpers import FAKE_KIND, KEY, LONG, MODELS, SHORT, make_rig, task

from eng5_np.contracts import ReasoningEffort
from eng5_np.localstack.llm_judge.base import CallOptions
from eng5_np.localstack.llm_judge.prompt import ANSWER_SCHEMA, PromptContext
from fake_providers import FakeProvider, prompt_of

pytestmark = pytest.mark.integration

CONTEXT = PromptContext(
    student_prompt="Write a letter to your head teacher about phones.",
    instructions="Assess communication, structure and language.",
    rubric="RUBRIC-7: reward a clear position supported by examples.",
    system_prompt_override="SYSTEM-3: you are a careful examiner.",
)


@pytest.mark.parametrize("name", list(MODELS))
async def test_correct_answers_in_both_positions_with_usage_and_cost(name: str) -> None:
    async with FakeProvider(FAKE_KIND[name], KEY, reasoning_tokens=30) as fake:  # type: ignore[arg-type]
        rig = make_rig(fake, name, context=CONTEXT)
        try:
            forward = (await rig.judge.compare(task(SHORT, LONG))).callback
            backward = (await rig.judge.compare(task(LONG, SHORT))).callback
        finally:
            await rig.close()
    # The longer essay wins whichever position it is shown in.
    assert forward.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    assert backward.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    assert forward.winner is not None
    assert forward.winner.value == "Essay B"
    assert backward.winner is not None
    assert backward.winner.value == "Essay A"
    callback = forward
    assert callback.provider is MODELS[name][0]
    assert callback.model == MODELS[name][1]
    assert callback.justification == "Essay B develops its argument more fully."
    assert callback.confidence == 4
    completion = 80 + (30 if name == "google" else 0)  # Gemini reports thoughts apart
    assert callback.token_usage.prompt_tokens == 700
    assert callback.token_usage.completion_tokens == completion
    assert callback.cost_estimate == pytest.approx(rig.model.cost_usd(700, completion))
    assert callback.request_metadata["reasoning_tokens"] == 30
    assert callback.request_metadata["answer_attempts"] == 1
    assert callback.prompt_sha256 is not None
    assert len(callback.prompt_sha256) == 64
    assert callback.essay_a_id == SHORT.essay_id


def _system_and_user(name: str, body: dict[str, Any]) -> tuple[str, str]:
    if name == "anthropic":
        blocks = body["messages"][0]["content"]
        return body["system"], "\n\n".join(block["text"] for block in blocks)
    if name in ("openai", "openrouter"):
        return body["messages"][0]["content"], body["messages"][1]["content"]
    return body["systemInstruction"]["parts"][0]["text"], body["contents"][0]["parts"][0]["text"]


@pytest.mark.parametrize("name", list(MODELS))
async def test_what_the_sdk_sent(name: str) -> None:
    options = CallOptions(max_tokens=600, reasoning_effort=ReasoningEffort.MEDIUM)
    async with FakeProvider(FAKE_KIND[name], KEY) as fake:  # type: ignore[arg-type]
        rig = make_rig(fake, name, context=CONTEXT, options=options)
        try:
            await rig.judge.compare(task(SHORT, LONG))
        finally:
            await rig.close()
        (seen,) = fake.requests
    body = seen.body
    system, user = _system_and_user(name, body)
    assert system == CONTEXT.system_prompt_override
    assert user == prompt_of(FAKE_KIND[name], seen)  # type: ignore[arg-type]
    for text in (CONTEXT.student_prompt, CONTEXT.instructions, CONTEXT.rubric):
        assert text in user
    assert f"**Essay A (ID: {SHORT.essay_id}):**\n{SHORT.text}" in user
    assert f"**Essay B (ID: {LONG.essay_id}):**\n{LONG.text}" in user
    if name == "anthropic":
        assert seen.path == "/v1/messages"
        assert body["model"] == MODELS[name][1]
        assert body["thinking"] == {"type": "enabled", "budget_tokens": 4096}
        # No forced tool together with extended thinking.
        assert body["tool_choice"] == {"type": "auto"}
        assert body["tools"][0]["input_schema"] == ANSWER_SCHEMA
        assert body["max_tokens"] == 600 + 4096
        # Prompt caching: the shared prefix (assignment, instructions, rubric) is its own
        # block, marked for the cache; the essays follow in an unmarked one.
        prefix, rest = body["messages"][0]["content"]
        assert prefix["cache_control"] == {"type": "ephemeral"}
        assert prefix["text"].startswith("**Student assignment:**")
        assert prefix["text"].endswith(CONTEXT.rubric)
        assert "cache_control" not in rest
        assert rest["text"].startswith(f"**Essay A (ID: {SHORT.essay_id}):**")
    elif name == "openai":
        assert seen.path == "/v1/chat/completions"
        assert body["model"] == MODELS[name][1]
        assert body["reasoning_effort"] == "medium"  # top level, as chat completions takes it
        schema = body["response_format"]
        assert schema["type"] == "json_schema"
        assert schema["json_schema"]["strict"] is True
        assert schema["json_schema"]["schema"] == ANSWER_SCHEMA
        assert body["max_completion_tokens"] == 600
        # One cache key per shared prefix, so the batch's requests share OpenAI's cache.
        assert len(body["prompt_cache_key"]) == 32
    elif name == "openrouter":
        assert body["model"] == "openai/gpt-5-mini"
        assert body["response_format"] == {"type": "json_object"}
        assert body["reasoning"] == {"effort": "medium"}
        assert "reasoning_effort" not in body
    else:
        assert (
            seen.path == f"/v1beta/models/{MODELS[name][1]}:generateContent"
            or seen.path.endswith(f"/models/{MODELS[name][1]}:generateContent")
        )
        config = body["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        assert set(config["responseSchema"]["required"]) == {
            "winner",
            "justification",
            "confidence",
        }
        thinking = config["thinkingConfig"]
        assert thinking.get("thinkingBudget", thinking.get("thinking_budget")) == 4096


async def test_anthropic_without_reasoning_forces_the_tool() -> None:
    async with FakeProvider("anthropic", KEY) as fake:
        rig = make_rig(fake, "anthropic", options=CallOptions(temperature=0.2))
        try:
            await rig.judge.compare(task())
        finally:
            await rig.close()
    body = fake.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "record_comparison"}
    assert "thinking" not in body
    assert "temperature" not in body  # the SDK's Messages API takes none
    assert body["system"].startswith("You are an experienced examiner")  # the default
