"""Tests for eng5_np.analysis.alignment: τ-b, inversions with their comparisons, anchors
that never win, win rates and adjacent gaps — against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from eng5_np.analysis import (
    ComparisonOutcome,
    IntervalSettings,
    JudgedComparison,
    analyse_alignment,
)
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName

LEGACY = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
NATIONAL = GRADE_SCALES[GradeScaleName.NATIONAL_9_STEP]

ANCHOR_GRADES = {"anchor_a": "A", "anchor_b": "B", "anchor_c": "C+", "anchor_e": "E-"}


# --- analyse_alignment: the whole analysis from judged comparisons -------------------------

FAST = IntervalSettings(draws=1000, seed=3)


def _judged(wins: dict[tuple[str, str], tuple[int, int]]) -> list[JudgedComparison]:
    """Comparisons per pair: (first, second) → (wins of first, wins of second)."""
    judged: list[JudgedComparison] = []
    for (first, second), (first_wins, second_wins) in wins.items():
        for winner, count in ((first, first_wins), (second, second_wins)):
            loser = second if winner == first else first
            for _ in range(count):
                sequence = len(judged) + 1
                judged.append(
                    JudgedComparison(
                        sequence=sequence,
                        outcome=ComparisonOutcome(first, second, winner, loser),
                        justification=f"#{sequence}: {winner} is clearer",
                        confidence=3.0,
                    )
                )
    return judged


FOUR = {"a": "A", "b": "B", "c": "C+", "e": "E-"}


def test_a_perfect_order_has_tau_one_no_inversions_and_an_interval_reaching_one() -> None:
    judged = _judged(
        {
            ("a", "b"): (3, 1),
            ("a", "c"): (3, 1),
            ("a", "e"): (3, 1),
            ("b", "c"): (3, 1),
            ("b", "e"): (3, 1),
            ("c", "e"): (3, 1),
        }
    )

    result = analyse_alignment(judged, FOUR, LEGACY, FAST)

    assert result.kendall_tau_b == pytest.approx(1.0)
    assert result.inversions == ()
    assert result.never_won == ()
    assert result.tau_ci95 is not None
    low, high = result.tau_ci95
    assert low <= 1.0 <= high == 1.0
    assert [s.essay_id for s in result.anchors] == ["a", "b", "c", "e"]
    # Wins 9, 7, 5, 3 of 12 comparisons each.
    assert [(s.wins, s.comparisons) for s in result.anchors] == [(9, 12), (7, 12), (5, 12), (3, 12)]
    assert [s.win_rate for s in result.anchors] == pytest.approx([0.75, 7 / 12, 5 / 12, 0.25])
    assert [(g.lower_grade, g.upper_grade) for g in result.adjacent_gaps] == [
        ("E-", "C+"),
        ("C+", "B"),
        ("B", "A"),
    ]
    assert all(g.gap > 0 for g in result.adjacent_gaps)


def test_a_single_inversion_with_its_direct_comparisons() -> None:
    # b (grade B) beats a (grade A) 3:1; everything else follows the grades.
    judged = _judged(
        {
            ("a", "b"): (1, 3),
            ("a", "c"): (3, 1),
            ("a", "e"): (3, 1),
            ("b", "c"): (3, 1),
            ("b", "e"): (3, 1),
            ("c", "e"): (3, 1),
        }
    )

    result = analyse_alignment(judged, FOUR, LEGACY, FAST)

    # θ order b > a > c > e: 5 of 6 pairs concordant, 1 discordant.
    assert result.kendall_tau_b == pytest.approx(4 / 6)
    (inversion,) = result.inversions
    assert (inversion.higher_grade_id, inversion.higher_grade) == ("a", "A")
    assert (inversion.lower_grade_id, inversion.lower_grade) == ("b", "B")
    theta = {s.essay_id: s.theta for s in result.anchors}
    assert inversion.theta_gap == pytest.approx(theta["b"] - theta["a"])  # type: ignore[operator]
    assert inversion.theta_gap > 0
    assert [d.sequence for d in inversion.direct] == [1, 2, 3, 4]
    assert [d.winner_id for d in inversion.direct] == ["a", "b", "b", "b"]
    assert inversion.direct[1].justification == "#2: b is clearer"
    assert inversion.direct[1].confidence == 3.0
    # B above A on average: the B→A gap is negative, the others positive.
    gaps = {(g.lower_grade, g.upper_grade): g.gap for g in result.adjacent_gaps}
    assert gaps[("B", "A")] < 0 < gaps[("C+", "B")]
    assert result.tau_ci95 is not None
    assert result.tau_ci95[0] <= 4 / 6 <= result.tau_ci95[1]


def test_an_anchor_that_never_wins() -> None:
    judged = _judged(
        {
            ("a", "b"): (3, 1),
            ("a", "c"): (3, 1),
            ("a", "e"): (4, 0),
            ("b", "c"): (3, 1),
            ("b", "e"): (4, 0),
            ("c", "e"): (4, 0),
        }
    )

    result = analyse_alignment(judged, FOUR, LEGACY, FAST)

    assert result.never_won == ("e",)
    weakest = result.anchors[-1]
    assert (weakest.essay_id, weakest.wins, weakest.comparisons, weakest.win_rate) == (
        "e",
        0,
        12,
        0.0,
    )
    assert weakest.theta is not None  # the fit stays finite for an essay that never wins


def test_anchors_sharing_a_grade_are_ties_not_inversions() -> None:
    grades = {"a": "A", "b": "B", "c1": "C+", "c2": "C+", "e": "E-"}
    order = ["a", "b", "c1", "c2", "e"]  # c2 below c1: same grade, so no inversion
    wins = {
        (first, second): (3, 1)
        for index, first in enumerate(order)
        for second in order[index + 1 :]
    }

    result = analyse_alignment(_judged(wins), grades, LEGACY, FAST)

    # 10 pairs, the C+ pair tied in grade; the other 9 concordant: 9 / √(9 · 10).
    assert result.kendall_tau_b == pytest.approx(9 / math.sqrt(90))
    assert result.inversions == ()
    theta = {s.essay_id: s.theta for s in result.anchors}
    gaps = {(g.lower_grade, g.upper_grade): g.gap for g in result.adjacent_gaps}
    assert gaps[("E-", "C+")] == pytest.approx(
        (theta["c1"] + theta["c2"]) / 2 - theta["e"]  # type: ignore[operator]
    )
    assert [s.grade for s in result.anchors] == ["A", "B", "C+", "C+", "E-"]


def test_students_shape_the_fit_but_are_not_reported_and_uncompared_anchors_say_why() -> None:
    wins = {("a", "s1"): (3, 1), ("s1", "e"): (3, 1), ("a", "e"): (3, 1)}
    grades = {"a": "A", "e": "E-", "lonely": "C+"}

    result = analyse_alignment(_judged(wins), grades, LEGACY, FAST)

    assert {s.essay_id for s in result.anchors} == {"a", "e", "lonely"}
    lonely = next(s for s in result.anchors if s.essay_id == "lonely")
    assert (lonely.theta, lonely.comparisons, lonely.win_rate) == (None, 0, None)
    assert lonely.essay_id not in result.never_won  # never compared is not "never won"
    assert any("lonely" in reason for reason in result.reasons)
    assert result.kendall_tau_b == pytest.approx(1.0)


def test_figures_are_none_with_a_reason_when_they_cannot_exist() -> None:
    nothing = analyse_alignment([], FOUR, LEGACY, FAST)
    one_grade = analyse_alignment(_judged({("x", "y"): (2, 1)}), {"x": "B", "y": "B"}, LEGACY, FAST)
    split = analyse_alignment(
        _judged({("a", "s1"): (2, 1), ("e", "s2"): (2, 1)}), {"a": "A", "e": "E-"}, LEGACY, FAST
    )

    for result in (nothing, one_grade, split):
        assert result.kendall_tau_b is None
        assert result.tau_ci95 is None
        assert result.reasons
    assert "no successful comparison" in nothing.reasons[0]
    assert any("different grades" in r for r in one_grade.reasons)
    assert any("disconnected" in r for r in split.reasons)
    assert split.inversions == ()
    assert split.adjacent_gaps == ()


def test_anchors_with_the_same_record_are_tied_not_inverted() -> None:
    # b and c have identical records against a and e and split 1:1 between themselves, so
    # their θ are equal up to the fit's rounding: neither order is an inversion.
    judged = _judged(
        {
            ("a", "b"): (3, 1),
            ("a", "c"): (3, 1),
            ("a", "e"): (3, 1),
            ("b", "c"): (1, 1),
            ("b", "e"): (3, 1),
            ("c", "e"): (3, 1),
        }
    )

    result = analyse_alignment(judged, FOUR, LEGACY, FAST)

    assert result.inversions == ()
    # 6 pairs, b–c tied in θ: 5 concordant, 5 / √(6 · 5).
    assert result.kendall_tau_b == pytest.approx(5 / math.sqrt(30))
