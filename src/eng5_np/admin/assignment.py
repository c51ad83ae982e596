"""Assignment runs (SPEC §11.1–§11.3): preflight, setting an assignment up, registering anchors.

An *assignment* batch makes CJ load the assignment's instructions and registered anchors from its
database; a batch whose assignment has no instructions fails at once on the platform. So before
anything is uploaded the runner reads the assignment back and refuses (exit 2, with the fix)
when it cannot serve this run. The admin writes (``assignment setup``, ``anchors register``) are
each read back: a write the platform acknowledged but did not store is reported, never assumed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from eng5_np.admin.client import CJAdminClient
from eng5_np.admin.models import (
    AnchorList,
    AnchorRegistration,
    AssessmentInstructions,
    ContextOrigin,
    InstructionsUpsert,
    RegisteredAnchor,
)
from eng5_np.dataset.inventory import EssayFile
from eng5_np.errors import AdminWriteNotStored, AssignmentAnswered500, AssignmentNotReady
from eng5_np.reference.grades import GradeScaleName

T = TypeVar("T")
NUMERIC_GRADE_SCALES = frozenset({GradeScaleName.NATIONAL_9_STEP.value})
"""Scales whose grades the platform's result model cannot carry (SPEC §11.3)."""


@dataclass(frozen=True)
class AssignmentContext:
    """What the preflight learned about an assignment, for the request and the artefact."""

    assignment_id: str
    instructions: AssessmentInstructions
    anchors: tuple[RegisteredAnchor, ...]
    """The registered anchors on the run's grade scale."""
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """The artefact's ``metadata.assignment`` block (texts by checksum-free summary)."""
        return {
            "assignment_id": self.assignment_id,
            "grade_scale": self.instructions.grade_scale,
            "context_origin": self.instructions.context_origin,
            "student_prompt_storage_id": self.instructions.student_prompt_storage_id,
            "registered_anchors": [
                {
                    "anchor_id": anchor.id,
                    "anchor_label": anchor.anchor_label,
                    "grade": anchor.grade,
                    "text_storage_id": anchor.text_storage_id,
                }
                for anchor in self.anchors
            ],
        }


async def assignment_preflight(
    client: CJAdminClient,
    assignment_id: str,
    grade_scale: GradeScaleName,
    *,
    rubric_override: bool,
) -> AssignmentContext:
    """Read the assignment back and refuse, with the fix, when it cannot serve this run."""
    setup = f"eng5-runner assignment setup --assignment-id {assignment_id}"
    register = f"eng5-runner anchors register --assignment-id {assignment_id}"
    instructions = await client.get_instructions(assignment_id)
    if instructions is None:
        raise AssignmentNotReady(
            f"assignment {assignment_id!r} has no assessment instructions on the CJ service "
            "(the platform would fail the batch at once)",
            advice=f"Run `{setup}` first, or leave out --assignment-id for a guest run.",
        )
    if instructions.grade_scale != grade_scale.value:
        raise AssignmentNotReady(
            f"assignment {assignment_id!r} uses grade scale {instructions.grade_scale}, the run "
            f"{grade_scale.value}",
            advice=f"Pass --grade-scale {instructions.grade_scale}, or run `{setup} "
            f"--grade-scale {grade_scale.value}` to change the assignment.",
        )
    if rubric_override and instructions.context_origin == ContextOrigin.CANONICAL_NATIONAL:
        raise AssignmentNotReady(
            f"assignment {assignment_id!r} is canonical_national: the platform refuses a rubric "
            "override for it",
            advice="Drop --rubric, or use a research_experiment assignment.",
        )
    listing: AnchorList | None = await client.list_anchors(assignment_id)
    anchors = tuple(listing.on_scale(grade_scale.value)) if listing is not None else ()
    if not anchors:
        raise AssignmentNotReady(
            f"assignment {assignment_id!r} has no anchors registered on {grade_scale.value}",
            advice=f"Run `{register}` to register the dataset's anchors.",
        )
    warnings: list[str] = []
    if grade_scale.value in NUMERIC_GRADE_SCALES:
        warnings.append(
            f"the platform's results cannot carry the numeric grades of {grade_scale.value}; "
            "the runner projects every student's grade itself from the anchors' θ"
        )
    return AssignmentContext(assignment_id, instructions, anchors, tuple(warnings))


