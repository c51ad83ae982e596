"""Enumerations of the platform's wire contracts (SPEC §4.3–§4.7).

Values are the exact strings on the wire. Batch statuses are deliberately *not*
validated against :class:`BatchStatus` on receipt: the platform has added statuses
over time, so receivers keep ``status`` as a plain ``str`` and ask
:func:`is_failed_status` whether it ends the run as failed.
"""

from __future__ import annotations

from enum import StrEnum


class ProcessingStage(StrEnum):
    """Stage of an entity in ``SystemProcessingMetadata.processing_stage``."""

    PENDING = "pending"
    INITIALIZED = "initialized"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CourseCode(StrEnum):
    """Course of the essays in a CJ request."""

    ENG5 = "ENG5"
    ENG6 = "ENG6"
    ENG7 = "ENG7"
    SV1 = "SV1"
    SV2 = "SV2"
    SV3 = "SV3"


class LLMProviderType(StrEnum):
    """LLM provider that judged a comparison (or is requested to)."""

    ANTHROPIC = "anthropic"
    OPENAI = "openai"
    GOOGLE = "google"
    OPENROUTER = "openrouter"
    MOCK = "mock"


class ReasoningEffort(StrEnum):
    """How hard a reasoning model should think (``llm_config_overrides.reasoning_effort``)."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class OutputVerbosity(StrEnum):
    """How long a model's answer should be (``llm_config_overrides.output_verbosity``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class LLMBatchingMode(StrEnum):
    """Advisory batching hint in envelope ``metadata.llm_batching_mode_hint`` (SPEC §11.4)."""

    PER_REQUEST = "per_request"
    SERIAL_BUNDLE = "serial_bundle"
    PROVIDER_BATCH_API = "provider_batch_api"


class ConfidenceLabel(StrEnum):
    """Coarse confidence of an essay's grade in the rich result."""

    HIGH = "HIGH"
    MID = "MID"
    LOW = "LOW"


class EssayComparisonWinner(StrEnum):
    """Winner of one pairwise comparison; note the space in the wire values."""

    ESSAY_A = "Essay A"
    ESSAY_B = "Essay B"


class BatchStatus(StrEnum):
    """Batch statuses known to the runner; the wire may carry others (see module docstring)."""

    PENDING = "pending"
    PROCESSING = "processing"
    PENDING_CALLBACKS = "pending_callbacks"
    COMPLETED_SUCCESSFULLY = "completed_successfully"
    COMPLETED_WITH_FAILURES = "completed_with_failures"
    FAILED = "failed"
    FAILED_CRITICALLY = "failed_critically"
    CANCELLED = "cancelled"


def is_failed_status(status: str) -> bool:
    """Whether a received batch status means the batch failed (unknown statuses included).

    ``completed_with_failures`` is a completed batch: some comparisons failed but
    results exist. ``cancelled`` counts as failed because no result will follow.
    Unknown statuses count as failed when they read like a failure (``failed_*``,
    ``*_failed``, ``error*``), so a newer platform status does not pass silently.
    """
    normalised = status.strip().lower()
    if normalised in {BatchStatus.FAILED, BatchStatus.FAILED_CRITICALLY, BatchStatus.CANCELLED}:
        return True
    if normalised.startswith("completed"):
        return False
    return (
        normalised.startswith(("failed", "error"))
        or normalised.endswith(("_failed", "_error"))
        or normalised == "canceled"
    )
