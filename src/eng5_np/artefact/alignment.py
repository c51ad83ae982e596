"""The artefact's ``alignment`` block: anchor alignment computed from the artefact itself.

Input is the artefact document (its successful comparisons, its anchors and grade scale), so
the block is the same whether it is computed at the end of a run or later from a saved
artefact. The analysis is :func:`eng5_np.analysis.analyse_alignment`; this module only picks the
inputs out of the document and writes the result in the schema's shape.

Anchors are the run's inputs (``inputs.anchors``) plus any essay the service marked as an
anchor with a grade in ``bt_summary`` (anchors the platform added to an assignment batch).
An anchor whose grade is not on the run's scale is left out with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eng5_np.analysis import (
    AlignmentAnalysis,
    BTFit,
    ComparisonOutcome,
    IntervalSettings,
    JudgedComparison,
    analyse_alignment,
)
from eng5_np.analysis.tau_interval import METHOD
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.reference.grades import GradeScale, get_scale

DIGITS = 6
"""Decimals kept for θ, SEs, rates, gaps and τ (far below any meaningful difference)."""


def judged_comparisons(records: Sequence[Mapping[str, Any]]) -> list[JudgedComparison]:
    """The artefact's successful comparisons with the judge's justification and confidence.

    A "succeeded" record whose winner is not one of its two essays cannot enter a fit and is
    skipped (the report's comparison tally counts it as unusable).
    """
    judged = []
    for record in records:
        if record["status"] != "succeeded":
            continue
        try:
            outcome = ComparisonOutcome(
                record["essay_a_id"], record["essay_b_id"], record["winner_id"], record["loser_id"]
            )
        except ValueError:
            continue
        confidence = record.get("confidence")
        judged.append(
            JudgedComparison(
                sequence=int(record["sequence"]),
                outcome=outcome,
                justification=record.get("justification"),
                confidence=float(confidence) if confidence is not None else None,
            )
        )
    return judged


def artefact_anchor_grades(document: Mapping[str, Any]) -> dict[str, str]:
    """Anchor id → grade of the anchors this run judged (see :func:`anchor_grades`)."""
    return anchor_grades(
        EssayDirectory.from_artefact(document), document["llm_comparisons"], document["bt_summary"]
    )


def anchor_grades(
    directory: EssayDirectory,
    records: Sequence[Mapping[str, Any]],
    bt_summary: Sequence[Mapping[str, Any]],
) -> dict[str, str]:
    """Anchor id → grade of the anchors this run judged: its own (a guest run's inputs) or the
    platform's registered ones (``ANCHOR_<id>_<hex>`` in an assignment run), through the run's
    :class:`EssayDirectory`; plus any the service itself reported with a grade."""
    ids = set(directory.essays) | {e["essay_id"] for e in bt_summary}
    for record in records:
        ids.update((record["essay_a_id"], record["essay_b_id"]))
    grades = directory.anchor_grades(ids)
    for entry in bt_summary:
        if entry.get("is_anchor") and entry.get("anchor_grade"):
            grades.setdefault(entry["essay_id"], entry["anchor_grade"])
    return grades


def alignment_block(
    document: Mapping[str, Any], settings: IntervalSettings | None = None
) -> dict[str, Any] | None:
    """The ``alignment`` block of a document, or None when no anchor took part in a successful
    comparison (fits the comparisons; a run's analysis passes its one fit to :func:`align`)."""
    block, _ = align(
        document["llm_comparisons"],
        artefact_anchor_grades(document),
        get_scale(document["metadata"]["grade_scale"]),
        settings,
    )
    return block


def align(
    records: Sequence[Mapping[str, Any]],
    grades: Mapping[str, str],
    scale: GradeScale,
    settings: IntervalSettings | None = None,
    fit: BTFit | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """The ``alignment`` block on the run's one ``fit``, or (None, why there is none)."""
    judged = judged_comparisons(records)
    compared = {essay for c in judged for essay in c.outcome.pair}
    on_scale = {a: g for a, g in grades.items() if scale.contains(g)}
    if not compared & set(on_scale):
        return None, "no anchor with a grade on the scale took part in a successful comparison"
    analysis = analyse_alignment(judged, on_scale, scale, settings, fit)
    off_scale = sorted(set(grades) - set(on_scale))
    extra = (
        [f"anchors with a grade off {scale.name.value} left out: {', '.join(off_scale)}"]
        if off_scale
        else []
    )
    return block_from_analysis(analysis, extra), None


def block_from_analysis(
    analysis: AlignmentAnalysis, extra_reasons: Sequence[str] = ()
) -> dict[str, Any]:
    """The analysis in the artefact schema's shape (optional keys omitted, never null)."""
    spec = analysis.interval_settings
    interval = analysis.tau_ci95
    return {
        "grade_scale": analysis.grade_scale,
        "theta_source": "runner",
        "anchors": [
            {
                "essay_id": a.essay_id,
                "grade": a.grade,
                "theta": _round(a.theta),
                "standard_error": _round(a.standard_error),
                "wins": a.wins,
                "comparisons": a.comparisons,
                "win_rate": _round(a.win_rate),
                **({} if a.theta_bound is None else {"theta_bound": a.theta_bound}),
            }
            for a in analysis.anchors
        ],
        "kendall_tau_b": _round(analysis.kendall_tau_b),
        "tau_ci95": None if interval is None else [_round(interval[0]), _round(interval[1])],
        "bootstrap": {
            "method": METHOD,
            "replicates": spec.draws,
            "seed": spec.seed,
            "confidence": spec.confidence,
        },
        "inversions": [
            {
                "higher_grade_id": i.higher_grade_id,
                "higher_grade": i.higher_grade,
                "lower_grade_id": i.lower_grade_id,
                "lower_grade": i.lower_grade,
                # Not rounded: the schema requires a gap > 0, and a tiny one must not round to 0.
                "theta_gap": i.theta_gap,
                "direct": [
                    _direct(d.sequence, d.winner_id, d.justification, d.confidence)
                    for d in i.direct
                ],
                **(
                    {} if i.p_expert_order is None else {"p_expert_order": _round(i.p_expert_order)}
                ),
            }
            for i in analysis.inversions
        ],
        "order_probabilities": [
            {
                "higher_grade_id": p.higher_grade_id,
                "lower_grade_id": p.lower_grade_id,
                "p_expert_order": _round(p.probability),
            }
            for p in analysis.order_probabilities
        ],
        "never_won": list(analysis.never_won),
        "adjacent_gaps": [
            {"lower_grade": g.lower_grade, "upper_grade": g.upper_grade, "gap": _round(g.gap)}
            for g in analysis.adjacent_gaps
        ],
        "reasons": [*analysis.reasons, *extra_reasons],
    }


def _direct(
    sequence: int, winner_id: str, justification: str | None, confidence: float | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"sequence": sequence, "winner_id": winner_id}
    if justification is not None:
        entry["justification"] = justification
    if confidence is not None:
        entry["confidence"] = confidence
    return entry


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)
