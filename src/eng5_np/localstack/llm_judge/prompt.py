"""The comparison prompt, built in one place as the platform's CJ service builds it (SPEC §11.4).

The user message has, in this order, each section only when it has text:

1. ``Student assignment`` — the student prompt text (fetched from the Content Service);
2. ``Assessment instructions`` — the assignment's instructions text;
3. ``Judge rubric`` — ``judge_rubric_override`` when the request sent one, else the
   assignment's rubric;
4. ``Essay A (ID: <wire id>)`` and ``Essay B (ID: <wire id>)`` with their texts — the opaque
   wire ids of SPEC §3, never display names;
5. the fixed response instructions (:data:`RESPONSE_INSTRUCTIONS`).

Sections 1–3 are the same for every comparison of a batch and come first, so with the system
prompt they form a shared prefix a provider's prompt cache can hold (SPEC §13.1): the
:attr:`JudgePrompt.user_prefix` (Anthropic requests mark its end with ``cache_control``; OpenAI
caches it by itself once it is ≥ 1,024 tokens). The essays and the response instructions follow.

The system prompt is ``system_prompt_override`` when the request sent one, else
:data:`DEFAULT_SYSTEM_PROMPT`. ``prompt_sha256`` of a callback is the SHA-256 of
:meth:`JudgePrompt.canonical_text` (system prompt, a blank line, the user message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from eng5_np.primitives.hashing import sha256_text

__all__ = [
    "ANSWER_SCHEMA",
    "ANSWER_TOOL_NAME",
    "DEFAULT_SYSTEM_PROMPT",
    "RESPONSE_INSTRUCTIONS",
    "JudgePrompt",
    "PromptContext",
    "build_prompt",
]

DEFAULT_SYSTEM_PROMPT: Final = (
    "You are an experienced examiner of English essays written by upper-secondary students. "
    "You compare two essays written for the same assignment and decide which one is the better "
    "piece of writing overall, judging content, structure and language as the assessment "
    "instructions and rubric describe. Judge the writing only: ignore the essays' order and "
    "their ids, and do not let length alone decide."
)
"""System prompt used when the request carries no ``system_prompt_override``."""

RESPONSE_INSTRUCTIONS: Final = (
    "Decide which essay is better. Answer with a JSON object with exactly these fields:\n"
    '- "winner": "Essay A" or "Essay B"\n'
    '- "justification": why, in at most 500 characters\n'
    '- "confidence": how sure you are, an integer from 1 (a guess) to 5 (certain)'
)
"""The fixed closing instructions of every comparison prompt."""

ANSWER_TOOL_NAME: Final = "record_comparison"
"""Name of the forced tool (Anthropic) and of the JSON schema (OpenAI)."""

ANSWER_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "winner": {
            "type": "string",
            "enum": ["Essay A", "Essay B"],
            "description": "The better essay.",
        },
        "justification": {
            "type": "string",
            "description": "Why that essay is better, at most 500 characters.",
        },
        "confidence": {
            "type": "integer",
            "enum": [1, 2, 3, 4, 5],
            "description": "1 = a guess, 5 = certain.",
        },
    },
    "required": ["winner", "justification", "confidence"],
    "additionalProperties": False,
}
"""JSON Schema of the answer; strict-mode compatible (every field required, no extras)."""


@dataclass(frozen=True)
class PromptContext:
    """What the judge is told about the task, shared by every comparison of a batch."""

    student_prompt: str = ""
    """The student assignment text (the prompt students wrote to)."""
    instructions: str = ""
    """The assessment instructions text."""
    rubric: str = ""
    """The judge rubric: the request's ``judge_rubric_override`` or the assignment's."""
    system_prompt_override: str | None = None
    """The request's ``system_prompt_override``; None → :data:`DEFAULT_SYSTEM_PROMPT`."""


@dataclass(frozen=True)
class JudgePrompt:
    """One comparison's system prompt and user message."""

    system: str
    user: str
    user_prefix: str = ""
    """The start of ``user`` shared by every comparison of the batch (may be empty)."""

    @property
    def user_rest(self) -> str:
        """``user`` after the shared prefix (and the blank line that ends it)."""
        if not self.user_prefix:
            return self.user
        return self.user[len(self.user_prefix) :].removeprefix("\n\n")

    @property
    def prefix_sha256(self) -> str:
        """SHA-256 of the system prompt and the shared prefix: one cache, one batch."""
        return sha256_text(f"{self.system}\n\n{self.user_prefix}")

    def canonical_text(self) -> str:
        """System prompt and user message as one text; its SHA-256 is ``prompt_sha256``."""
        return f"{self.system}\n\n{self.user}"

    @property
    def sha256(self) -> str:
        """SHA-256 of :meth:`canonical_text`."""
        return sha256_text(self.canonical_text())


def _section(title: str, text: str) -> str | None:
    body = text.strip()
    return f"**{title}:**\n{body}" if body else None


def build_prompt(
    context: PromptContext,
    *,
    essay_a_id: str,
    essay_a_text: str,
    essay_b_id: str,
    essay_b_text: str,
) -> JudgePrompt:
    """The prompt for one comparison (see the module docstring for its layout)."""
    shared = [
        _section("Student assignment", context.student_prompt),
        _section("Assessment instructions", context.instructions),
        _section("Judge rubric", context.rubric),
    ]
    own = [
        f"**Essay A (ID: {essay_a_id}):**\n{essay_a_text.strip()}",
        f"**Essay B (ID: {essay_b_id}):**\n{essay_b_text.strip()}",
        RESPONSE_INSTRUCTIONS,
    ]
    prefix = "\n\n".join(section for section in shared if section is not None)
    system = context.system_prompt_override
    return JudgePrompt(
        system=system if system and system.strip() else DEFAULT_SYSTEM_PROMPT,
        user="\n\n".join([prefix, *own] if prefix else own),
        user_prefix=prefix,
    )
