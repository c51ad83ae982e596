"""The reference CJ service's database stand-in: assessment instructions and anchors.

What the platform keeps in PostgreSQL (SPEC §11.1–§11.2), kept in memory for the life of
the stack:

- **assessment instructions**, one record per assignment (or per course): instructions
  text, grade scale id, ``context_origin``, the student prompt's storage id and an optional
  judge rubric. Writing again for the same assignment (course) updates the record in place;
  its ``id`` and ``created_at`` stay.
- **registered anchors**: integer ids from 1, each on the grade scale its assignment had
  when it was registered, its text in the Content Service (``text_storage_id``).
  Registering again with the same assignment and a non-null label updates that anchor.

Semantic checks live here (the HTTP layer checks the body's shape): an anchor needs an
assignment with instructions and a grade on the assignment's scale, else
:class:`AdminRejected` (→ 400).

Stored texts lose their surrounding whitespace (instructions text, rubric, anchor label), as
the platform's models strip strings (SPEC §11.6): a client that compares its read-back byte
for byte sees a "difference" although the write stuck.

Faults (:data:`ADMIN_FAULTS`, comma-separated in a spec, :func:`parse_admin_faults`):

- ``drop-writes`` reproduces the measured platform's defect: both writes answer as if they
  had succeeded — with the record they would have stored, ids included — but nothing is
  kept, so a read-back finds the old state;
- ``missing-500``: a GET for an assignment without instructions answers 500, not 404 — the
  measured platform does not register its error handlers (SPEC §11.6).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal

from eng5_np.contracts import utc_now
from eng5_np.reference.grades import GradeScaleName, get_scale

__all__ = [
    "ADMIN_FAULTS",
    "CONTEXT_ORIGINS",
    "PLATFORM_GRADE_SCALES",
    "AdminRejected",
    "AdminStore",
    "AssessmentInstructions",
    "RegisteredAnchor",
]

PLATFORM_GRADE_SCALES: Final[Mapping[str, tuple[str, ...]]] = {
    "swedish_8_anchor": ("F", "E", "D", "D+", "C", "C+", "B", "A"),
    **{name.value: get_scale(name.value).grades for name in GradeScaleName},
}
"""Anchor grades of every scale id the platform knows (SPEC §11.2), lowest first."""
CONTEXT_ORIGINS: Final = ("research_experiment", "canonical_national")
ADMIN_FAULTS: Final = ("drop-writes", "missing-500")
"""Faults the admin API can be started with (``LocalStackConfig.admin_faults``)."""

ContextOrigin = Literal["research_experiment", "canonical_national"]


def parse_admin_faults(spec: str | None) -> frozenset[str]:
    """The faults of a comma-separated spec such as ``drop-writes,missing-500`` (None: none);
    ``ValueError`` naming the known faults for an unknown one."""
    if not spec:
        return frozenset()
    faults = frozenset(part.strip() for part in spec.split(",") if part.strip())
    unknown = sorted(faults - set(ADMIN_FAULTS))
    if unknown:
        raise ValueError(f"unknown admin fault {unknown[0]!r}; known: {', '.join(ADMIN_FAULTS)}")
    return faults


def _stored(text: str | None) -> str | None:
    """A text as the platform stores it: surrounding whitespace stripped."""
    return text.strip() if text is not None else None


class AdminRejected(Exception):
    """A write the platform answers with 400 ``{"error": <message>}``."""


@dataclass(frozen=True)
class AssessmentInstructions:
    """An assignment's (or a course's) assessment instructions."""

    id: int
    assignment_id: str | None
    course_id: str | None
    instructions_text: str
    grade_scale: str
    """A key of :data:`PLATFORM_GRADE_SCALES`."""
    context_origin: ContextOrigin
    student_prompt_storage_id: str | None
    judge_rubric_text: str | None
    """The judge rubric CJ shows unless a request overrides it (SPEC §11.4)."""
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The GET body of SPEC §11.2 (plus ``judge_rubric_text``)."""
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class RegisteredAnchor:
    """One anchor essay registered for an assignment."""

    id: int
    assignment_id: str
    anchor_label: str | None
    grade: str
    grade_scale: str
    """The assignment's scale when the anchor was (last) registered."""
    text_storage_id: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """One entry of the anchor list of SPEC §11.2."""
        return {**asdict(self), "created_at": self.created_at.isoformat()}


