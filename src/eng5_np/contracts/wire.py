"""Bytes ↔ envelopes: the only place raw Kafka message values are encoded or decoded."""

from __future__ import annotations

import json
import math
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from eng5_np.contracts.cj import AssessmentResultV1, CJAssessmentCompletedV1, CJAssessmentFailedV1
from eng5_np.contracts.envelope import EventEnvelope, PayloadT, envelope_model
from eng5_np.contracts.llm import LLMComparisonResultV1
from eng5_np.contracts.topics import (
    ASSESSMENT_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
)

_MAX_REASON_CHARS: Final = 300
_MAX_INT_DIGITS: Final = 308
"""An integer literal of more digits is beyond any float (1.8e308)."""


class _NonFinite:
    """Stands in for a non-finite number while a message is searched for one."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


class _NonFiniteFound(Exception):
    """Raised by the parser's hooks at the first non-finite number: stop parsing."""


def _refuse_constant(literal: str) -> float:
    raise _NonFiniteFound(literal)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NonFiniteFound(literal)
    return value


def _finite_int(literal: str) -> int:
    if len(literal) > _MAX_INT_DIGITS and abs(int(literal)) > 1e308:
        raise _NonFiniteFound(literal)
    return 0  # the value is not used: the model parses the message itself


_SCREEN: Final = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_finite_int
)
"""Parses a message only to refuse its first non-finite number (values are discarded)."""


class ContractError(ValueError):
    """A message does not match its wire contract; ``reason`` says where and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_wire_bytes(envelope: EventEnvelope[PayloadT]) -> bytes:
    """Serialise an envelope to compact UTF-8 JSON, the Kafka message value."""
    return envelope.model_dump_json().encode("utf-8")


def parse_envelope(raw: bytes | str, payload_type: type[PayloadT]) -> EventEnvelope[PayloadT]:
    """Decode and validate a message value; raise :class:`ContractError` if it does not fit.

    Non-finite numbers (``Infinity``, ``NaN``, ``1e999``) anywhere in the message, typed
    fields or free-form ones, are a contract error: JSON has no such numbers, and one stored
    would make every later write of the artefact fail. The JSON parser refuses them as it
    parses (its hooks see every float literal and constant); only a refused message is read
    again, to name where the number sits. Issue 14 item 11: walking every parsed message in
    Python for such numbers cost 2.3 s of 3.6 s hydrating 20,000 callbacks. The model then
    validates the bytes with its own JSON parser: on 5,000 callbacks of 1.2 KB the screening
    parse cost about what ``model_validate_json`` did, and validating the screened Python
    objects instead cost 1.4 times as much as the second parse (timed on this machine; the
    whole path is measured by ``python benchmarks/bench_collect.py``). The screening decoder
    is built once: ``json.loads`` with hooks builds a new one and sniffs the encoding on every
    call, a third of the screening's cost in a profile of 20,000 callbacks.
    """
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        _SCREEN.decode(raw if isinstance(raw, str) else raw.decode("utf-8"))
    except _NonFiniteFound as found:
        where = non_finite_number(data) or f"(message) ({found})"
        raise ContractError(f"{where}: not a finite number; JSON numbers must be finite") from None
    except (ValueError, RecursionError):
        pass  # not JSON at all: the model's JSON parser words the error
    try:
        return envelope_model(payload_type).model_validate_json(data)
    except ValidationError as error:
        raise ContractError(_reason(error)) from error


def non_finite_number(raw: bytes | str) -> str | None:
    """``path (literal)`` of the first non-finite number in a JSON message, or None."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        document = json.loads(data, parse_constant=_NonFinite, parse_float=_finite_or_marker)
    except (ValueError, RecursionError):
        return None  # not JSON at all: the model's parser reports that
    return _find_marker(document, "")


def _finite_or_marker(literal: str) -> float | _NonFinite:
    value = float(literal)
    return value if math.isfinite(value) else _NonFinite(literal)


def _find_marker(node: Any, path: str) -> str | None:
    if isinstance(node, _NonFinite):
        return f"{path or '(message)'} ({node.literal})"
    if isinstance(node, int) and not isinstance(node, bool) and abs(node) > 1e308:
        return f"{path or '(message)'} (an integer of {len(str(abs(node)))} digits)"
    children: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        children = [(str(key), value) for key, value in node.items()]
    elif isinstance(node, list):
        children = [(str(index), value) for index, value in enumerate(node)]
    for key, value in children:
        found = _find_marker(value, f"{path}.{key}" if path else key)
        if found is not None:
            return found
    return None


def callback_payload_type(topic: str) -> type[BaseModel] | None:
    """Payload model for a callback topic the runner collects, or None for any other topic."""
    if topic == LLM_COMPARISON_RESULT_TOPIC:
        return LLMComparisonResultV1
    if topic == CJ_COMPLETED_TOPIC:
        return CJAssessmentCompletedV1
    if topic == CJ_FAILED_TOPIC:
        return CJAssessmentFailedV1
    if topic == ASSESSMENT_RESULT_TOPIC:
        return AssessmentResultV1
    return None


def _reason(error: ValidationError) -> str:
    """Summarise a validation error in one short line naming the first failing field."""
    problems = error.errors(include_url=False, include_input=False)
    first = problems[0]
    if first["type"] == "json_invalid":
        reason = first["msg"]
    else:
        path = ".".join(str(part) for part in first["loc"]) or "(message)"
        reason = f"{path}: {first['msg']}"
    if len(problems) > 1:
        reason += f" (+{len(problems) - 1} more)"
    if len(reason) > _MAX_REASON_CHARS:
        reason = reason[: _MAX_REASON_CHARS - 1] + "…"
    return reason
