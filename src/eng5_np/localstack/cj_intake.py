"""What one CJ request asks the reference CJ service to compare (SPEC §11.1, §11.3, §11.4).

The 2026 platform reads a request in one of two ways, and so does the local stack:

- **guest** (``assignment_id`` null): exactly the essays sent are ranked, whatever their
  ids — an essay the runner calls an anchor is an ordinary essay here, and the simulated
  judge places every essay by its text heuristic alone. The prompt is the text behind
  ``student_prompt_ref`` (none: empty). No anchors, no grade projection.
- **assignment** (``assignment_id`` set): the assignment's assessment instructions are
  loaded (none → the batch fails at once with ``Unknown assignment_id '<id>':
  missing assessment_instructions``, the platform's words). ``student_prompt_ref`` is
  ignored: the prompt is the text behind the instructions' ``student_prompt_storage_id``.
  The assignment's registered anchors on its grade scale join the comparison under ids
  ``ANCHOR_<anchor id>_<8 hex>``, their texts fetched from the Content Service, and the
  judge places them at their grade's position. The essays sent are all students — also one
  whose id starts with ``ANCHOR_``: CJ only knows the anchors it added itself.

Local-stack choices where the platform leaves room: an assignment whose scale has no
registered anchors fails (``NO_ANCHORS_REGISTERED``) instead of being ranked without a
scale; ``swedish_8_anchor`` assignments fail (``UNSUPPORTED_GRADE_SCALE``: the runner has
no such scale to project on); a rubric override for a ``canonical_national`` assignment
fails (``RUBRIC_OVERRIDE_REFUSED``), as the platform refuses it. Grades are projected only
on scales whose grades the platform's result model can carry (letters ``A``–``F`` with
``+``/``-``): on ``eng5_np_national_9_step`` the students come back ``U`` too.

:class:`JudgeContext` is everything besides the two essays that CJ shows the judge.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from eng5_np.contracts import ELSCJAssessmentRequestV1, LLMConfigOverrides
from eng5_np.localstack.admin_store import AssessmentInstructions, RegisteredAnchor
from eng5_np.localstack.cj_results import AssessmentFailure
from eng5_np.localstack.content_client import ContentUnavailable
from eng5_np.localstack.judge_types import JudgeEssay
from eng5_np.reference.grades import GradeScale, GradeScaleName, get_scale

__all__ = [
    "ANCHOR_ID_PREFIX",
    "AssignmentSource",
    "JudgeContext",
    "PreparedBatch",
    "TextSource",
    "anchor_wire_id",
    "prepare_batch",
]

ANCHOR_ID_PREFIX: Final = "ANCHOR_"
FETCH_CONCURRENCY: Final = 10
_PLATFORM_LETTER_GRADE: Final = re.compile(r"[A-F][+-]?|U")
"""Letter grades the platform's result model accepts (SPEC §11.3)."""


class TextSource(Protocol):
    """Where texts come from: the Content Service by storage id."""

    async def fetch(self, storage_id: str) -> str:
        """The UTF-8 text stored under ``storage_id``; :class:`ContentUnavailable` if none."""
        ...


class AssignmentSource(Protocol):
    """The CJ service's database: instructions and registered anchors per assignment."""

    def instructions_for(self, assignment_id: str) -> AssessmentInstructions | None:
        """The assignment's instructions, or None."""
        ...

    def anchors_for(self, assignment_id: str) -> list[RegisteredAnchor]:
        """The assignment's anchors on every scale."""
        ...


@dataclass(frozen=True)
class JudgeContext:
    """What CJ shows the judge besides Essay A and Essay B (SPEC §11.4)."""

    student_prompt: str
    """The student assignment text ("" when the request gives none)."""
    instructions: str | None
    """The assessment instructions (assignment batches only)."""
    rubric: str | None
    """``judge_rubric_override`` when sent, else the assignment's rubric, else None."""
    system_prompt: str | None
    """``system_prompt_override`` when sent; None = the service's own."""
    overrides: LLMConfigOverrides | None
    """The request's LLM overrides as sent (model, temperature, reasoning hints, …)."""


@dataclass(frozen=True)
class PreparedBatch:
    """The essays of one batch as the service will compare and report them."""

    kind: Literal["guest", "assignment"]
    essays: dict[str, JudgeEssay]
    """Every essay compared, by wire id: the essays sent, then any anchors CJ added."""
    anchor_grades: dict[str, str]
    """``ANCHOR_…`` id → the registered grade (assignment batches)."""
    registered_anchor_ids: dict[str, int]
    """``ANCHOR_…`` id → the anchor's id in the admin API."""
    scale: GradeScale
    """The scale the judge places anchors on (guest: the service's default)."""
    projects_grades: bool
    """Whether students get projected grades (else ``U``)."""
    judge_context: JudgeContext


def anchor_wire_id(anchor_id: int) -> str:
    """``ANCHOR_<id>_<8 hex>``: a new id each batch, as the platform makes them."""
    return f"{ANCHOR_ID_PREFIX}{anchor_id}_{secrets.token_hex(4)}"


async def _fetch_all(source: TextSource, storage_ids: Sequence[str]) -> list[str]:
    semaphore = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def fetch(storage_id: str) -> str:
        async with semaphore:
            return await source.fetch(storage_id)

    try:
        return list(await asyncio.gather(*(fetch(storage_id) for storage_id in storage_ids)))
    except ContentUnavailable as error:
        raise AssessmentFailure("CONTENT_FETCH_FAILED", str(error)) from error


