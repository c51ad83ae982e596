"""``bt_summary`` and ``grade_projections`` from the service's result and the comparisons.

θ and rank are the service's (SPEC §6.2). Per-essay comparison counts and standard errors are
computed here from the collected successful comparisons (Bradley–Terry, Fisher information
under sum-to-zero), because the platform sends none. Probabilities are the service's when it
sent them, otherwise the runner's own projection from the anchors' θ.

Who is an anchor, and with which grade, is the runner's knowledge (:class:`EssayDirectory`),
not the service's flag: in a guest run CJ knows no anchors at all, and in an assignment run
it reports its anchors with grade ``U`` (SPEC §11.1, §11.3). Grades are the service's only
when it can project them (an assignment run on a letter scale); otherwise each student's grade
is the runner's most probable grade, and ``grade_source`` says which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.projection import build_grade_model
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.contracts import AssessmentResultV1
from eng5_np.grades import GradeScale


@dataclass(frozen=True)
class ResultBlocks:
    """The artefact blocks derived from the result."""

    bt_summary: list[dict[str, Any]]
    grade_projections: list[dict[str, Any]]


def successful_outcomes(comparisons: Sequence[Mapping[str, Any]]) -> list[ComparisonOutcome]:
    """Successful comparison records as analysis outcomes."""
    return [
        ComparisonOutcome(c["essay_a_id"], c["essay_b_id"], c["winner_id"], c["loser_id"])
        for c in comparisons
        if c["status"] == "succeeded"
    ]


def _probabilities(raw: object) -> dict[str, float] | None:
    if not isinstance(raw, dict) or not raw:
        return None
    out: dict[str, float] = {}
    for grade, value in raw.items():
        if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
            return None
        out[str(grade)] = float(value)
    return out


def build_result_blocks(
    result: AssessmentResultV1,
    comparisons: Sequence[Mapping[str, Any]],
    directory: EssayDirectory,
    scale: GradeScale,
    *,
    service_grades: bool,
) -> ResultBlocks:
    """Hydrate ``bt_summary`` and ``grade_projections`` (optional fields omitted, not null).

    ``service_grades`` is True only when the service projected grades itself (an assignment
    run on a scale its results can carry); otherwise the runner's projection decides.

    ``ValueError`` when the comparisons do not allow standard errors (a degenerate fit); the
    caller then writes the artefact without these blocks rather than lose the run.
    """
    fit = fit_bradley_terry(successful_outcomes(comparisons))
    grades_by_anchor: dict[str, str] = {}
    summary: list[dict[str, Any]] = []
    for essay in sorted(result.essay_results, key=lambda r: (r.rank, r.essay_id)):
        count = fit.comparison_count.get(essay.essay_id, 0)
        se = fit.standard_error.get(essay.essay_id)
        if count > 0 and (se is None or not math.isfinite(se)):
            raise ValueError(f"no finite standard error for {essay.essay_id}")
        entry: dict[str, Any] = {
            "essay_id": essay.essay_id,
            "theta": essay.bt_score,
            # null only for an essay without a successful comparison: no information at all.
            "standard_error": se if count > 0 else None,
            "rank": essay.rank,
            "comparison_count": count,
            "is_anchor": essay.is_anchor,
        }
        info = directory.lookup(essay.essay_id)
        entry["is_anchor"] = info.is_anchor if info is not None else essay.is_anchor
        if entry["is_anchor"]:
            grade = info.grade if info is not None else None
            if grade is not None and scale.contains(grade):
                entry["anchor_grade"] = scale.normalise(grade)
                grades_by_anchor[essay.essay_id] = entry["anchor_grade"]
        elif service_grades:
            entry["grade_projection"] = essay.letter_grade
        display = info.display_name if info is not None else essay.display_name
        if display:
            entry["display_name"] = display
        summary.append(entry)

    service_probabilities = (
        result.assessment_metadata.get("grade_projection_summary", {}) or {}
    ).get("grade_probabilities", {}) or {}
    theta = {e.essay_id: e.bt_score for e in result.essay_results}
    se_map = {e["essay_id"]: e["standard_error"] for e in summary if e["standard_error"]}
    model = None
    usable = {a: g for a, g in grades_by_anchor.items() if a in se_map}
    if usable:
        model = build_grade_model(theta, se_map, usable, scale)
    projections: list[dict[str, Any]] = []
    anchors = {entry["essay_id"] for entry in summary if entry["is_anchor"]}
    by_id = {entry["essay_id"]: entry for entry in summary}
    for essay in sorted(result.essay_results, key=lambda r: r.essay_id):
        if essay.essay_id in anchors:
            continue
        block: dict[str, Any] = {
            "essay_id": essay.essay_id,
            "grade_scale": scale.name.value,
            "grade": essay.letter_grade,
            "grade_source": "service",
        }
        from_service = _probabilities(service_probabilities.get(essay.essay_id))
        own = (
            model.project(essay.essay_id, essay.bt_score, se_map[essay.essay_id])
            if model is not None and essay.essay_id in se_map
            else None
        )
        if from_service is not None:
            block["probabilities"] = from_service
            block["probabilities_source"] = "service"
        elif own is not None:
            block["probabilities"] = own.probabilities
            block["probabilities_source"] = "runner"
        else:
            continue
        if own is not None:
            block["primary_anchor_id"] = own.primary_anchor_id
            block["anchor_alignment"] = round(own.anchor_alignment, 6)
        if not service_grades:
            if own is None:
                continue  # no anchors to project from: the service's grade means nothing
            block["grade"] = own.grade
            block["grade_source"] = "runner"
            by_id[essay.essay_id]["grade_projection"] = own.grade
        projections.append(block)
    return ResultBlocks(summary, projections)
