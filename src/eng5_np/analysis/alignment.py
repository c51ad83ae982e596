"""Do the anchors' θ follow their grades? Kendall's τ-b, inversions, anchors that never win.

:func:`analyse_alignment` is the whole analysis of issue 10 / SPEC §12 from the comparisons
themselves — the one place τ-b and the inversions of a run are computed (issue 14 item 2: a
second path with other tie rules once printed a second τ). On the run's one Bradley–Terry fit
of every successful comparison (students included, so the anchors sit on the scale of the whole
run; θ net of the judge's first-position effect where the data inform it,
:mod:`~eng5_np.analysis.position_effect`):

- Kendall's τ-b between grade position and θ over the anchors with a θ (ties: see
  :mod:`~eng5_np.analysis.kendall`), with its interval (:mod:`~eng5_np.analysis.tau_interval`);
- for every pair of anchors with different grades, the probability under the fit's posterior
  that they are in the grades' order;
- every inversion — two anchors of different grades whose θ order contradicts the grades —
  with the θ gap (θ of the lower-graded minus θ of the higher-graded, > 0), that pair's
  probability of being in the grades' order (< 0.5) and the successful comparisons between
  exactly those two anchors;
- per anchor wins, comparisons and win rate, and the anchors that took part but never won;
- the θ gap between adjacent grades present: mean θ of the upper grade's anchors minus mean θ
  of the lower grade's (negative when the two grades are inverted on average).

θ within :data:`~eng5_np.analysis.kendall.THETA_TIE` of each other count as tied (for τ-b
and for inversions): two anchors with the same record get θ equal up to the fit's rounding.

θ from different parts of a disconnected comparison graph are not comparable, so τ-b, the
inversions and the gaps are only computed when every anchor with a θ sits in one part;
otherwise they are empty or None with the reason in ``reasons``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from eng5_np.analysis.bradley_terry import BTFit
from eng5_np.analysis.comparisons import ComparisonOutcome, comparison_counts, win_counts
from eng5_np.analysis.kendall import THETA_TIE
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.analysis.tau_interval import (
    IntervalSettings,
    OrderProbability,
    order_probabilities,
    tau_b_interval,
)
from eng5_np.reference.grades import GradeScale


@dataclass(frozen=True)
class JudgedComparison:
    """A successful comparison with what the judge said about it."""

    sequence: int
    outcome: ComparisonOutcome
    justification: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class AnchorStanding:
    """One anchor: its grade, its θ in the runner's fit, and its record."""

    essay_id: str
    grade: str
    theta: float | None
    """None when the anchor took part in no successful comparison."""
    standard_error: float | None
    wins: int
    comparisons: int
    win_rate: float | None
    """wins / comparisons; None without comparisons."""
    theta_bound: str | None = None
    """``">="`` / ``"<="`` when the data separate the anchor (θ is then a bound, not a point)."""


@dataclass(frozen=True)
class DirectComparison:
    """A comparison between the two anchors of an inversion."""

    sequence: int
    winner_id: str
    justification: str | None
    confidence: float | None


@dataclass(frozen=True)
class AlignedInversion:
    """Two anchors whose θ order contradicts their grades, and what the judge said."""

    higher_grade_id: str
    higher_grade: str
    lower_grade_id: str
    lower_grade: str
    theta_gap: float
    """θ(lower-graded) − θ(higher-graded), > 0."""
    direct: tuple[DirectComparison, ...]
    """Successful comparisons between the two, in sequence order."""
    p_expert_order: float | None = None
    """P(the higher-graded anchor is above the other) under the fit's posterior (< 0.5)."""


@dataclass(frozen=True)
class GradeGap:
    """Mean θ of one grade's anchors minus the mean θ of the grade below it (present ones)."""

    lower_grade: str
    upper_grade: str
    gap: float


