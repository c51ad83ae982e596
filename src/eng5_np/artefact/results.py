"""``bt_summary`` and ``grade_projections`` from the service's result and the comparisons.

θ, rank and grades are the service's (SPEC §6.2). Per-essay comparison counts and standard
errors are computed here from the collected successful comparisons (Bradley–Terry, Fisher
information under sum-to-zero), because the platform sends none. Probabilities are the
service's when it sent them, otherwise the runner's own projection from the anchors' θ.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.projection import build_grade_model
from eng5_np.contracts import AssessmentResultV1
from eng5_np.grades import GradeScale

_ANCHOR_GRADE = re.compile(r"ANCHOR GRADE\s+(\S+)", re.IGNORECASE)


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


def _anchor_grade(
    essay_id: str, display_name: str | None, anchors: Mapping[str, str], scale: GradeScale
) -> str | None:
    if essay_id in anchors:
        return anchors[essay_id]
    match = _ANCHOR_GRADE.search(display_name or "")
    if match and scale.contains(match.group(1)):
        return scale.normalise(match.group(1))
    return None


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
    anchor_grades: Mapping[str, str],
    scale: GradeScale,
) -> ResultBlocks:
    """Hydrate ``bt_summary`` and ``grade_projections`` (optional fields omitted, not null).

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
        if essay.is_anchor:
            grade = _anchor_grade(essay.essay_id, essay.display_name, anchor_grades, scale)
            if grade is not None:
                entry["anchor_grade"] = grade
                grades_by_anchor[essay.essay_id] = grade
        else:
            entry["grade_projection"] = essay.letter_grade
        if essay.display_name:
            entry["display_name"] = essay.display_name
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
    for essay in sorted(result.essay_results, key=lambda r: r.essay_id):
        if essay.is_anchor:
            continue
        block: dict[str, Any] = {
            "essay_id": essay.essay_id,
            "grade_scale": scale.name.value,
            "grade": essay.letter_grade,
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
        projections.append(block)
    return ResultBlocks(summary, projections)
