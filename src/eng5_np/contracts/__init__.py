"""The CJ platform's wire contracts (SPEC §4): pure Pydantic data, no I/O.

Receivers ignore unknown fields and senders emit exactly the documented ones
(see :mod:`eng5_np.contracts.common` for why). Encode and decode Kafka message
values only through :func:`to_wire_bytes` and :func:`parse_envelope`.

Imports nothing from the rest of the package: every layer may import it.
"""

from __future__ import annotations

from eng5_np.contracts.cj import (
    AssessmentResultV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    ELSCJAssessmentRequestV1,
    EssayProcessingInputRefV1,
    EssayResultV1,
    LLMConfigOverrides,
    ProcessingSummary,
    StorageReference,
    StudentPromptRef,
    StudentPromptReferences,
)
from eng5_np.contracts.common import (
    BaseEventPayload,
    ErrorDetail,
    SystemProcessingMetadata,
    WireDatetime,
    WireModel,
    utc_now,
)
from eng5_np.contracts.enums import (
    BatchStatus,
    ConfidenceLabel,
    CourseCode,
    EssayComparisonWinner,
    LLMBatchingMode,
    LLMProviderType,
    OutputVerbosity,
    ProcessingStage,
    ReasoningEffort,
    is_failed_status,
)
from eng5_np.contracts.envelope import (
    RUNNER_SOURCE_SERVICE,
    EventEnvelope,
    build_envelope,
    envelope_model,
)
from eng5_np.contracts.llm import LLMComparisonResultV1, TokenUsage
from eng5_np.contracts.topics import (
    ASSESSMENT_RESULT_EVENT_NAME,
    ASSESSMENT_RESULT_TOPIC,
    CALLBACK_TOPICS,
    CJ_COMPLETED_EVENT_NAME,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_EVENT_NAME,
    CJ_FAILED_TOPIC,
    CJ_REQUEST_EVENT_NAME,
    CJ_REQUEST_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
)
from eng5_np.contracts.wire import (
    ContractError,
    callback_payload_type,
    parse_envelope,
    to_wire_bytes,
)

__all__ = [
    "ASSESSMENT_RESULT_EVENT_NAME",
    "ASSESSMENT_RESULT_TOPIC",
    "CALLBACK_TOPICS",
    "CJ_COMPLETED_EVENT_NAME",
    "CJ_COMPLETED_TOPIC",
    "CJ_FAILED_EVENT_NAME",
    "CJ_FAILED_TOPIC",
    "CJ_REQUEST_EVENT_NAME",
    "CJ_REQUEST_TOPIC",
    "LLM_COMPARISON_RESULT_TOPIC",
    "RUNNER_SOURCE_SERVICE",
    "AssessmentResultV1",
    "BaseEventPayload",
    "BatchStatus",
    "CJAssessmentCompletedV1",
    "CJAssessmentFailedV1",
    "ConfidenceLabel",
    "ContractError",
    "CourseCode",
    "ELSCJAssessmentRequestV1",
    "ErrorDetail",
    "EssayComparisonWinner",
    "EssayProcessingInputRefV1",
    "EssayResultV1",
    "EventEnvelope",
    "LLMBatchingMode",
    "LLMComparisonResultV1",
    "LLMConfigOverrides",
    "LLMProviderType",
    "OutputVerbosity",
    "ProcessingStage",
    "ProcessingSummary",
    "ReasoningEffort",
    "StorageReference",
    "StudentPromptRef",
    "StudentPromptReferences",
    "SystemProcessingMetadata",
    "TokenUsage",
    "WireDatetime",
    "WireModel",
    "build_envelope",
    "callback_payload_type",
    "envelope_model",
    "is_failed_status",
    "parse_envelope",
    "to_wire_bytes",
    "utc_now",
]
