"""Tests for eng5_np.analysis.alignment: Kendall's τ, inversions, anchors that never win."""

from __future__ import annotations

import pytest

from eng5_np.analysis import (
    AnchorInversion,
    ComparisonOutcome,
    anchor_alignment,
    anchors_never_winning,
)
from eng5_np.grades import GRADE_SCALES, GradeScaleName

LEGACY = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
NATIONAL = GRADE_SCALES[GradeScaleName.NATIONAL_9_STEP]

ANCHOR_GRADES = {"anchor_a": "A", "anchor_b": "B", "anchor_c": "C+", "anchor_e": "E-"}


def test_perfectly_ordered_anchors_have_tau_one_and_no_inversions() -> None:
    theta = {"anchor_a": 2.0, "anchor_b": 1.0, "anchor_c": 0.0, "anchor_e": -2.0, "s1": 5.0}

    alignment = anchor_alignment(theta, ANCHOR_GRADES, LEGACY)

    assert alignment.kendall_tau == pytest.approx(1.0)
    assert alignment.inversions == ()
    assert alignment.anchors_used == 4


def test_swapped_anchors_are_an_inversion() -> None:
    theta = {"anchor_a": 2.0, "anchor_b": 0.0, "anchor_c": 1.0, "anchor_e": -2.0}

    alignment = anchor_alignment(theta, ANCHOR_GRADES, LEGACY)

    assert alignment.inversions == (
        AnchorInversion(
            higher_grade_anchor_id="anchor_b",
            lower_grade_anchor_id="anchor_c",
            higher_grade="B",
            lower_grade="C+",
        ),
    )
    assert alignment.kendall_tau == pytest.approx(4 / 6)


def test_shared_grades_and_missing_anchors() -> None:
    grades = {"n1": "3", "n2": "3", "n3": "7", "gone": "9"}
    theta = {"n1": 1.0, "n2": -1.0, "n3": 0.5}

    alignment = anchor_alignment(theta, grades, NATIONAL)

    # n1 and n2 share a grade, so their order is no inversion; n3 (grade 7) sits below
    # n1 (grade 3) — an inversion — but above n2.
    assert alignment.inversions == (
        AnchorInversion(
            higher_grade_anchor_id="n3",
            lower_grade_anchor_id="n1",
            higher_grade="7",
            lower_grade="3",
        ),
    )
    assert alignment.missing_anchor_ids == ("gone",)
    assert alignment.anchors_used == 3


def test_tau_is_none_when_undefined() -> None:
    one_grade = anchor_alignment({"x": 0.0, "y": 1.0}, {"x": "B", "y": "b "}, LEGACY)
    one_anchor = anchor_alignment({"x": 0.0}, {"x": "B"}, LEGACY)

    assert one_grade.kendall_tau is None
    assert one_anchor.kendall_tau is None


def test_grades_off_the_scale_are_rejected() -> None:
    with pytest.raises(ValueError, match="not on"):
        anchor_alignment({"x": 0.0}, {"x": "Z"}, LEGACY)


def test_anchors_never_winning_lists_compared_anchors_without_a_win() -> None:
    outcomes = [
        ComparisonOutcome("anchor_a", "s1", "anchor_a", "s1"),
        ComparisonOutcome("anchor_e", "s1", "s1", "anchor_e"),
        ComparisonOutcome("anchor_c", "anchor_e", "anchor_c", "anchor_e"),
        ComparisonOutcome("anchor_b", "s1", "s1", "anchor_b"),
    ]

    never = anchors_never_winning(outcomes, ["anchor_e", "anchor_a", "anchor_b", "unseen"])

    assert never == ["anchor_b", "anchor_e"]
