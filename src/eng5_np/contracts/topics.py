"""Kafka topic names and payload event names of the CJ platform (SPEC §4.1).

Messages are routed by the Kafka topic they arrive on, never by the envelope's
``event_type`` (SPEC §4.9): producers disagree on what they put there.
"""

from __future__ import annotations

from typing import Final

CJ_REQUEST_TOPIC: Final = "huleedu.els.cj_assessment.requested.v1"
"""Runner → CJ service: one CJ assessment request per batch."""

LLM_COMPARISON_RESULT_TOPIC: Final = "huleedu.llm_provider.comparison_result.v1"
"""LLM provider → CJ service: one callback per pairwise comparison (observed by the runner)."""

CJ_COMPLETED_TOPIC: Final = "huleedu.cj_assessment.completed.v1"
"""CJ service → lifecycle service: thin completion of a batch."""

CJ_FAILED_TOPIC: Final = "huleedu.cj_assessment.failed.v1"
"""CJ service → lifecycle service: the batch failed."""

ASSESSMENT_RESULT_TOPIC: Final = "huleedu.assessment.result.published.v1"
"""CJ service → result aggregator: rich result with Bradley–Terry scores and grades."""

CALLBACK_TOPICS: Final[tuple[str, ...]] = (
    LLM_COMPARISON_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    ASSESSMENT_RESULT_TOPIC,
)
"""The four topics the runner subscribes to while collecting a batch."""

CJ_REQUEST_EVENT_NAME: Final = "els.cj_assessment.requested"
"""``event_name`` of the CJ request payload (SPEC §4.4)."""

CJ_COMPLETED_EVENT_NAME: Final = "cj_assessment.completed"
"""``event_name`` of the thin completion payload (SPEC §4.6)."""

CJ_FAILED_EVENT_NAME: Final = "cj_assessment.failed"
"""``event_name`` of the failure payload (SPEC §4.6)."""

ASSESSMENT_RESULT_EVENT_NAME: Final = "assessment.result.published"
"""``event_name`` of the rich result payload (SPEC §4.7)."""
