"""CJ Assessment Service contracts: request, completion, failure, rich result (SPEC §4.4–§4.7).

``event_name`` is typed ``str`` with the documented value as default: senders get
the exact value for free, and receivers do not drop an event over a name the
platform may spell differently, since routing is by topic (SPEC §4.9).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from eng5_np.contracts.common import (
    BaseEventPayload,
    SystemProcessingMetadata,
    WireDatetime,
    WireModel,
)
from eng5_np.contracts.enums import (
    ConfidenceLabel,
    CourseCode,
    LLMProviderType,
    OutputVerbosity,
    ReasoningEffort,
    is_failed_status,
)
from eng5_np.contracts.topics import (
    ASSESSMENT_RESULT_EVENT_NAME,
    CJ_COMPLETED_EVENT_NAME,
    CJ_FAILED_EVENT_NAME,
    CJ_REQUEST_EVENT_NAME,
)

# --- request (runner → CJ) -------------------------------------------------------------


class EssayProcessingInputRefV1(WireModel):
    """One essay in a CJ request, referenced by its Content Service storage id."""

    essay_id: str = Field(description="Essay id, unique within the run.")
    text_storage_id: str = Field(description="Content Service storage id of the essay text.")
    spellcheck_metrics: None = Field(default=None, description="Always null for this runner.")


class StorageReference(WireModel):
    """Where a piece of content lives in the Content Service."""

    storage_id: str = Field(description="Content Service storage id.")
    path: str = Field(default="", description='Optional path hint; the platform sends `""`.')


class StudentPromptReferences(WireModel):
    """The ``references`` map of a student prompt reference, keyed by content type."""

    student_prompt_text: StorageReference = Field(description="The uploaded prompt text.")


class StudentPromptRef(WireModel):
    """Reference to the uploaded student prompt: ``{"references": {"student_prompt_text": …}}``."""

    references: StudentPromptReferences = Field(description="References by content type.")

    @classmethod
    def for_storage_id(cls, storage_id: str, path: str = "") -> StudentPromptRef:
        """Build the nested reference for a prompt uploaded under ``storage_id``."""
        return cls(
            references=StudentPromptReferences(
                student_prompt_text=StorageReference(storage_id=storage_id, path=path)
            )
        )

    @property
    def storage_id(self) -> str:
        """Storage id of the prompt text."""
        return self.references.student_prompt_text.storage_id


class LLMConfigOverrides(WireModel):
    """Per-request overrides of the CJ service's LLM settings.

    A key is sent only when it has a value (SPEC §4.4): a platform version that predates the
    2026 fields then never sees them unless a researcher asked for them.
    """

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}

    model_override: str | None = Field(default=None, description="Model id to use instead.")
    temperature_override: float | None = Field(
        default=None, ge=0, le=2, description="Sampling temperature, 0–2."
    )
    max_tokens_override: int | None = Field(
        default=None, gt=0, description="Completion token limit, > 0."
    )
    provider_override: LLMProviderType | None = Field(
        default=None, description="Provider to use instead."
    )
    system_prompt_override: str | None = Field(
        default=None, min_length=1, description="System prompt for the judge instead of CJ's."
    )
    judge_rubric_override: str | None = Field(
        default=None, min_length=1, description="Judge rubric instead of the assignment's."
    )
    reasoning_effort: ReasoningEffort | None = Field(
        default=None, description="Reasoning-effort hint for reasoning models."
    )
    output_verbosity: OutputVerbosity | None = Field(
        default=None, description="Answer-length hint for reasoning models."
    )


class ELSCJAssessmentRequestV1(BaseEventPayload):
    """The CJ assessment request the runner publishes for one batch (SPEC §4.4)."""

    event_name: str = Field(default=CJ_REQUEST_EVENT_NAME, description="Always the request name.")
    system_metadata: SystemProcessingMetadata = Field(
        description="Batch entity at stage `pending` for event `els.cj_assessment.requested`."
    )
    essays_for_cj: list[EssayProcessingInputRefV1] = Field(
        min_length=1, description="Every essay to compare: anchors and students."
    )
    language: str = Field(description="Essay language code, e.g. `en`.")
    course_code: CourseCode = Field(description="Course the essays belong to.")
    student_prompt_ref: StudentPromptRef | None = Field(
        default=None, description="Reference to the uploaded student prompt."
    )
    llm_config_overrides: LLMConfigOverrides | None = Field(
        default=None, description="LLM settings overrides, if any."
    )
    assignment_id: str | None = Field(
        default=None, max_length=100, description="Assignment id, ≤ 100 chars."
    )
    user_id: str = Field(description="Id of the user requesting the assessment.")
    org_id: str | None = Field(default=None, description="Organisation id, if any.")


# --- completion and failure (CJ → lifecycle) --------------------------------------------


class ProcessingSummary(WireModel):
    """Counts in a thin completion; every key is optional so a sparse summary still parses."""

    total_essays: int | None = Field(default=None, description="Essays in the batch.")
    successful: int | None = Field(default=None, description="Essays assessed successfully.")
    failed: int | None = Field(default=None, description="Essays that could not be assessed.")
    successful_essay_ids: list[str] = Field(
        default_factory=list, description="Ids of the essays assessed successfully."
    )
    failed_essay_ids: list[str] = Field(
        default_factory=list, description="Ids of the essays that failed."
    )
    processing_time_seconds: float | None = Field(
        default=None, description="Wall time the CJ service spent on the batch."
    )


class CJAssessmentCompletedV1(BaseEventPayload):
    """Thin completion of a batch (SPEC §4.6); ``entity_id`` is the batch id."""

    event_name: str = Field(
        default=CJ_COMPLETED_EVENT_NAME, description="Always the completion name."
    )
    status: str = Field(description="Batch status as sent; may be `failed_critically`.")
    system_metadata: SystemProcessingMetadata = Field(description="Batch processing state.")
    cj_assessment_job_id: str = Field(description="CJ service's id for this batch's job.")
    processing_summary: ProcessingSummary = Field(
        default_factory=ProcessingSummary, description="Counts of assessed and failed essays."
    )

    @property
    def is_failed(self) -> bool:
        """Whether the status says the batch failed despite being a completion."""
        return is_failed_status(self.status)


class CJAssessmentFailedV1(BaseEventPayload):
    """The batch failed (SPEC §4.6); the reason is in ``system_metadata.error_info``."""

    event_name: str = Field(default=CJ_FAILED_EVENT_NAME, description="Always the failure name.")
    status: str = Field(description="Batch status as sent, e.g. `failed_critically`.")
    system_metadata: SystemProcessingMetadata = Field(
        description="Batch processing state; `error_info` holds the reason."
    )
    cj_assessment_job_id: str = Field(description="CJ service's id for this batch's job.")

    @property
    def reason(self) -> str:
        """One-line reason for the failure, falling back to the status."""
        return self.system_metadata.error_summary() or f"batch status {self.status}"


# --- rich result (CJ → result aggregator) -----------------------------------------------


class EssayResultV1(WireModel):
    """Assessment of one essay (student or anchor) in the rich result."""

    essay_id: str = Field(description="Essay id; platform anchors may use `ANCHOR_<n>_<hex>`.")
    normalized_score: float = Field(ge=0, le=1, description="Score scaled to 0–1.")
    letter_grade: str = Field(description="Projected or expert grade as sent, e.g. `B` or `7`.")
    confidence_score: float = Field(ge=0, le=1, description="Grade confidence, 0–1.")
    confidence_label: ConfidenceLabel = Field(description="Coarse grade confidence.")
    bt_score: float = Field(description="Bradley–Terry ability θ.")
    rank: int = Field(ge=1, description="Rank by score, 1 = best.")
    is_anchor: bool = Field(description="Whether this essay is an anchor.")
    feedback_uri: str | None = Field(default=None, description="Link to feedback, if any.")
    metrics_uri: str | None = Field(default=None, description="Link to metrics, if any.")
    display_name: str | None = Field(
        default=None, description="Display name, e.g. `ANCHOR GRADE B`."
    )


class AssessmentResultV1(BaseEventPayload):
    """Rich result of a batch with Bradley–Terry scores and grade projections (SPEC §4.7)."""

    event_name: str = Field(
        default=ASSESSMENT_RESULT_EVENT_NAME, description="Always the result name."
    )
    batch_id: str = Field(description="Batch id.")
    cj_assessment_job_id: str = Field(description="CJ service's id for this batch's job.")
    assessment_method: str = Field(description="Method, e.g. `cj_assessment`.")
    model_used: str = Field(description="LLM model that judged the comparisons.")
    model_provider: str = Field(description="Provider of that model.")
    model_version: str | None = Field(default=None, description="Model version, if known.")
    essay_results: list[EssayResultV1] = Field(description="Students and anchors.")
    assessment_metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Extras such as `comparison_count` (an estimate) and `anchor_essays_used`.",
    )
    assessed_at: WireDatetime = Field(description="When the assessment finished.")