async def setup_assignment(
    client: CJAdminClient,
    *,
    assignment_id: str,
    instructions_text: str,
    grade_scale: GradeScaleName,
    context_origin: ContextOrigin,
    student_prompt_storage_id: str | None,
) -> AssessmentInstructions:
    """Upsert the assignment's instructions and read them back; raise if they did not stick."""
    body = InstructionsUpsert(
        assignment_id=assignment_id,
        instructions_text=instructions_text,
        grade_scale=grade_scale.value,
        context_origin=context_origin,
        student_prompt_storage_id=student_prompt_storage_id,
    )
    await client.upsert_instructions(body)
    stored = await _read_back(
        client.get_instructions(assignment_id), f"instructions of {assignment_id!r}"
    )
    differs = _differences(body, stored)
    if differs:
        raise AdminWriteNotStored(
            f"CJ acknowledged the instructions of {assignment_id!r} but reading them back "
            f"shows {differs}"
        )
    assert stored is not None  # _differences reports a missing read-back
    return stored


async def _read_back(reading: Awaitable[T], what: str) -> T:
    """A write's read-back; a 500 there means the write did not stick (on the measured
    platform a missing assignment answers 500, SPEC §11.6), not that the setup was skipped."""
    try:
        return await reading
    except AssignmentAnswered500:
        raise AdminWriteNotStored(
            f"CJ acknowledged the {what} but reading them back answers 500 — how the platform "
            "answers for an assignment it has no instructions for: the write did not stick"
        ) from None


def _normalised(value: str | None) -> str | None:
    """A text as the platform stores it: its models strip surrounding whitespace (SPEC §11.6)."""
    return value.strip() if value is not None else None


def _differences(body: InstructionsUpsert, stored: AssessmentInstructions | None) -> str:
    """Which fields the read-back shows other values for (names only, never the texts), or "".

    Each field is compared the way the platform normalises it: a stored text equal to the sent
    one but for surrounding whitespace is the write that stuck, not a difference.
    """
    if stored is None:
        return "no instructions at all"
    wrong = [
        name
        for name, sent, got in (
            ("instructions_text", body.instructions_text, stored.instructions_text),
            ("grade_scale", body.grade_scale, stored.grade_scale),
            ("context_origin", body.context_origin.value, stored.context_origin),
            (
                "student_prompt_storage_id",
                body.student_prompt_storage_id,
                stored.student_prompt_storage_id,
            ),
        )
        if _normalised(sent) != _normalised(got)
    ]
    return f"other values for {', '.join(wrong)}" if wrong else ""


async def register_anchors(
    client: CJAdminClient, assignment_id: str, anchors: Iterable[EssayFile]
) -> list[RegisteredAnchor]:
    """Register every anchor (label = display name) and read the list back.

    Raises :class:`AdminWriteNotStored` naming the anchors that the platform acknowledged but
    does not list with their grade afterwards.
    """
    wanted: dict[str, str] = {}
    for anchor in anchors:
        if anchor.grade is None:
            continue
        await client.register_anchor(
            AnchorRegistration(
                assignment_id=assignment_id,
                grade=anchor.grade,
                anchor_label=anchor.display_name,
                essay_text=anchor.text,
            )
        )
        wanted[anchor.display_name] = anchor.grade
    listing = await _read_back(
        client.list_anchors(assignment_id), f"anchor registration(s) of {assignment_id!r}"
    )
    stored = {
        _normalised(a.anchor_label): a for a in (listing.anchors if listing is not None else [])
    }
    missing = [
        label
        for label, grade in wanted.items()
        if _normalised(label) not in stored or stored[_normalised(label)].grade != grade
    ]
    if missing:
        raise AdminWriteNotStored(
            f"CJ acknowledged {len(wanted)} anchor registration(s) of {assignment_id!r}, but "
            f"{len(missing)} are not stored: {', '.join(missing)}"
        )
    return [stored[_normalised(label)] for label in wanted]
