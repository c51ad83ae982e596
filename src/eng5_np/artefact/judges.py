"""``validation.analysis.judges``: a judge panel's per-judge figures (issue 18), stored once.

With comparisons naming two or more judges (``llm_comparisons[].judge.label``), each judge's
infit against the run's pooled fit, A-win share and τ-b on its own comparisons
(:mod:`eng5_np.analysis.judges`), in the schema's shape; the reports only read them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from eng5_np.analysis import BTFit, ComparisonOutcome
from eng5_np.analysis.judges import judge_figures
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.reference.grades import GradeScale

__all__ = ["judges_block"]


def _outcome(record: Mapping[str, Any]) -> ComparisonOutcome | None:
    if record["status"] != "succeeded":
        return None
    return ComparisonOutcome(
        record["essay_a_id"], record["essay_b_id"], record["winner_id"], record["loser_id"]
    )


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def judges_block(
    comparisons: Sequence[Mapping[str, Any]],
    fit: BTFit,
    directory: EssayDirectory,
    scale: GradeScale,
) -> list[dict[str, Any]]:
    """The per-judge figures of a panel; [] when fewer than two judges are named."""
    judged: list[tuple[str, ComparisonOutcome | None]] = []
    for record in comparisons:
        label = (record.get("judge") or {}).get("label")
        if isinstance(label, str):
            judged.append((label, _outcome(record)))
    if len({label for label, _ in judged}) < 2:
        return []
    anchors = directory.anchor_grades(fit.theta)
    return [
        {
            "label": figure.label,
            "comparisons": figure.comparisons,
            "failed": figure.failed,
            "essay_a_win_share": _finite_or_none(figure.essay_a_win_share),
            "infit": _finite_or_none(figure.infit),
            "tau_b": _finite_or_none(figure.tau_b),
            "anchors_used": figure.anchors_used,
            "reasons": list(figure.reasons),
        }
        for figure in judge_figures(judged, fit.theta, anchors, scale)
    ]
