"""The prompt as the platform builds it (SPEC §11.4) and the answer's validation (SPEC §13)."""

from __future__ import annotations

import pytest

from eng5_np.contracts import EssayComparisonWinner
from eng5_np.localstack.llm_judge.answer import UnusableAnswer, parse_answer
from eng5_np.localstack.llm_judge.prompt import (
    DEFAULT_SYSTEM_PROMPT,
    RESPONSE_INSTRUCTIONS,
    PromptContext,
    build_prompt,
)
from eng5_np.primitives.hashing import sha256_text

A, B = "k3x9-a1", "q7z2-b2"


def _prompt(context: PromptContext) -> tuple[str, str]:
    prompt = build_prompt(
        context, essay_a_id=A, essay_a_text=" First essay.\n", essay_b_id=B, essay_b_text="Second."
    )
    return prompt.system, prompt.user


def test_prompt_sections_in_the_platform_order() -> None:
    system, user = _prompt(
        PromptContext("Write a letter.", "Assess content and language.", "Rubric R", None)
    )
    assert system == DEFAULT_SYSTEM_PROMPT
    order = [
        "**Student assignment:**\nWrite a letter.",
        "**Assessment instructions:**\nAssess content and language.",
        "**Judge rubric:**\nRubric R",
        f"**Essay A (ID: {A}):**\nFirst essay.",
        f"**Essay B (ID: {B}):**\nSecond.",
        RESPONSE_INSTRUCTIONS,
    ]
    positions = [user.index(part) for part in order]
    assert positions == sorted(positions)
    assert user.endswith(RESPONSE_INSTRUCTIONS)


def test_system_prompt_override_wins_and_empty_sections_are_left_out() -> None:
    system, user = _prompt(PromptContext("Task", "", "", "You are a strict examiner."))
    assert system == "You are a strict examiner."
    assert "Assessment instructions" not in user
    assert "Judge rubric" not in user


def test_prompt_hash_covers_system_and_user() -> None:
    context = PromptContext("Task")
    prompt = build_prompt(context, essay_a_id=A, essay_a_text="x", essay_b_id=B, essay_b_text="y")
    assert prompt.sha256 == sha256_text(f"{prompt.system}\n\n{prompt.user}")
    other = build_prompt(
        PromptContext("Task", system_prompt_override="Other"),
        essay_a_id=A,
        essay_a_text="x",
        essay_b_id=B,
        essay_b_text="y",
    )
    assert other.sha256 != prompt.sha256


@pytest.mark.parametrize(
    ("raw", "winner"),
    [
        ({"winner": "Essay A", "justification": "j", "confidence": 3}, "Essay A"),
        ('{"winner": " essay b ", "justification": "j", "confidence": "2"}', "Essay B"),
        ('```json\n{"winner": "B", "justification": "j", "confidence": 5}\n```', "Essay B"),
        ({"winner": A, "justification": "j", "confidence": 1}, "Essay A"),
    ],
)
def test_answers_in_every_accepted_form(raw: object, winner: str) -> None:
    answer = parse_answer(raw, essay_a_id=A, essay_b_id=B)
    assert answer.winner is EssayComparisonWinner(winner)


def test_justification_is_trimmed_and_cut_to_500_characters() -> None:
    answer = parse_answer(
        {"winner": "Essay A", "justification": "  " + "x" * 600, "confidence": 4.0},
        essay_a_id=A,
        essay_b_id=B,
    )
    assert answer.justification == "x" * 500
    assert answer.confidence == 4.0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{'winner': Essay A,,", "not valid JSON"),
        ("[1, 2]", "not an object"),
        ("", "empty"),
        ({"winner": "Essay C", "justification": "j", "confidence": 3}, "neither essay"),
        ({"winner": "someone-else", "justification": "j", "confidence": 3}, "neither essay"),
        ({"winner": "Essay A", "justification": " ", "confidence": 3}, "justification"),
        ({"winner": "Essay A", "justification": "j", "confidence": 9}, "confidence"),
        ({"winner": "Essay A", "justification": "j", "confidence": True}, "confidence"),
        ({"winner": "Essay A", "confidence": 3}, "lacks justification"),
        (None, "not a JSON object"),
    ],
)
def test_unusable_answers_say_why(raw: object, reason: str) -> None:
    with pytest.raises(UnusableAnswer, match=reason):
        parse_answer(raw, essay_a_id=A, essay_b_id=B)
