"""The simulated judge and the cost estimates share one token model, and a request's named
model prices the simulated judgements (issue 14, item 3)."""

from __future__ import annotations

import uuid

import pytest

from eng5_np.contracts import LLMConfigOverrides, LLMProviderType
from eng5_np.localstack.cj_batch import priced_as
from eng5_np.localstack.judge import JudgeConfig, judge_prompt
from eng5_np.localstack.judge_types import JudgeEssay
from eng5_np.reference.llm_models import load_manifest
from eng5_np.reference.token_model import JUDGE_PROMPT_WORDS, comparison_prompt_tokens

TASK = "Can one person really make a difference? Argue your case."
ESSAY_A = JudgeEssay("a", "Phones help.\nThey connect   people. " * 12)
ESSAY_B = JudgeEssay("b", "One voice can change a town, as the library campaign showed. " * 9)


def test_the_estimates_count_the_words_the_judge_prompt_adds() -> None:
    assert len(judge_prompt("", "", "").split()) == JUDGE_PROMPT_WORDS


def test_a_named_model_labels_and_prices_the_simulated_callbacks() -> None:
    model = load_manifest().find("gpt-5-mini", LLMProviderType.OPENAI)
    assert model is not None
    judge = JudgeConfig(seed=3).build(priced_as=model)
    callback = judge.compare(
        ESSAY_A,
        ESSAY_B,
        student_prompt=TASK,
        request_metadata={"essay_a_id": "a", "essay_b_id": "b"},
        correlation_id=uuid.UUID(int=7),
        key="k",
    ).callback
    usage = callback.token_usage
    assert usage.prompt_tokens == comparison_prompt_tokens(
        len(TASK.split()), len(ESSAY_A.text.split()), len(ESSAY_B.text.split())
    )
    assert (callback.provider, callback.model) == ("mock", "gpt-5-mini")  # simulated, priced
    assert callback.cost_estimate == pytest.approx(
        model.cost_usd(usage.prompt_tokens, usage.completion_tokens)
    )


def test_the_request_names_the_model_to_price_as() -> None:
    assert priced_as(None) is None
    assert priced_as(LLMConfigOverrides(temperature_override=0.2)) is None
    named = priced_as(LLMConfigOverrides(model_override="claude-haiku-4-5-20251001"))
    assert named is not None
    assert named.provider is LLMProviderType.ANTHROPIC
