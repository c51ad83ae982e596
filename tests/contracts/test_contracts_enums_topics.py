"""Topic names, enum wire values and the batch-status helper (SPEC §4.1, §4.3–§4.7)."""

from __future__ import annotations

import pytest

from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CALLBACK_TOPICS,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    CJ_REQUEST_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
    BatchStatus,
    ConfidenceLabel,
    CourseCode,
    EssayComparisonWinner,
    LLMProviderType,
    ProcessingStage,
    is_failed_status,
)


def test_topic_names_match_the_platform() -> None:
    assert CJ_REQUEST_TOPIC == "huleedu.els.cj_assessment.requested.v1"
    assert LLM_COMPARISON_RESULT_TOPIC == "huleedu.llm_provider.comparison_result.v1"
    assert CJ_COMPLETED_TOPIC == "huleedu.cj_assessment.completed.v1"
    assert CJ_FAILED_TOPIC == "huleedu.cj_assessment.failed.v1"
    assert ASSESSMENT_RESULT_TOPIC == "huleedu.assessment.result.published.v1"


def test_callback_topics_are_the_four_the_runner_collects() -> None:
    assert set(CALLBACK_TOPICS) == {
        "huleedu.llm_provider.comparison_result.v1",
        "huleedu.cj_assessment.completed.v1",
        "huleedu.cj_assessment.failed.v1",
        "huleedu.assessment.result.published.v1",
    }
    assert len(CALLBACK_TOPICS) == 4
    assert CJ_REQUEST_TOPIC not in CALLBACK_TOPICS


def test_enum_wire_values() -> None:
    assert [stage.value for stage in ProcessingStage] == [
        "pending",
        "initialized",
        "processing",
        "completed",
        "failed",
        "cancelled",
    ]
    assert [code.value for code in CourseCode] == ["ENG5", "ENG6", "ENG7", "SV1", "SV2", "SV3"]
    assert [provider.value for provider in LLMProviderType] == [
        "anthropic",
        "openai",
        "google",
        "openrouter",
        "mock",
    ]
    assert [label.value for label in ConfidenceLabel] == ["HIGH", "MID", "LOW"]
    assert [winner.value for winner in EssayComparisonWinner] == ["Essay A", "Essay B"]
    assert {"completed_successfully", "completed_with_failures", "failed_critically"} <= {
        status.value for status in BatchStatus
    }


@pytest.mark.parametrize(
    ("status", "failed"),
    [
        ("completed_successfully", False),
        ("completed_with_failures", False),
        ("pending_callbacks", False),
        ("processing", False),
        ("failed", True),
        ("failed_critically", True),
        ("cancelled", True),
        ("FAILED_CRITICALLY", True),
        # Statuses this runner has never seen: judged by how they read.
        ("failed_insufficient_comparisons", True),
        ("batch_failed", True),
        ("error_processing", True),
        ("completed_stable", False),
        ("some_new_status", False),
    ],
)
def test_is_failed_status(status: str, failed: bool) -> None:
    assert is_failed_status(status) is failed
