"""Tests for eng5_np.analysis.projection: the runner's own grade projection."""

from __future__ import annotations

import pytest

from eng5_np.analysis import GradeProjection, build_grade_model, project_grades
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName

LEGACY = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
NATIONAL = GRADE_SCALES[GradeScaleName.NATIONAL_9_STEP]

# Anchors one logit apart per scale step; "D+" and "C+" skip an unanchored grade.
ANCHOR_GRADES = {"anc_fp": "F+", "anc_dp": "D+", "anc_cp": "C+", "anc_b": "B", "anc_a": "a"}
ANCHOR_THETA = {"anc_fp": -4.0, "anc_dp": -0.0, "anc_cp": 2.0, "anc_b": 3.0, "anc_a": 4.0}
ANCHOR_SE = dict.fromkeys(ANCHOR_THETA, 0.2)


def project_one(theta: float, se: float = 0.3) -> GradeProjection:
    """Project a single student ``s`` among the standard anchors."""
    projections = project_grades(
        {**ANCHOR_THETA, "s": theta}, {**ANCHOR_SE, "s": se}, ANCHOR_GRADES, LEGACY
    )
    return projections["s"]


def test_model_centres_step_and_pooled_variance() -> None:
    model = build_grade_model(ANCHOR_THETA, ANCHOR_SE, ANCHOR_GRADES, LEGACY)

    assert model.grade_step == pytest.approx(1.0)
    assert model.grade_means == {"F": -5.0, "F+": -4.0, "D+": 0.0, "C+": 2.0, "B": 3.0, "A": 4.0}
    assert model.variance == pytest.approx(0.5**2 + 0.2**2)


@pytest.mark.parametrize("theta", [-9.0, -4.3, -1.0, 0.4, 2.49, 3.0, 3.6, 12.0])
def test_probabilities_are_a_distribution_over_the_modelled_grades(theta: float) -> None:
    projection = project_one(theta)

    assert list(projection.probabilities) == ["F", "F+", "D+", "C+", "B", "A"]
    assert all(0.0 <= p <= 1.0 for p in projection.probabilities.values())
    assert sum(projection.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
    assert projection.grade == max(
        projection.probabilities, key=projection.probabilities.__getitem__
    )


def test_student_at_the_b_anchor_gets_b() -> None:
    projection = project_one(ANCHOR_THETA["anc_b"])

    assert projection.grade == "B"
    assert projection.primary_anchor_id == "anc_b"
    assert projection.anchor_alignment == 0.0


def test_far_below_every_anchor_gets_the_below_lowest_grade() -> None:
    projection = project_one(-20.0, se=3.0)

    assert projection.grade == "F"
    assert projection.primary_anchor_id == "anc_fp"
    assert projection.anchor_alignment == pytest.approx(-16.0)


def test_far_above_every_anchor_gets_the_highest_anchored_grade() -> None:
    assert project_one(30.0, se=3.0).grade == "A"


def test_a_larger_student_se_spreads_the_probabilities() -> None:
    sure = project_one(3.0, se=0.1)
    unsure = project_one(3.0, se=2.0)

    assert sure.probabilities["B"] > 0.6
    assert unsure.probabilities["B"] < sure.probabilities["B"]
    assert unsure.probabilities["F+"] > sure.probabilities["F+"]


def test_national_scale_and_shared_grades() -> None:
    grades = {"n1": "4", "n2": "4", "n3": "6"}
    theta = {"n1": -0.5, "n2": 0.5, "n3": 2.0, "low": -3.0, "mid": 0.1}
    se = dict.fromkeys(theta, 0.4)

    model = build_grade_model(theta, se, grades, NATIONAL)
    projections = project_grades(theta, se, grades, NATIONAL)

    # Grade 4 is the mean of its two anchors; 4 → 6 is two scale steps of 1 logit.
    assert model.grade_means == {"0": -1.0, "4": 0.0, "6": 2.0}
    assert model.variance == pytest.approx(0.25 + (0.16 + 0.16) / 4 / 2 + 0.16 / 2)
    assert set(projections) == {"low", "mid"}
    assert projections["low"].grade == "0"
    assert projections["mid"].grade == "4"


def test_single_anchor_uses_the_default_step() -> None:
    model = build_grade_model({"x": 1.0}, {"x": 0.0}, {"x": "C-"}, LEGACY)

    assert model.grade_means == {"F": 0.0, "C-": 1.0}
    assert model.variance == pytest.approx(0.25)


def test_invalid_anchor_grades_and_missing_anchors_are_rejected() -> None:
    with pytest.raises(ValueError, match="not an anchor grade"):
        build_grade_model({"x": 0.0}, {"x": 0.1}, {"x": "F"}, LEGACY)
    with pytest.raises(ValueError, match="no anchor has a θ"):
        build_grade_model({"s": 0.0}, {"s": 0.1}, {"x": "B"}, LEGACY)
    with pytest.raises(ValueError, match="no standard error"):
        build_grade_model({"x": 0.0}, {}, {"x": "B"}, LEGACY)
    with pytest.raises(ValueError, match="students without"):
        project_grades({"x": 0.0, "s": 1.0}, {"x": 0.1}, {"x": "B"}, LEGACY)