@dataclass(frozen=True)
class AlignmentAnalysis:
    """Everything :func:`analyse_alignment` found."""

    grade_scale: str
    anchors: tuple[AnchorStanding, ...]
    """Highest grade first; within a grade, highest θ first."""
    kendall_tau_b: float | None
    tau_ci95: tuple[float, float] | None
    interval_settings: IntervalSettings
    inversions: tuple[AlignedInversion, ...]
    never_won: tuple[str, ...]
    adjacent_gaps: tuple[GradeGap, ...]
    reasons: tuple[str, ...]
    """Why a figure is None or empty, and notes on the interval."""
    order_probabilities: tuple[OrderProbability, ...] = ()
    """Every pair of placed anchors with different grades: P(in the grades' order)."""


def analyse_alignment(
    comparisons: Sequence[JudgedComparison],
    anchor_grades: Mapping[str, str],
    scale: GradeScale,
    settings: IntervalSettings | None = None,
    fit: BTFit | None = None,
) -> AlignmentAnalysis:
    """Anchor alignment from the successful comparisons of a run (module docstring).

    ``anchor_grades`` maps anchor essay ids to grades; a grade off ``scale`` raises
    ``ValueError`` (callers filter and report such anchors). Non-anchor essays in the
    comparisons shape the fit but are not reported. ``fit`` is the run's one fit of exactly
    these comparisons (the θ every other figure of the run uses); without it the comparisons
    are fitted here.
    """
    spec = settings or IntervalSettings()
    grades = {anchor: scale.normalise(grade) for anchor, grade in anchor_grades.items()}
    position = {anchor: scale.position(grade) for anchor, grade in grades.items()}
    outcomes = [c.outcome for c in comparisons]
    reasons: list[str] = []
    if fit is None:
        fit = _fit(outcomes, reasons)
    theta = fit.theta if fit is not None else {}
    standings = _standings(outcomes, grades, position, fit)
    unplaced = [s.essay_id for s in standings if s.theta is None]
    if unplaced:
        reasons.append(
            f"{len(unplaced)} anchor(s) without a successful comparison have no θ and are "
            f"left out of τ-b, inversions and gaps: {', '.join(unplaced)}"
        )
    placed = sorted(a for a in grades if a in theta)
    comparable = fit is not None and any(set(placed) <= part for part in fit.components)
    if placed and not comparable:
        reasons.append(
            "the anchors fall into disconnected parts of the comparison graph, so their θ "
            "cannot be compared: no τ-b, inversions or gaps"
        )
        placed = []

    placed_positions = {a: position[a] for a in placed}
    tau, interval = _tau_with_interval(outcomes, placed_positions, fit, spec, reasons)
    probabilities = (
        order_probabilities(outcomes, placed_positions, fit) if fit is not None and placed else ()
    )
    in_order = {(p.higher_grade_id, p.lower_grade_id): p.probability for p in probabilities}
    return AlignmentAnalysis(
        grade_scale=scale.name.value,
        anchors=standings,
        kendall_tau_b=tau,
        tau_ci95=interval,
        interval_settings=spec,
        inversions=_inversions(comparisons, placed, grades, position, theta, in_order),
        never_won=tuple(s.essay_id for s in standings if s.comparisons and not s.wins),
        adjacent_gaps=_adjacent_gaps(placed, grades, position, theta),
        reasons=tuple(reasons),
        order_probabilities=probabilities,
    )


def _fit(outcomes: Sequence[ComparisonOutcome], reasons: list[str]) -> BTFit | None:
    if not outcomes:
        reasons.append("no successful comparison: nothing to fit, no θ")
        return None
    try:
        return fit_net_of_position(outcomes)[0]
    except (ValueError, RuntimeError) as error:
        reasons.append(f"the Bradley–Terry fit failed ({error}): no θ")
        return None


