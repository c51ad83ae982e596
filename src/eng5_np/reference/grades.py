"""Grade scales of SPEC §6.3: ordered grades, the grade below the lowest anchor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GradeScaleName(StrEnum):
    """The grade scales the runner knows."""

    LEGACY_9_STEP = "eng5_np_legacy_9_step"
    NATIONAL_9_STEP = "eng5_np_national_9_step"


@dataclass(frozen=True)
class GradeScale:
    """An ordered grade scale, lowest grade first."""

    name: GradeScaleName
    grades: tuple[str, ...]
    below_lowest: str
    """The grade given below the lowest anchor (not itself an anchor grade)."""

    def position(self, grade: str) -> int:
        """0-based position of ``grade`` on the scale (``below_lowest`` is -1)."""
        normalised = self.normalise(grade)
        if normalised == self.below_lowest:
            return -1
        return self.grades.index(normalised)

    def normalise(self, grade: str) -> str:
        """Map a written grade (any case/whitespace) onto the scale's spelling.

        Raises ``ValueError`` when the grade is not on the scale.
        """
        text = grade.strip().upper()
        for known in (*self.grades, self.below_lowest):
            if known.upper() == text:
                return known
        raise ValueError(f"grade {grade!r} is not on {self.name.value} ({', '.join(self.grades)})")

    def contains(self, grade: str) -> bool:
        """True when ``grade`` is an anchor grade of this scale."""
        try:
            return self.normalise(grade) in self.grades
        except ValueError:
            return False


GRADE_SCALES: dict[GradeScaleName, GradeScale] = {
    GradeScaleName.LEGACY_9_STEP: GradeScale(
        name=GradeScaleName.LEGACY_9_STEP,
        grades=("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A"),
        below_lowest="F",
    ),
    GradeScaleName.NATIONAL_9_STEP: GradeScale(
        name=GradeScaleName.NATIONAL_9_STEP,
        grades=("1", "2", "3", "4", "5", "6", "7", "8", "9"),
        below_lowest="0",
    ),
}


def get_scale(name: str) -> GradeScale:
    """Look up a grade scale by its name; ``ValueError`` lists the valid names."""
    try:
        return GRADE_SCALES[GradeScaleName(name)]
    except ValueError:
        valid = ", ".join(s.value for s in GradeScaleName)
        raise ValueError(f"unknown grade scale {name!r}; valid: {valid}") from None
