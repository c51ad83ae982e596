"""The judge's own facts about one comparison, kept from a callback's ``request_metadata``.

The local stack's real judge adds, under ``request_metadata.judge``, what the platform's wire
fields cannot say (SPEC §13.1): which judge made the comparison (its ``--judge`` label, for
panels), whether it is priced (an unpriced local model's ``cost_estimate`` 0 is no price),
the cached share of the prompt tokens, how the answer was constrained, and — judged through
a provider's batch API — ``mode: batch`` and the provider's ``batch_id``. The runner keeps
unknown ``request_metadata`` keys without relying on them; :func:`judge_facts` copies the
well-formed ones into the artefact's comparison record (``judge``), dropping anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["JUDGE_FACTS_KEY", "judge_facts"]

JUDGE_FACTS_KEY: Final = "judge"
_STRINGS: Final = ("label", "structured_output", "mode", "batch_id")
_COUNTS: Final = ("cache_read_tokens", "cache_write_tokens")


def judge_facts(request_metadata: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The record's ``judge`` block, or None when the callback carries no judge facts."""
    raw = (request_metadata or {}).get(JUDGE_FACTS_KEY)
    if not isinstance(raw, Mapping):
        return None
    facts: dict[str, Any] = {}
    for key in _STRINGS:
        value = raw.get(key)
        if isinstance(value, str) and value and len(value) <= 200:
            facts[key] = value
    for key in _COUNTS:
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            facts[key] = value
    if isinstance(raw.get("priced"), bool):
        facts["priced"] = raw["priced"]
    return facts or None
