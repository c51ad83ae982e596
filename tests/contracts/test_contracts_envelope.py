"""The envelope: parsing platform messages, building and serialising the runner's (SPEC §4.2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

from eng5_np.contracts import (
    CJ_FAILED_TOPIC,
    RUNNER_SOURCE_SERVICE,
    CJAssessmentFailedV1,
    EventEnvelope,
    SystemProcessingMetadata,
    build_envelope,
    parse_envelope,
    to_wire_bytes,
)

# A failure event as the platform sends it, plus fields this runner has never heard of.
FAILED_EVENT_WITH_EXTRAS = b"""{
  "event_id": "6a0f8a43-3b9e-4d51-9a53-0d7c2b1e9f10",
  "event_type": "huleedu.cj_assessment.failed.v1",
  "event_timestamp": "2025-03-14T09:26:53.589793+01:00",
  "source_service": "cj_assessment_service",
  "schema_version": 1,
  "correlation_id": "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
  "data_schema_uri": null,
  "data": {
    "event_name": "cj_assessment.failed",
    "entity_id": "7f1e2d3c-4b5a-4968-8776-655443322110",
    "entity_type": "batch",
    "parent_id": "eng5-np-2016",
    "timestamp": "2025-03-14T08:26:53.100000Z",
    "status": "failed_critically",
    "system_metadata": {
      "entity_id": "7f1e2d3c-4b5a-4968-8776-655443322110",
      "entity_type": "batch",
      "parent_id": null,
      "timestamp": "2025-03-14T08:26:53.100000Z",
      "processing_stage": "failed",
      "event": "cj_assessment.failed",
      "error_info": {"error_code": "PROCESSING_ERROR", "message": "no essays"},
      "retry_count": 3
    },
    "cj_assessment_job_id": "42",
    "internal_tracking": {"shard": 7}
  },
  "metadata": {"trace": "abc"},
  "partition_hint": 3
}"""


def test_envelope_accepts_unknown_fields_at_envelope_and_payload_level() -> None:
    envelope = parse_envelope(FAILED_EVENT_WITH_EXTRAS, CJAssessmentFailedV1)

    assert envelope.event_id == UUID("6a0f8a43-3b9e-4d51-9a53-0d7c2b1e9f10")
    assert envelope.correlation_id == UUID("1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
    assert envelope.source_service == "cj_assessment_service"
    assert envelope.metadata == {"trace": "abc"}
    assert isinstance(envelope.data, CJAssessmentFailedV1)
    assert envelope.data.cj_assessment_job_id == "42"
    # Unknown fields are ignored, so re-serialising emits only contract fields.
    dumped = envelope.model_dump(mode="json")
    assert "partition_hint" not in dumped
    assert "internal_tracking" not in dumped["data"]
    assert "retry_count" not in dumped["data"]["system_metadata"]


def test_envelope_timestamp_keeps_its_offset_through_a_round_trip() -> None:
    envelope = parse_envelope(FAILED_EVENT_WITH_EXTRAS, CJAssessmentFailedV1)
    assert envelope.event_timestamp.utcoffset() == timedelta(hours=1)

    again = parse_envelope(to_wire_bytes(envelope), CJAssessmentFailedV1)
    assert again == envelope
    wire = json.loads(to_wire_bytes(envelope))
    assert wire["event_timestamp"] == "2025-03-14T09:26:53.589793+01:00"
    assert wire["data"]["timestamp"] == "2025-03-14T08:26:53.100000Z"


def test_naive_timestamps_are_read_as_utc() -> None:
    raw = FAILED_EVENT_WITH_EXTRAS.replace(
        b'"2025-03-14T09:26:53.589793+01:00"', b'"2025-03-14T09:26:53"'
    )
    envelope = parse_envelope(raw, CJAssessmentFailedV1)
    assert envelope.event_timestamp == datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
    assert json.loads(to_wire_bytes(envelope))["event_timestamp"] == "2025-03-14T09:26:53Z"


def _failure_payload() -> CJAssessmentFailedV1:
    return CJAssessmentFailedV1(
        entity_id="batch-1",
        entity_type="batch",
        status="failed",
        system_metadata=SystemProcessingMetadata(entity_id="batch-1", entity_type="batch"),
        cj_assessment_job_id="job-1",
    )


def test_build_envelope_fills_id_timestamp_and_runner_source() -> None:
    correlation_id = UUID("0b7d9c1e-2f3a-4b5c-8d6e-7f8091a2b3c4")
    before = datetime.now(UTC)
    first = build_envelope(
        _failure_payload(),
        event_type=CJ_FAILED_TOPIC,
        correlation_id=correlation_id,
        metadata={"runner_mode": "execute"},
    )
    second = build_envelope(
        _failure_payload(), event_type=CJ_FAILED_TOPIC, correlation_id=correlation_id
    )

    assert first.event_id != second.event_id
    assert first.event_id.version == 4
    assert first.event_timestamp.tzinfo is not None
    assert before <= first.event_timestamp <= datetime.now(UTC)
    assert first.source_service == RUNNER_SOURCE_SERVICE == "eng5_np_batch_runner"
    assert first.schema_version == 1
    assert first.data_schema_uri is None
    assert first.metadata == {"runner_mode": "execute"}
    assert isinstance(first, EventEnvelope)


def test_to_wire_bytes_is_compact_utf8_json_with_exact_envelope_keys() -> None:
    payload = _failure_payload().model_copy(update={"parent_id": "uppsats-ö"})
    envelope = build_envelope(
        payload,
        event_type=CJ_FAILED_TOPIC,
        correlation_id=UUID("0b7d9c1e-2f3a-4b5c-8d6e-7f8091a2b3c4"),
    )
    raw = to_wire_bytes(envelope)

    assert b": " not in raw
    assert b", " not in raw
    assert "uppsats-ö".encode() in raw
    wire = json.loads(raw.decode("utf-8"))
    assert set(wire) == {
        "event_id",
        "event_type",
        "event_timestamp",
        "source_service",
        "schema_version",
        "correlation_id",
        "data_schema_uri",
        "data",
        "metadata",
    }
    assert datetime.fromisoformat(wire["event_timestamp"]).tzinfo is not None
    assert parse_envelope(raw, CJAssessmentFailedV1) == envelope


def test_aware_non_utc_datetime_given_in_code_is_kept() -> None:
    stockholm_winter = timezone(timedelta(hours=1))
    metadata = SystemProcessingMetadata(
        entity_id="b",
        entity_type="batch",
        timestamp=datetime(2025, 1, 2, 3, 4, 5, tzinfo=stockholm_winter),
    )
    assert metadata.model_dump(mode="json")["timestamp"] == "2025-01-02T03:04:05+01:00"