def _platform_can_carry(scale: GradeScale) -> bool:
    return all(
        _PLATFORM_LETTER_GRADE.fullmatch(grade) for grade in (*scale.grades, scale.below_lowest)
    )


async def prepare_batch(
    request: ELSCJAssessmentRequestV1,
    *,
    texts: TextSource,
    assignments: AssignmentSource,
    default_scale: GradeScale,
) -> PreparedBatch:
    """Guest or assignment batch, texts fetched; :class:`AssessmentFailure` when it cannot run."""
    sent_ids = [essay.essay_id for essay in request.essays_for_cj]
    if len(set(sent_ids)) != len(sent_ids):
        raise AssessmentFailure("DUPLICATE_ESSAY_IDS", "the request lists an essay twice")
    if request.assignment_id is None:
        prepared = await _guest(request, texts, default_scale)
    else:
        prepared = await _assignment(request, request.assignment_id, texts, assignments)
    if len(prepared.essays) < 2:
        raise AssessmentFailure("TOO_FEW_ESSAYS", "at least two essays are needed")
    return prepared


async def _guest(
    request: ELSCJAssessmentRequestV1, texts: TextSource, default_scale: GradeScale
) -> PreparedBatch:
    storage_ids = [essay.text_storage_id for essay in request.essays_for_cj]
    if request.student_prompt_ref is not None:
        storage_ids.append(request.student_prompt_ref.storage_id)
    fetched = await _fetch_all(texts, storage_ids)
    prompt = fetched.pop() if request.student_prompt_ref is not None else ""
    overrides = request.llm_config_overrides
    return PreparedBatch(
        kind="guest",
        essays={
            essay.essay_id: JudgeEssay(essay.essay_id, text)
            for essay, text in zip(request.essays_for_cj, fetched, strict=True)
        },
        anchor_grades={},
        registered_anchor_ids={},
        scale=default_scale,
        projects_grades=False,
        judge_context=JudgeContext(
            student_prompt=prompt,
            instructions=None,
            rubric=overrides.judge_rubric_override if overrides else None,
            system_prompt=overrides.system_prompt_override if overrides else None,
            overrides=overrides,
        ),
    )


def _assignment_scale(instructions: AssessmentInstructions) -> GradeScale:
    if instructions.grade_scale not in {name.value for name in GradeScaleName}:
        raise AssessmentFailure(
            "UNSUPPORTED_GRADE_SCALE",
            f"assignment {instructions.assignment_id!r} uses grade scale "
            f"{instructions.grade_scale}, which the local stack cannot assess on",
        )
    return get_scale(instructions.grade_scale)


async def _assignment(
    request: ELSCJAssessmentRequestV1,
    assignment_id: str,
    texts: TextSource,
    assignments: AssignmentSource,
) -> PreparedBatch:
    instructions = assignments.instructions_for(assignment_id)
    if instructions is None:
        raise AssessmentFailure(
            "UNKNOWN_ASSIGNMENT",
            f"Unknown assignment_id '{assignment_id}': missing assessment_instructions",
        )
    scale = _assignment_scale(instructions)
    overrides = request.llm_config_overrides
    rubric_override = overrides.judge_rubric_override if overrides else None
    if rubric_override is not None and instructions.context_origin == "canonical_national":
        raise AssessmentFailure(
            "RUBRIC_OVERRIDE_REFUSED",
            f"assignment '{assignment_id}' is canonical_national: its rubric cannot be overridden",
        )
    anchors = [
        anchor
        for anchor in assignments.anchors_for(assignment_id)
        if anchor.grade_scale == instructions.grade_scale
    ]
    if not anchors:
        raise AssessmentFailure(
            "NO_ANCHORS_REGISTERED",
            f"assignment '{assignment_id}' has no registered anchors on {scale.name.value}",
        )
    storage_ids = [essay.text_storage_id for essay in request.essays_for_cj]
    storage_ids += [anchor.text_storage_id for anchor in anchors]
    if instructions.student_prompt_storage_id is not None:
        storage_ids.append(instructions.student_prompt_storage_id)
    fetched = await _fetch_all(texts, storage_ids)
    prompt = fetched.pop() if instructions.student_prompt_storage_id is not None else ""
    sent = len(request.essays_for_cj)
    essays = {
        essay.essay_id: JudgeEssay(essay.essay_id, text)
        for essay, text in zip(request.essays_for_cj, fetched[:sent], strict=True)
    }
    anchor_grades: dict[str, str] = {}
    registered: dict[str, int] = {}
    for anchor, text in zip(anchors, fetched[sent:], strict=True):
        wire_id = anchor_wire_id(anchor.id)
        while wire_id in essays:  # a sent essay may not be shadowed, however unlikely
            wire_id = anchor_wire_id(anchor.id)
        essays[wire_id] = JudgeEssay(wire_id, text, anchor_position=scale.position(anchor.grade))
        anchor_grades[wire_id] = scale.normalise(anchor.grade)
        registered[wire_id] = anchor.id
    return PreparedBatch(
        kind="assignment",
        essays=essays,
        anchor_grades=anchor_grades,
        registered_anchor_ids=registered,
        scale=scale,
        projects_grades=_platform_can_carry(scale),
        judge_context=JudgeContext(
            student_prompt=prompt,
            instructions=instructions.instructions_text,
            rubric=rubric_override or instructions.judge_rubric_text,
            system_prompt=overrides.system_prompt_override if overrides else None,
            overrides=overrides,
        ),
    )
