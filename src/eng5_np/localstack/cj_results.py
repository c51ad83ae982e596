"""What the reference CJ service reports for a batch: pure payload builders, no I/O.

From the successful comparisons of a batch it fits Bradley–Terry with standard errors
(:func:`eng5_np.analysis.fit_bradley_terry`), projects the students onto the grade scale
from the anchors' θ when asked to (:func:`eng5_np.analysis.build_grade_model`, the
runner's own documented projection) and builds the rich result (SPEC §4.7), the thin
completion (§4.6) or the failure event.

What the measured 2026 platform does, reproduced on purpose (SPEC §11.1, §11.3):

- the anchors CJ added itself come back with ``is_anchor: true``, ``letter_grade`` ``"U"``
  and ``display_name`` ``"ANCHOR GRADE U"`` — the platform fails to look their grades up.
  This defect is kept so that the runner must map them back through the anchor list of
  the admin API, exactly as against the platform;
- without a projection (guest batches, or a scale whose grades the platform cannot carry)
  every essay's ``letter_grade`` is ``"U"``: not meaningful, as on the platform.

Choices where the platform leaves room:

- ``essay_results`` lists every essay with a θ, students and anchors. An essay none of
  whose comparisons succeeded has no θ: it is left out and listed as failed in the completion.
- ``normalized_score`` is θ min–max scaled over the batch (0.5 when all θ are equal);
  ``rank`` 1 is the highest θ (ties by essay id).
- a projected student's ``confidence_score`` is the probability of its grade, labelled
  HIGH from 0.6, MID from 0.35, else LOW (nine neighbouring grades share the mass, so a
  majority for one grade is already a confident projection); a ``"U"`` carries no
  information: 0.0, LOW.
- ``assessment_metadata.comparison_count`` is the exact number of successful
  comparisons (the platform's is an estimate); ``grade_probabilities`` (projected batches
  only) covers the students.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from eng5_np.analysis import ComparisonOutcome, build_grade_model, fit_bradley_terry
from eng5_np.contracts import (
    AssessmentResultV1,
    BatchStatus,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    ConfidenceLabel,
    EssayResultV1,
    ProcessingStage,
    ProcessingSummary,
    SystemProcessingMetadata,
    utc_now,
)
from eng5_np.contracts.topics import CJ_COMPLETED_EVENT_NAME, CJ_FAILED_EVENT_NAME
from eng5_np.reference.grades import GradeScale

__all__ = [
    "ASSESSMENT_METHOD",
    "AssessmentFailure",
    "BatchAssessment",
    "BatchContext",
    "assess_batch",
    "build_failure",
]

ASSESSMENT_METHOD: Final = "cj_assessment"
UNGRADED: Final = "U"
"""The platform's letter grade for an essay it did not grade."""
HIGH_CONFIDENCE: Final = 0.6
MID_CONFIDENCE: Final = 0.35


class AssessmentFailure(Exception):
    """The batch cannot be assessed; ``code``, ``message``, ``details`` go into ``error_info``."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}


@dataclass(frozen=True)
class BatchContext:
    """Identity and timing of one batch, shared by every event the service sends for it."""

    batch_id: str
    """The wire batch id: the request's ``entity_id``."""
    parent_id: str | None
    """The request's ``parent_id`` (the assignment)."""
    job_id: str
    """``cj_assessment_job_id`` of this batch."""
    started_at: datetime

    def system_metadata(
        self, stage: ProcessingStage, event: str, error_info: dict[str, Any] | None = None
    ) -> SystemProcessingMetadata:
        """Processing metadata of the batch entity at ``stage``, completed now."""
        return SystemProcessingMetadata(
            entity_id=self.batch_id,
            entity_type="batch",
            parent_id=self.parent_id,
            processing_stage=stage,
            started_at=self.started_at,
            completed_at=utc_now(),
            event=event,
            error_info=error_info or {},
        )


@dataclass(frozen=True)
class BatchAssessment:
    """The rich result and the thin completion of a successfully assessed batch."""

    result: AssessmentResultV1
    completion: CJAssessmentCompletedV1


def _label(confidence: float) -> ConfidenceLabel:
    if confidence >= HIGH_CONFIDENCE:
        return ConfidenceLabel.HIGH
    if confidence >= MID_CONFIDENCE:
        return ConfidenceLabel.MID
    return ConfidenceLabel.LOW


