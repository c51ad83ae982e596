"""The token model of every cost estimate, shared with the local stack's simulated judge.

One model, so an estimate matches what a simulated run records (issue 14: plan estimated
$0.02 where the run recorded $0.0556 for the same model). A comparison prompt is the task
and the two essays inside the judge's instructions; its tokens are its whitespace-separated
words × :data:`TOKENS_PER_WORD`, and the answer takes :data:`COMPLETION_TOKENS` tokens (the
simulated judge draws uniformly between the two; estimates use the mean). A real LLM's prompt
and answer differ from the simulated judge's, so for it the same figures are an estimate.
"""

from __future__ import annotations

from typing import Final

TOKENS_PER_WORD: Final = 1.3
"""Tokens per whitespace-separated word of English text."""
COMPLETION_TOKENS: Final = (60, 200)
"""Least and most answer tokens of one simulated comparison."""
MEAN_COMPLETION_TOKENS: Final = sum(COMPLETION_TOKENS) / 2
"""The mean answer of :data:`COMPLETION_TOKENS`: 130 tokens."""
JUDGE_PROMPT_WORDS: Final = 51
"""Words the judge's instructions and headings add around the task and the two essays
(``localstack.judge.judge_prompt`` of empty texts; a test keeps the two equal)."""


def tokens(words: float) -> int:
    """Tokens of a text of ``words`` whitespace-separated words."""
    return round(words * TOKENS_PER_WORD)


def comparison_prompt_tokens(task_words: float, essay_a_words: float, essay_b_words: float) -> int:
    """Tokens of one comparison prompt: instructions, task and the two essays."""
    return tokens(JUDGE_PROMPT_WORDS + task_words + essay_a_words + essay_b_words)