class AdminStore:
    """Instructions and anchors in memory; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        drop_writes: bool = False,
        missing_answers_500: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.drop_writes = drop_writes
        self.missing_answers_500 = missing_answers_500
        """Fault ``missing-500``: the HTTP layer answers 500 for a missing assignment."""
        self._clock = clock
        self._instructions: dict[tuple[str, str], AssessmentInstructions] = {}
        self._anchors: dict[int, RegisteredAnchor] = {}
        self._instruction_ids = itertools.count(1)
        self._anchor_ids = itertools.count(1)

    def upsert_instructions(
        self,
        *,
        assignment_id: str | None,
        course_id: str | None,
        instructions_text: str,
        grade_scale: str,
        context_origin: ContextOrigin = "research_experiment",
        student_prompt_storage_id: str | None = None,
        judge_rubric_text: str | None = None,
    ) -> AssessmentInstructions:
        """Create or update the instructions of one assignment (or course) and return them."""
        if (assignment_id is None) == (course_id is None):
            raise AdminRejected("give exactly one of assignment_id and course_id")
        if grade_scale not in PLATFORM_GRADE_SCALES:
            raise AdminRejected(f"unknown grade_scale {grade_scale!r}")
        owner = ("course", str(course_id))
        if assignment_id is not None:
            owner = ("assignment", assignment_id)
        existing = self._instructions.get(owner)
        record = AssessmentInstructions(
            id=existing.id if existing is not None else next(self._instruction_ids),
            assignment_id=assignment_id,
            course_id=course_id,
            instructions_text=instructions_text.strip(),
            grade_scale=grade_scale,
            context_origin=context_origin,
            student_prompt_storage_id=student_prompt_storage_id,
            judge_rubric_text=_stored(judge_rubric_text),
            created_at=existing.created_at if existing is not None else self._clock(),
        )
        if not self.drop_writes:
            self._instructions[owner] = record
        return record

    def instructions_for(self, assignment_id: str) -> AssessmentInstructions | None:
        """The assignment's instructions, or None when it has none."""
        return self._instructions.get(("assignment", assignment_id))

    def register_anchor(
        self, *, assignment_id: str, grade: str, anchor_label: str | None, text_storage_id: str
    ) -> tuple[RegisteredAnchor, bool]:
        """Register (or, same label, update) an anchor; the record and whether it is new."""
        instructions = self.check_grade(assignment_id, grade)
        anchor_label = _stored(anchor_label)
        existing = None
        if anchor_label is not None:
            existing = next(
                (
                    anchor
                    for anchor in self._anchors.values()
                    if anchor.assignment_id == assignment_id and anchor.anchor_label == anchor_label
                ),
                None,
            )
        if existing is not None:
            anchor = replace(
                existing,
                grade=grade,
                grade_scale=instructions.grade_scale,
                text_storage_id=text_storage_id,
            )
        else:
            anchor = RegisteredAnchor(
                id=next(self._anchor_ids),
                assignment_id=assignment_id,
                anchor_label=anchor_label,
                grade=grade,
                grade_scale=instructions.grade_scale,
                text_storage_id=text_storage_id,
                created_at=self._clock(),
            )
        if not self.drop_writes:
            self._anchors[anchor.id] = anchor
        return anchor, existing is None

    def check_grade(self, assignment_id: str, grade: str) -> AssessmentInstructions:
        """The assignment's instructions if ``grade`` can be registered for it, else
        :class:`AdminRejected` (no instructions, or a grade not on the assignment's scale)."""
        instructions = self.instructions_for(assignment_id)
        if instructions is None:
            raise AdminRejected(
                f"unknown assignment_id {assignment_id!r}: it has no assessment instructions"
            )
        scale_grades = PLATFORM_GRADE_SCALES[instructions.grade_scale]
        if grade not in scale_grades:
            raise AdminRejected(
                f"grade {grade!r} is not on the assignment's scale {instructions.grade_scale} "
                f"({', '.join(scale_grades)})"
            )
        return instructions

    def anchors_for(self, assignment_id: str) -> list[RegisteredAnchor]:
        """Every anchor of the assignment, on any scale, by id."""
        return [a for a in self._anchors.values() if a.assignment_id == assignment_id]
