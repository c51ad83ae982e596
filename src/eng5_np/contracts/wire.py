"""Bytes ↔ envelopes: the only place raw Kafka message values are encoded or decoded."""

from __future__ import annotations

from typing import Final

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


class ContractError(ValueError):
    """A message does not match its wire contract; ``reason`` says where and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_wire_bytes(envelope: EventEnvelope[PayloadT]) -> bytes:
    """Serialise an envelope to compact UTF-8 JSON, the Kafka message value."""
    return envelope.model_dump_json().encode("utf-8")


def parse_envelope(raw: bytes | str, payload_type: type[PayloadT]) -> EventEnvelope[PayloadT]:
    """Decode and validate a message value; raise :class:`ContractError` if it does not fit."""
    try:
        return envelope_model(payload_type).model_validate_json(raw)
    except ValidationError as error:
        raise ContractError(_reason(error)) from error


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
