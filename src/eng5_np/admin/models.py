"""The CJ service's admin API bodies (SPEC §11.2), as the runner reads and writes them.

Receivers ignore fields they do not know (the platform adds fields over time); senders emit
exactly the spec's fields.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ContextOrigin(StrEnum):
    """Where an assignment's instructions come from (``canonical_national``: no rubric override)."""

    RESEARCH_EXPERIMENT = "research_experiment"
    CANONICAL_NATIONAL = "canonical_national"


class _Received(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AssessmentInstructions(_Received):
    """An assignment's assessment instructions as CJ stores them."""

    assignment_id: str | None = None
    course_id: str | None = None
    instructions_text: str
    grade_scale: str
    context_origin: str = ContextOrigin.RESEARCH_EXPERIMENT.value
    student_prompt_storage_id: str | None = None


class RegisteredAnchor(_Received):
    """One anchor registered for an assignment; CJ names it ``ANCHOR_<id>_<hex>`` in results."""

    id: int
    assignment_id: str | None = None
    anchor_label: str | None = None
    grade: str
    grade_scale: str | None = None
    text_storage_id: str | None = None


class AnchorList(_Received):
    """``GET /admin/v1/anchors/assignment/<id>``: the anchors of an assignment."""

    assignment_id: str
    grade_scale: str | None = None
    anchor_count: int = 0
    anchors: list[RegisteredAnchor] = Field(default_factory=list)
    anchor_count_total: int | None = None
    anchor_count_by_scale: dict[str, int] = Field(default_factory=dict)

    def on_scale(self, grade_scale: str) -> list[RegisteredAnchor]:
        """The anchors on ``grade_scale`` (an anchor without its own scale has the list's)."""
        return [
            anchor
            for anchor in self.anchors
            if (anchor.grade_scale or self.grade_scale) == grade_scale
        ]


class RegistrationReceipt(_Received):
    """``POST /api/v1/anchors/register`` → 201."""

    anchor_id: int | str
    storage_id: str | None = None
    status: str | None = None


class InstructionsUpsert(BaseModel):
    """``POST /admin/v1/assessment-instructions`` body for an assignment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assignment_id: str
    instructions_text: str = Field(min_length=10)
    grade_scale: str
    context_origin: ContextOrigin = ContextOrigin.RESEARCH_EXPERIMENT
    student_prompt_storage_id: str | None = None


class AnchorRegistration(BaseModel):
    """``POST /api/v1/anchors/register`` body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assignment_id: str
    grade: str
    anchor_label: str | None = None
    essay_text: str = Field(min_length=100)
