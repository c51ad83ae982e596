"""Validate a judge's structured answer into winner, justification and confidence (SPEC §13).

The providers return the answer as a tool input (Anthropic), JSON text (OpenAI, OpenRouter,
Google) or, rarely, JSON inside a Markdown code fence; a local model asked without a
``response_format`` (a *plain* answer) may wrap the object in prose, and then the first
well-formed JSON object in the text is taken. :func:`parse_answer` accepts a mapping
or such text and returns a :class:`JudgeAnswer`, or raises :class:`UnusableAnswer` naming
what is wrong. Accepted:

- ``winner``: ``"Essay A"``/``"Essay B"`` (case and surrounding space ignored, ``"A"``/``"B"``
  too), or the wire id of one of the two essays (the prompt shows them, a model may answer
  with one); anything else — another essay, a tie, nothing — is unusable;
- ``justification``: a non-empty string, whitespace-trimmed and cut to 500 characters
  (the wire limit, SPEC §4.5);
- ``confidence``: a number (or numeric string) from 1 to 5.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from eng5_np.contracts import EssayComparisonWinner

__all__ = ["MAX_JUSTIFICATION_CHARS", "JudgeAnswer", "UnusableAnswer", "parse_answer"]

MAX_JUSTIFICATION_CHARS: Final = 500
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
_WINNERS: Final = {
    "essay a": EssayComparisonWinner.ESSAY_A,
    "a": EssayComparisonWinner.ESSAY_A,
    "essay b": EssayComparisonWinner.ESSAY_B,
    "b": EssayComparisonWinner.ESSAY_B,
}


class UnusableAnswer(Exception):
    """The judge answered, but not with a usable judgement (malformed, refused, off-pair)."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


@dataclass(frozen=True)
class JudgeAnswer:
    """A validated judgement."""

    winner: EssayComparisonWinner
    justification: str
    confidence: float


def _as_mapping(raw: object) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    if not isinstance(raw, str):
        raise UnusableAnswer(f"the answer is {type(raw).__name__}, not a JSON object")
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    if not text:
        raise UnusableAnswer("the answer is empty")
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as error:
        embedded = _embedded_object(text)
        if embedded is None:
            raise UnusableAnswer(f"the answer is not valid JSON ({error.msg})") from None
        decoded = embedded
    if not isinstance(decoded, Mapping):
        raise UnusableAnswer("the answer is JSON but not an object")
    return decoded


def _embedded_object(text: str) -> Mapping[str, Any] | None:
    """The first JSON object inside prose, e.g. ``Sure! {"winner": …} Hope that helps``."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            found, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            found = None
        if isinstance(found, Mapping):
            return found
        start = text.find("{", start + 1)
    return None


def _winner(value: object, essay_a_id: str, essay_b_id: str) -> EssayComparisonWinner:
    if isinstance(value, str):
        text = value.strip()
        if text == essay_a_id:
            return EssayComparisonWinner.ESSAY_A
        if text == essay_b_id:
            return EssayComparisonWinner.ESSAY_B
        found = _WINNERS.get(text.lower())
        if found is not None:
            return found
    raise UnusableAnswer(f"winner {value!r} names neither essay of the pair")


def _confidence(value: object) -> float:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 1 <= number <= 5:
        raise UnusableAnswer(f"confidence {value!r} is not a number from 1 to 5")
    return number


def parse_answer(raw: object, *, essay_a_id: str, essay_b_id: str) -> JudgeAnswer:
    """Validate ``raw`` (a mapping or JSON text) into a :class:`JudgeAnswer`."""
    answer = _as_mapping(raw)
    missing = [key for key in ("winner", "justification", "confidence") if key not in answer]
    if missing:
        raise UnusableAnswer(f"the answer lacks {', '.join(missing)}")
    justification = answer["justification"]
    if not isinstance(justification, str) or not justification.strip():
        raise UnusableAnswer("the justification is empty or not text")
    return JudgeAnswer(
        winner=_winner(answer["winner"], essay_a_id, essay_b_id),
        justification=justification.strip()[:MAX_JUSTIFICATION_CHARS].rstrip(),
        confidence=_confidence(answer["confidence"]),
    )