def assess_batch(
    context: BatchContext,
    *,
    essay_ids: Sequence[str],
    anchor_grades: dict[str, str],
    outcomes: Sequence[ComparisonOutcome],
    failed_comparisons: int,
    scale: GradeScale | None,
    model_id: str,
    model_provider: str,
    extra_metadata: dict[str, Any] | None = None,
) -> BatchAssessment:
    """Fit, project and build both payloads; :class:`AssessmentFailure` when impossible.

    ``anchor_grades`` maps the anchors' essay ids to grades normalised onto ``scale``;
    ``scale`` None = project no grades (every ``letter_grade`` is ``"U"``).
    """
    if not outcomes:
        raise AssessmentFailure(
            "ALL_COMPARISONS_FAILED", f"none of {failed_comparisons} comparisons succeeded"
        )
    fit = fit_bradley_terry(outcomes, essay_ids=essay_ids)
    model = None
    if scale is not None:
        try:
            model = build_grade_model(fit.theta, fit.standard_error, anchor_grades, scale)
        except ValueError as error:
            raise AssessmentFailure("NO_ANCHOR_COMPARED", str(error)) from error

    thetas = fit.theta
    low, high = min(thetas.values()), max(thetas.values())
    ranked = sorted(thetas, key=lambda essay_id: (-thetas[essay_id], essay_id))
    probabilities: dict[str, dict[str, float]] = {}
    essay_results: list[EssayResultV1] = []
    for rank, essay_id in enumerate(ranked, start=1):
        theta = thetas[essay_id]
        is_anchor = essay_id in anchor_grades
        grade, confidence = UNGRADED, 0.0
        if model is not None and not is_anchor:
            projection = model.project(essay_id, theta, fit.standard_error[essay_id])
            probabilities[essay_id] = projection.probabilities
            grade, confidence = projection.grade, projection.probabilities[projection.grade]
        essay_results.append(
            EssayResultV1(
                essay_id=essay_id,
                normalized_score=(theta - low) / (high - low) if high > low else 0.5,
                letter_grade=grade,
                confidence_score=confidence,
                confidence_label=_label(confidence),
                bt_score=theta,
                rank=rank,
                is_anchor=is_anchor,
                display_name=f"ANCHOR GRADE {UNGRADED}" if is_anchor else None,
            )
        )

    assessed = [essay_id for essay_id in essay_ids if essay_id in thetas]
    unassessed = [essay_id for essay_id in essay_ids if essay_id not in thetas]
    metadata: dict[str, Any] = {
        "comparison_count": len(outcomes),
        "failed_comparison_count": failed_comparisons,
        "anchor_essays_used": sum(1 for anchor_id in anchor_grades if anchor_id in thetas),
        "bt_stats": {
            essay_id: {"bt_mean": thetas[essay_id], "bt_se": fit.standard_error[essay_id]}
            for essay_id in ranked
        },
        "simulated": True,
        **(extra_metadata or {}),
    }
    if scale is not None:
        metadata["grade_scale"] = scale.name.value
        metadata["grade_projection_summary"] = {
            "grade_probabilities": probabilities,
            "method": "gaussian_over_anchor_theta",
        }
    result = AssessmentResultV1(
        entity_id=context.batch_id,
        entity_type="batch",
        parent_id=context.parent_id,
        batch_id=context.batch_id,
        cj_assessment_job_id=context.job_id,
        assessment_method=ASSESSMENT_METHOD,
        model_used=model_id,
        model_provider=model_provider,
        essay_results=essay_results,
        assessment_metadata=metadata,
        assessed_at=utc_now(),
    )
    status = (
        BatchStatus.COMPLETED_WITH_FAILURES
        if failed_comparisons or unassessed
        else BatchStatus.COMPLETED_SUCCESSFULLY
    )
    completion = CJAssessmentCompletedV1(
        entity_id=context.batch_id,
        entity_type="batch",
        parent_id=context.parent_id,
        status=status.value,
        system_metadata=context.system_metadata(ProcessingStage.COMPLETED, CJ_COMPLETED_EVENT_NAME),
        cj_assessment_job_id=context.job_id,
        processing_summary=ProcessingSummary(
            total_essays=len(essay_ids),
            successful=len(assessed),
            failed=len(unassessed),
            successful_essay_ids=assessed,
            failed_essay_ids=unassessed,
            processing_time_seconds=(utc_now() - context.started_at).total_seconds(),
        ),
    )
    return BatchAssessment(result=result, completion=completion)


def build_failure(context: BatchContext, failure: AssessmentFailure) -> CJAssessmentFailedV1:
    """The failure event of a batch, with the reason in ``system_metadata.error_info``."""
    return CJAssessmentFailedV1(
        entity_id=context.batch_id,
        entity_type="batch",
        parent_id=context.parent_id,
        status=BatchStatus.FAILED_CRITICALLY.value,
        system_metadata=context.system_metadata(
            ProcessingStage.FAILED,
            CJ_FAILED_EVENT_NAME,
            {
                **failure.details,
                "error_code": failure.code,
                "message": failure.message,
                "service": "cj_assessment",
            },
        ),
        cj_assessment_job_id=context.job_id,
    )
