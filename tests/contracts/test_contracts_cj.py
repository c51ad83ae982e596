"""CJ request, thin completion, failure and rich result against platform JSON (SPEC §4.4–§4.7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from eng5_np.contracts import (
    AssessmentResultV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    ConfidenceLabel,
    ContractError,
    CourseCode,
    ELSCJAssessmentRequestV1,
    EssayProcessingInputRefV1,
    LLMConfigOverrides,
    LLMProviderType,
    ProcessingStage,
    StudentPromptRef,
    SystemProcessingMetadata,
    parse_envelope,
)

BATCH_ID = "3f6c1a2e-9b8d-4e7f-a1b2-c3d4e5f60718"

REQUEST_PAYLOAD = f"""{{
  "event_name": "els.cj_assessment.requested",
  "entity_id": "{BATCH_ID}",
  "entity_type": "batch",
  "parent_id": "eng5-np-2016-vt",
  "timestamp": "2025-05-02T10:15:00.123456Z",
  "system_metadata": {{
    "entity_id": "{BATCH_ID}",
    "entity_type": "batch",
    "parent_id": null,
    "timestamp": "2025-05-02T10:15:00.120000Z",
    "processing_stage": "pending",
    "started_at": null,
    "completed_at": null,
    "event": "els.cj_assessment.requested",
    "error_info": {{}}
  }},
  "essays_for_cj": [
    {{
      "essay_id": "anchor-a-01", "text_storage_id": "c0ffee0011223344", "spellcheck_metrics": null
    }},
    {{
      "essay_id": "student-0042", "text_storage_id": "c0ffee0055667788", "spellcheck_metrics": null
    }}
  ],
  "language": "en",
  "course_code": "ENG5",
  "student_prompt_ref": {{
    "references": {{"student_prompt_text": {{"storage_id": "deadbeef0099", "path": "prompt.md"}}}}
  }},
  "llm_config_overrides": {{
    "model_override": "claude-3-5-haiku-20241022",
    "temperature_override": 0.3,
    "max_tokens_override": 2000,
    "provider_override": "anthropic"
  }},
  "assignment_id": "eng5-np-2016-vt",
  "user_id": "eng5_np_research",
  "org_id": null
}}"""


def _request_envelope(payload: str) -> bytes:
    return f"""{{
      "event_id": "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a",
      "event_type": "huleedu.els.cj_assessment.requested.v1",
      "event_timestamp": "2025-05-02T10:15:00.200000+00:00",
      "source_service": "eng5_np_batch_runner",
      "schema_version": 1,
      "correlation_id": "5b4a3928-1706-4f5e-8d4c-3b2a19080706",
      "data_schema_uri": null,
      "data": {payload},
      "metadata": {{"runner_mode": "execute", "batch_label": "pilot-1", "max_comparisons": 120}}
    }}""".encode()


def test_request_parses_from_platform_json() -> None:
    envelope = parse_envelope(_request_envelope(REQUEST_PAYLOAD), ELSCJAssessmentRequestV1)
    request = envelope.data

    assert request.entity_id == BATCH_ID
    assert request.system_metadata.processing_stage is ProcessingStage.PENDING
    assert [essay.essay_id for essay in request.essays_for_cj] == ["anchor-a-01", "student-0042"]
    assert request.essays_for_cj[1].text_storage_id == "c0ffee0055667788"
    assert request.course_code is CourseCode.ENG5
    assert request.student_prompt_ref is not None
    assert request.student_prompt_ref.storage_id == "deadbeef0099"
    assert request.llm_config_overrides is not None
    assert request.llm_config_overrides.provider_override is LLMProviderType.ANTHROPIC
    assert request.llm_config_overrides.temperature_override == 0.3
    assert envelope.metadata == {
        "runner_mode": "execute",
        "batch_label": "pilot-1",
        "max_comparisons": 120,
    }


def test_request_round_trips_to_the_same_json() -> None:
    request = ELSCJAssessmentRequestV1.model_validate_json(REQUEST_PAYLOAD)
    assert request.model_dump(mode="json") == json.loads(REQUEST_PAYLOAD)


def test_request_built_by_the_runner_serialises_exactly_the_spec_fields() -> None:
    request = ELSCJAssessmentRequestV1(
        entity_id=BATCH_ID,
        entity_type="batch",
        parent_id="eng5-np-2016-vt",
        system_metadata=SystemProcessingMetadata(
            entity_id=BATCH_ID,
            entity_type="batch",
            processing_stage=ProcessingStage.PENDING,
            event="els.cj_assessment.requested",
        ),
        essays_for_cj=[EssayProcessingInputRefV1(essay_id="student-1", text_storage_id="s-1")],
        language="en",
        course_code=CourseCode.ENG5,
        student_prompt_ref=StudentPromptRef.for_storage_id("prompt-storage-1"),
        llm_config_overrides=LLMConfigOverrides(model_override="gpt-4o-mini"),
        assignment_id="eng5-np-2016-vt",
        user_id="eng5_np_research",
    )
    wire = request.model_dump(mode="json")

    assert set(wire) == {
        "event_name",
        "entity_id",
        "entity_type",
        "parent_id",
        "timestamp",
        "system_metadata",
        "essays_for_cj",
        "language",
        "course_code",
        "student_prompt_ref",
        "llm_config_overrides",
        "assignment_id",
        "user_id",
        "org_id",
    }
    assert wire["event_name"] == "els.cj_assessment.requested"
    assert set(wire["system_metadata"]) == {
        "entity_id",
        "entity_type",
        "parent_id",
        "timestamp",
        "processing_stage",
        "started_at",
        "completed_at",
        "event",
        "error_info",
    }
    assert wire["essays_for_cj"] == [
        {"essay_id": "student-1", "text_storage_id": "s-1", "spellcheck_metrics": None}
    ]
    assert wire["student_prompt_ref"] == {
        "references": {"student_prompt_text": {"storage_id": "prompt-storage-1", "path": ""}}
    }
    # SPEC §4.4: an override key is sent only when it has a value.
    assert wire["llm_config_overrides"] == {"model_override": "gpt-4o-mini"}


def test_the_2026_override_fields_go_on_the_wire_with_their_values() -> None:
    overrides = LLMConfigOverrides(
        system_prompt_override="You are a strict examiner.",
        judge_rubric_override="Reward argument over length.",
        reasoning_effort="low",
        output_verbosity="high",
    )
    assert overrides.model_dump(mode="json") == {
        "system_prompt_override": "You are a strict examiner.",
        "judge_rubric_override": "Reward argument over length.",
        "reasoning_effort": "low",
        "output_verbosity": "high",
    }
    with pytest.raises(ValidationError):
        LLMConfigOverrides(reasoning_effort="extreme")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"essays_for_cj": []}, "essays_for_cj"),
        ({"assignment_id": "x" * 101}, "assignment_id"),
        ({"course_code": "ENG8"}, "course_code"),
        ({"llm_config_overrides": {"temperature_override": 2.5}}, "temperature_override"),
        ({"llm_config_overrides": {"max_tokens_override": 0}}, "max_tokens_override"),
        ({"llm_config_overrides": {"provider_override": "azure"}}, "provider_override"),
    ],
)
def test_request_rejects_out_of_contract_values(change: dict[str, Any], field: str) -> None:
    payload = json.loads(REQUEST_PAYLOAD) | change
    with pytest.raises(ContractError) as caught:
        parse_envelope(_request_envelope(json.dumps(payload)), ELSCJAssessmentRequestV1)
    assert caught.value.reason.startswith("data.")
    assert field in caught.value.reason


COMPLETED_FAILED_CRITICALLY = f"""{{
  "event_name": "cj_assessment.completed",
  "entity_id": "{BATCH_ID}",
  "entity_type": "batch",
  "parent_id": null,
  "timestamp": "2025-05-02T10:45:12.000001Z",
  "status": "failed_critically",
  "system_metadata": {{
    "entity_id": "{BATCH_ID}",
    "entity_type": "batch",
    "parent_id": null,
    "timestamp": "2025-05-02T10:45:12Z",
    "processing_stage": "completed",
    "started_at": "2025-05-02T10:15:01Z",
    "completed_at": "2025-05-02T10:45:11Z",
    "event": "cj_assessment.completed",
    "error_info": {{}}
  }},
  "cj_assessment_job_id": "117",
  "processing_summary": {{
    "total_essays": 24,
    "successful": 0,
    "failed": 24,
    "successful_essay_ids": [],
    "failed_essay_ids": ["student-0042"],
    "processing_time_seconds": 1810.4,
    "stability_reached": false
  }}
}}"""


def test_completion_with_failed_critically_is_a_failure() -> None:
    completion = CJAssessmentCompletedV1.model_validate_json(COMPLETED_FAILED_CRITICALLY)
    assert completion.status == "failed_critically"
    assert completion.is_failed
    assert completion.cj_assessment_job_id == "117"
    assert completion.processing_summary.failed == 24
    assert completion.processing_summary.failed_essay_ids == ["student-0042"]
    assert completion.processing_summary.processing_time_seconds == 1810.4


def test_completion_accepts_unknown_status_and_sparse_summary() -> None:
    payload = json.loads(COMPLETED_FAILED_CRITICALLY)
    payload["status"] = "completed_stable"
    payload["processing_summary"] = {"total_essays": 24}
    completion = CJAssessmentCompletedV1.model_validate(payload)
    assert completion.status == "completed_stable"
    assert not completion.is_failed
    assert completion.processing_summary.total_essays == 24
    assert completion.processing_summary.successful_essay_ids == []


FAILED_EVENT = f"""{{
  "event_name": "cj_assessment.failed",
  "entity_id": "{BATCH_ID}",
  "entity_type": "batch",
  "parent_id": null,
  "timestamp": "2025-05-02T11:15:00Z",
  "status": "failed_critically",
  "system_metadata": {{
    "entity_id": "{BATCH_ID}",
    "entity_type": "batch",
    "parent_id": null,
    "timestamp": "2025-05-02T11:15:00Z",
    "processing_stage": "failed",
    "started_at": null,
    "completed_at": null,
    "event": "cj_assessment.failed",
    "error_info": {{
      "error_code": "BATCH_STUCK",
      "message": "Batch stuck in WAITING_CALLBACKS for 3600s",
      "details": {{"monitor": "batch_monitor"}}
    }}
  }},
  "cj_assessment_job_id": "117"
}}"""


def test_failure_event_carries_its_reason_from_error_info() -> None:
    failure = CJAssessmentFailedV1.model_validate_json(FAILED_EVENT)
    assert failure.status == "failed_critically"
    assert failure.system_metadata.error_info["details"] == {"monitor": "batch_monitor"}
    assert failure.reason == "BATCH_STUCK: Batch stuck in WAITING_CALLBACKS for 3600s"


def test_failure_reason_falls_back_to_error_info_json_then_status() -> None:
    payload = json.loads(FAILED_EVENT)
    payload["system_metadata"]["error_info"] = {"success_rate": 0.12}
    assert CJAssessmentFailedV1.model_validate(payload).reason == '{"success_rate": 0.12}'
    payload["system_metadata"]["error_info"] = {}
    assert CJAssessmentFailedV1.model_validate(payload).reason == "batch status failed_critically"


RICH_RESULT = f"""{{
  "event_name": "assessment.result.published",
  "entity_id": "{BATCH_ID}",
  "entity_type": "batch",
  "parent_id": null,
  "timestamp": "2025-05-02T10:45:12.5Z",
  "batch_id": "{BATCH_ID}",
  "cj_assessment_job_id": "117",
  "assessment_method": "cj_assessment",
  "model_used": "claude-3-5-haiku-20241022",
  "model_provider": "anthropic",
  "model_version": null,
  "essay_results": [
    {{
      "essay_id": "student-0042",
      "normalized_score": 0.83,
      "letter_grade": "B",
      "confidence_score": 0.71,
      "confidence_label": "HIGH",
      "bt_score": 1.274,
      "rank": 1,
      "is_anchor": false,
      "feedback_uri": null,
      "metrics_uri": null,
      "display_name": null
    }},
    {{
      "essay_id": "student-0043",
      "normalized_score": 0.0,
      "letter_grade": "7",
      "confidence_score": 0.2,
      "confidence_label": "LOW",
      "bt_score": -2.05,
      "rank": 3,
      "is_anchor": false
    }},
    {{
      "essay_id": "ANCHOR_3_ab12cd",
      "normalized_score": 0.61,
      "letter_grade": "U",
      "confidence_score": 1.0,
      "confidence_label": "HIGH",
      "bt_score": 0.412,
      "rank": 2,
      "is_anchor": true,
      "feedback_uri": null,
      "metrics_uri": "https://results.example/metrics/ANCHOR_3_ab12cd",
      "display_name": "ANCHOR GRADE B",
      "anchor_source": "platform"
    }}
  ],
  "assessment_metadata": {{
    "comparison_count": 96,
    "anchor_essays_used": 1,
    "grade_projection_summary": {{"projections_available": true}},
    "calibration": {{"method": "anchor_mean"}}
  }},
  "assessed_at": "2025-05-02T10:45:12.4+00:00"
}}"""


def test_rich_result_with_platform_anchor_and_numeric_grade() -> None:
    result = AssessmentResultV1.model_validate_json(RICH_RESULT)
    by_id = {essay.essay_id: essay for essay in result.essay_results}

    anchor = by_id["ANCHOR_3_ab12cd"]
    assert anchor.is_anchor
    assert anchor.display_name == "ANCHOR GRADE B"
    assert anchor.letter_grade == "U"
    assert anchor.metrics_uri == "https://results.example/metrics/ANCHOR_3_ab12cd"
    assert by_id["student-0043"].letter_grade == "7"
    assert by_id["student-0043"].feedback_uri is None
    assert by_id["student-0042"].confidence_label is ConfidenceLabel.HIGH
    assert by_id["student-0042"].bt_score == 1.274
    assert result.assessment_metadata["comparison_count"] == 96
    assert result.assessment_metadata["calibration"] == {"method": "anchor_mean"}
    assert result.assessed_at.tzinfo is not None
    assert "anchor_source" not in result.model_dump(mode="json")["essay_results"][2]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("normalized_score", 1.2),
        ("confidence_score", -0.1),
        ("rank", 0),
        ("confidence_label", "MEDIUM"),
    ],
)
def test_rich_result_rejects_out_of_contract_essay_values(field: str, value: object) -> None:
    payload = json.loads(RICH_RESULT)
    payload["essay_results"][0][field] = value
    with pytest.raises(ValidationError) as caught:
        AssessmentResultV1.model_validate(payload)
    assert caught.value.errors()[0]["loc"] == ("essay_results", 0, field)
