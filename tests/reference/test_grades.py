"""Grade scales (SPEC §6.3)."""

from __future__ import annotations

import pytest

from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName, get_scale

LEGACY = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
NATIONAL = GRADE_SCALES[GradeScaleName.NATIONAL_9_STEP]


def test_scales_match_the_spec() -> None:
    assert LEGACY.grades == ("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A")
    assert LEGACY.below_lowest == "F"
    assert NATIONAL.grades == tuple(str(n) for n in range(1, 10))
    assert NATIONAL.below_lowest == "0"


@pytest.mark.parametrize(("written", "expected"), [(" c+ ", "C+"), ("e-", "E-"), ("a", "A")])
def test_written_grades_are_normalised(written: str, expected: str) -> None:
    assert LEGACY.normalise(written) == expected
    assert LEGACY.contains(written)


def test_positions_follow_the_scale() -> None:
    assert [LEGACY.position(g) for g in LEGACY.grades] == list(range(9))
    assert LEGACY.position("f") == -1
    assert LEGACY.position("C-") < LEGACY.position("C+")


def test_below_lowest_is_not_an_anchor_grade() -> None:
    assert not LEGACY.contains("F")
    assert not NATIONAL.contains("0")


@pytest.mark.parametrize("bad", ["C", "G", "", "F++", "10"])
def test_grades_not_on_the_scale_are_refused(bad: str) -> None:
    assert not LEGACY.contains(bad)
    with pytest.raises(ValueError, match="is not on eng5_np_legacy_9_step"):
        LEGACY.normalise(bad)


def test_get_scale_by_name() -> None:
    assert get_scale("eng5_np_national_9_step") is NATIONAL
    with pytest.raises(ValueError, match="unknown grade scale 'letters'; valid: eng5_np_legacy"):
        get_scale("letters")
