"""Encoding and decoding Kafka message values; ContractError reasons (SPEC §4)."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CALLBACK_TOPICS,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    CJ_REQUEST_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
    AssessmentResultV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    ContractError,
    LLMComparisonResultV1,
    SystemProcessingMetadata,
    build_envelope,
    callback_payload_type,
    parse_envelope,
    to_wire_bytes,
)

VALID_ENVELOPE_WITHOUT_DATA = {
    "event_id": "0e1d2c3b-4a59-4867-9564-738291a0b1c2",
    "event_type": "huleedu.cj_assessment.completed.v1",
    "event_timestamp": "2025-05-02T10:45:12Z",
    "source_service": "cj_assessment_service",
    "schema_version": 1,
    "correlation_id": "5b4a3928-1706-4f5e-8d4c-3b2a19080706",
    "data_schema_uri": None,
    "metadata": None,
}


@pytest.mark.parametrize(
    "raw",
    [b"", b"{not json", b'{"event_id": ', b"\xff\xfe\x00", b"null}"],
)
def test_invalid_json_raises_contract_error_with_reason(raw: bytes) -> None:
    with pytest.raises(ContractError) as caught:
        parse_envelope(raw, CJAssessmentCompletedV1)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason.startswith("Invalid JSON")
    assert str(caught.value) == caught.value.reason


def test_json_that_is_not_an_object_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match=r"^\(message\): Input should be an object$"):
        parse_envelope(b"[1, 2]", CJAssessmentCompletedV1)


def test_validation_reason_names_the_field_path_and_counts_the_rest() -> None:
    envelope = VALID_ENVELOPE_WITHOUT_DATA | {
        "correlation_id": "not-a-uuid",
        "data": {
            "status": "completed_successfully",
            "cj_assessment_job_id": "117",
            "system_metadata": {"entity_id": "b", "entity_type": "batch", "event": 5},
        },
    }
    with pytest.raises(ContractError) as caught:
        parse_envelope(json.dumps(envelope).encode(), CJAssessmentCompletedV1)
    reason = caught.value.reason
    assert reason.startswith("correlation_id: ")
    assert reason.endswith("(+1 more)")
    assert len(reason) <= 300


def test_nested_failure_path_is_dotted() -> None:
    envelope = VALID_ENVELOPE_WITHOUT_DATA | {
        "data": {
            "status": "failed",
            "cj_assessment_job_id": "117",
            "system_metadata": {"entity_id": "b", "entity_type": "batch", "error_info": []},
        },
    }
    with pytest.raises(ContractError, match=r"^data\.system_metadata\.error_info: "):
        parse_envelope(json.dumps(envelope).encode(), CJAssessmentFailedV1)


def test_a_message_wrong_everywhere_gets_one_short_line() -> None:
    raw = json.dumps({"event_id": 1, "event_type": [], "data": {"essay_results": "x" * 5000}})
    with pytest.raises(ContractError) as caught:
        parse_envelope(raw.encode(), AssessmentResultV1)
    reason = caught.value.reason
    assert reason.startswith("event_id: ")
    assert "more)" in reason
    assert "\n" not in reason
    assert len(reason) <= 300


def test_str_input_is_accepted_like_bytes() -> None:
    envelope = build_envelope(
        CJAssessmentFailedV1(
            status="failed",
            system_metadata=SystemProcessingMetadata(entity_id="b", entity_type="batch"),
            cj_assessment_job_id="1",
        ),
        event_type=CJ_FAILED_TOPIC,
        correlation_id=UUID("5b4a3928-1706-4f5e-8d4c-3b2a19080706"),
    )
    assert parse_envelope(to_wire_bytes(envelope).decode(), CJAssessmentFailedV1) == envelope


def test_callback_payload_type_routes_by_topic() -> None:
    assert callback_payload_type(LLM_COMPARISON_RESULT_TOPIC) is LLMComparisonResultV1
    assert callback_payload_type(CJ_COMPLETED_TOPIC) is CJAssessmentCompletedV1
    assert callback_payload_type(CJ_FAILED_TOPIC) is CJAssessmentFailedV1
    assert callback_payload_type(ASSESSMENT_RESULT_TOPIC) is AssessmentResultV1
    assert callback_payload_type(CJ_REQUEST_TOPIC) is None
    assert callback_payload_type("LLMComparisonResultV1") is None
    assert all(callback_payload_type(topic) is not None for topic in CALLBACK_TOPICS)
