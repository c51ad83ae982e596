"""Do the anchors' θ follow their grades? Kendall's τ, inversions, anchors that never win."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from eng5_np.analysis.comparisons import ComparisonOutcome, win_counts
from eng5_np.grades import GradeScale


@dataclass(frozen=True)
class AnchorInversion:
    """Two anchors whose θ order contradicts their grade order."""

    higher_grade_anchor_id: str
    lower_grade_anchor_id: str
    higher_grade: str
    lower_grade: str


@dataclass(frozen=True)
class AnchorAlignment:
    """Agreement between anchors' grades and their fitted θ."""

    kendall_tau: float | None
    """Kendall's τ-b between grade position and θ; None when undefined (<2 anchors or all
    anchors share one grade or one θ)."""
    inversions: tuple[AnchorInversion, ...]
    """Anchor pairs where the higher grade has the strictly lower θ."""
    anchors_used: int
    """Anchors that had a θ and entered the statistics."""
    missing_anchor_ids: tuple[str, ...]
    """Anchors without a θ (never successfully compared), left out."""


def anchor_alignment(
    theta: Mapping[str, float], anchor_grades: Mapping[str, str], scale: GradeScale
) -> AnchorAlignment:
    """Compare anchors' grade positions on ``scale`` with their θ.

    Grades are matched with ``scale.normalise`` (``ValueError`` if not on the scale).
    Anchors sharing a grade are never an inversion, and neither are equal θ values.
    """
    positions = {
        anchor_id: scale.position(grade) for anchor_id, grade in sorted(anchor_grades.items())
    }
    used = [anchor_id for anchor_id in positions if anchor_id in theta]
    missing = tuple(anchor_id for anchor_id in positions if anchor_id not in theta)

    inversions: list[AnchorInversion] = []
    for first, second in combinations(used, 2):
        if positions[first] == positions[second]:
            continue
        higher, lower = (first, second) if positions[first] > positions[second] else (second, first)
        if theta[higher] < theta[lower]:
            inversions.append(
                AnchorInversion(
                    higher_grade_anchor_id=higher,
                    lower_grade_anchor_id=lower,
                    higher_grade=scale.normalise(anchor_grades[higher]),
                    lower_grade=scale.normalise(anchor_grades[lower]),
                )
            )

    grade_positions = [positions[anchor_id] for anchor_id in used]
    thetas = [theta[anchor_id] for anchor_id in used]
    tau: float | None = None
    # Constant input makes τ undefined (and scipy warns); say so with None instead.
    if len(set(grade_positions)) > 1 and len(set(thetas)) > 1:
        from scipy import stats  # imported lazily: scipy.stats is slow to import

        value = float(stats.kendalltau(grade_positions, thetas).statistic)
        tau = None if math.isnan(value) else value
    return AnchorAlignment(
        kendall_tau=tau,
        inversions=tuple(inversions),
        anchors_used=len(used),
        missing_anchor_ids=missing,
    )


def anchors_never_winning(
    outcomes: Sequence[ComparisonOutcome], anchor_ids: Iterable[str]
) -> list[str]:
    """Anchors that took part in at least one comparison and won none, sorted by id.

    Anchors never compared are not listed here: comparison counts show them.
    """
    wins = win_counts(outcomes)
    return sorted(anchor_id for anchor_id in set(anchor_ids) if wins.get(anchor_id) == 0)
