"""``bt_summary`` and ``grade_projections`` from the service's result and the runner's fit.

θ and rank are the service's (SPEC §6.2); when its result never came (the platform sent the
thin completion only, issue 14) θ is null and the rank the runner's, from its own fit.
Per-essay comparison counts, the runner's θ (``runner_theta``) and standard errors come from
one runner fit of the collected successful comparisons (:mod:`eng5_np.analysis.bradley_terry`),
because the platform sends no SEs.
Probabilities are the service's when it sent them, otherwise the runner's own projection from
the anchors' runner θ.

Who is an anchor, and with which grade, is the runner's knowledge (:class:`EssayDirectory`),
not the service's flag: in a guest run CJ knows no anchors at all, and in an assignment run it
reports its anchors with grade ``U`` (SPEC §11.1, §11.3). Grades are the service's only when it
can project them (an assignment run on a letter scale); otherwise each student's grade is the
runner's most probable grade, and ``grade_source`` says which.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from eng5_np.analysis import BTFit, ComparisonOutcome
from eng5_np.analysis.projection import build_grade_model
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.contracts import AssessmentResultV1
from eng5_np.reference.grades import GradeScale


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


@dataclass(frozen=True)
class _Row:
    """One essay as the service reported it, or — its result never came — as the runner knows
    it (no service θ, no letter grade, rank by the runner's θ)."""

    essay_id: str
    theta: float | None
    rank: int
    letter_grade: str | None
    is_anchor: bool
    display_name: str | None


def _service_rows(result: AssessmentResultV1) -> list[_Row]:
    rows = [
        _Row(r.essay_id, r.bt_score, r.rank, r.letter_grade, r.is_anchor, r.display_name)
        for r in result.essay_results
    ]
    return sorted(rows, key=lambda row: (row.rank, row.essay_id))


def _runner_rows(fit: BTFit, essay_ids: Iterable[str], directory: EssayDirectory) -> list[_Row]:
    """Rows from the runner's fit alone: ranked by its θ (essays it could not place last)."""
    ids = sorted(set(essay_ids) | set(fit.comparison_count))

    def order(essay_id: str) -> tuple[int, float, str]:
        placed = fit.comparison_count.get(essay_id, 0) > 0 and essay_id in fit.theta
        return (0 if placed else 1, -fit.theta[essay_id] if placed else 0.0, essay_id)

    rows: list[_Row] = []
    for rank, essay_id in enumerate(sorted(ids, key=order), start=1):
        info = directory.lookup(essay_id)
        anchor = info.is_anchor if info is not None else False
        rows.append(_Row(essay_id, None, rank, None, anchor, None))
    return rows


def build_bt_summary(
    result: AssessmentResultV1 | None,
    fit: BTFit,
    directory: EssayDirectory,
    scale: GradeScale,
    *,
    service_grades: bool,
    essay_ids: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """``bt_summary``: the service's θ and rank beside the runner's θ and SE of one fit.

    ``runner_theta`` and ``standard_error`` come from the same fit; both are null only for an
    essay without a successful comparison. Who is an anchor, with which grade and display
    name, comes from ``directory``. ``grade_projection`` is the service's letter grade only
    when ``service_grades`` (otherwise :func:`build_grade_projections` fills in the runner's).
    Optional fields are omitted, not null.

    ``result`` None (the service's result never came, issue 14): every essay of ``essay_ids``
    and of the fit, ``theta`` null, ranked by the runner's θ; no service grade.
    """
    rows = _service_rows(result) if result is not None else _runner_rows(fit, essay_ids, directory)
    summary: list[dict[str, Any]] = []
    for row in rows:
        count = fit.comparison_count.get(row.essay_id, 0)
        theta = fit.theta.get(row.essay_id)
        se = fit.standard_error.get(row.essay_id)
        if count > 0 and not (
            theta is not None and se is not None and math.isfinite(theta) and math.isfinite(se)
        ):
            raise ValueError(f"no finite runner θ and standard error for {row.essay_id}")
        info = directory.lookup(row.essay_id)
        entry: dict[str, Any] = {
            "essay_id": row.essay_id,
            "theta": row.theta,
            # null only for an essay without a successful comparison: no information at all.
            "runner_theta": theta if count > 0 else None,
            "standard_error": se if count > 0 else None,
            "rank": row.rank,
            "comparison_count": count,
            "is_anchor": info.is_anchor if info is not None else row.is_anchor,
        }
        if entry["is_anchor"]:
            grade = info.grade if info is not None else None
            if grade is not None and scale.contains(grade):
                entry["anchor_grade"] = scale.normalise(grade)
        elif service_grades and row.letter_grade is not None:
            entry["grade_projection"] = row.letter_grade
        display = info.display_name if info is not None else row.display_name
        if display:
            entry["display_name"] = display
        summary.append(entry)
    return summary


def build_grade_projections(
    result: AssessmentResultV1 | None,
    bt_summary: Sequence[MutableMapping[str, Any]],
    scale: GradeScale,
    *,
    service_grades: bool,
) -> list[dict[str, Any]]:
    """``grade_projections``: the service's grade, its probabilities or the runner's own.

    The runner's projection uses the runner's θ and SE of ``bt_summary`` (one consistent
    fit, SPEC §8), never the service's θ with the runner's SEs. Without ``service_grades``
    (guest runs, numeric scales) a student's grade is the runner's most probable grade, also
    written into its ``bt_summary`` entry, and a student the runner cannot project is left out
    rather than given the service's meaningless grade. ``result`` None (it never came): every
    student of ``bt_summary`` gets the runner's own projection from the anchors it knows.
    """
    service_probabilities: Mapping[str, Any] = {}
    letter_grades: dict[str, str] = {}
    if result is not None:
        service_probabilities = (
            result.assessment_metadata.get("grade_projection_summary", {}) or {}
        ).get("grade_probabilities", {}) or {}
        letter_grades = {r.essay_id: r.letter_grade for r in result.essay_results}
    else:
        service_grades = False  # no service grade exists: the runner projects every student
        letter_grades = {e["essay_id"]: "" for e in bt_summary}
    fitted = [e for e in bt_summary if e.get("runner_theta") is not None]
    theta = {e["essay_id"]: float(e["runner_theta"]) for e in fitted}
    se_map = {e["essay_id"]: float(e["standard_error"]) for e in fitted}
    usable = {e["essay_id"]: e["anchor_grade"] for e in fitted if "anchor_grade" in e}
    model = build_grade_model(theta, se_map, usable, scale) if usable else None
    by_id = {entry["essay_id"]: entry for entry in bt_summary}
    projections: list[dict[str, Any]] = []
    for essay_id, letter_grade in sorted(letter_grades.items()):
        entry = by_id.get(essay_id)
        if entry is None or entry["is_anchor"]:
            continue
        block: dict[str, Any] = {
            "essay_id": essay_id,
            "grade_scale": scale.name.value,
            "grade": letter_grade,
            "grade_source": "service",
        }
        from_service = _probabilities(service_probabilities.get(essay_id))
        own = (
            model.project(essay_id, theta[essay_id], se_map[essay_id])
            if model is not None and essay_id in theta
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
                continue
            block["grade"] = own.grade
            block["grade_source"] = "runner"
            entry["grade_projection"] = own.grade
        projections.append(block)
    return projections