def _standings(
    outcomes: Sequence[ComparisonOutcome],
    grades: Mapping[str, str],
    position: Mapping[str, int],
    fit: BTFit | None,
) -> tuple[AnchorStanding, ...]:
    wins = win_counts(outcomes)
    counts = comparison_counts(outcomes)
    theta = fit.theta if fit is not None else {}
    errors = fit.standard_error if fit is not None else {}
    bounds = fit.separation_bounds if fit is not None else {}
    rows = []
    for anchor, grade in grades.items():
        count = counts.get(anchor, 0)
        won = wins.get(anchor, 0)
        rows.append(
            AnchorStanding(
                essay_id=anchor,
                grade=grade,
                theta=theta.get(anchor),
                standard_error=errors.get(anchor),
                wins=won,
                comparisons=count,
                win_rate=won / count if count else None,
                theta_bound=bounds.get(anchor),
            )
        )

    def order(row: AnchorStanding) -> tuple[int, float, str]:
        # Highest grade first; unplaced anchors last within their grade.
        return (
            -position[row.essay_id],
            -(row.theta if row.theta is not None else -1e300),
            row.essay_id,
        )

    return tuple(sorted(rows, key=order))


def _tau_with_interval(
    outcomes: Sequence[ComparisonOutcome],
    positions: Mapping[str, int],
    fit: BTFit | None,
    spec: IntervalSettings,
    reasons: list[str],
) -> tuple[float | None, tuple[float, float] | None]:
    result = tau_b_interval(
        outcomes,
        positions,
        fit=fit,
        draws=spec.draws,
        seed=spec.seed,
        confidence=spec.confidence,
    )
    reasons.extend(result.reasons)
    return result.estimate, result.interval


def _inversions(
    comparisons: Sequence[JudgedComparison],
    placed: Sequence[str],
    grades: Mapping[str, str],
    position: Mapping[str, int],
    theta: Mapping[str, float],
    in_order: Mapping[tuple[str, str], float],
) -> tuple[AlignedInversion, ...]:
    found: list[AlignedInversion] = []
    by_pair: dict[frozenset[str], list[JudgedComparison]] = {}
    for judged in sorted(comparisons, key=lambda c: c.sequence):
        by_pair.setdefault(judged.outcome.pair, []).append(judged)
    for first, second in combinations(placed, 2):
        if position[first] == position[second]:
            continue
        higher, lower = (first, second) if position[first] > position[second] else (second, first)
        if theta[lower] - theta[higher] <= THETA_TIE:
            continue  # in order, or tied within the fit's precision
        direct = tuple(
            DirectComparison(c.sequence, c.outcome.winner_id, c.justification, c.confidence)
            for c in by_pair.get(frozenset((higher, lower)), ())
        )
        found.append(
            AlignedInversion(
                higher_grade_id=higher,
                higher_grade=grades[higher],
                lower_grade_id=lower,
                lower_grade=grades[lower],
                theta_gap=theta[lower] - theta[higher],
                direct=direct,
                p_expert_order=in_order.get((higher, lower)),
            )
        )
    # Reading order of the anchor table: by the higher grade, then the lower, highest first.
    found.sort(
        key=lambda i: (-position[i.higher_grade_id], -position[i.lower_grade_id], i.higher_grade_id)
    )
    return tuple(found)


def _adjacent_gaps(
    placed: Sequence[str],
    grades: Mapping[str, str],
    position: Mapping[str, int],
    theta: Mapping[str, float],
) -> tuple[GradeGap, ...]:
    by_grade: dict[int, list[float]] = {}
    for anchor in placed:
        by_grade.setdefault(position[anchor], []).append(theta[anchor])
    label = {position[a]: grades[a] for a in placed}
    steps = sorted(by_grade)
    return tuple(
        GradeGap(
            lower_grade=label[low],
            upper_grade=label[high],
            # + 0.0: a zero gap prints as 0, never as -0.
            gap=_mean(by_grade[high]) - _mean(by_grade[low]) + 0.0,
        )
        for low, high in pairwise(steps)
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)
