"""How the reference CJ service reads a request: guest vs assignment (SPEC §11.1, §11.3, §11.4).

Texts come from a dict standing in for the Content Service (the service reads them through
the ``TextSource`` protocol); the Content Service itself is exercised in test_cj_service.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from eng5_np.contracts import ELSCJAssessmentRequestV1
from eng5_np.localstack.admin_store import AdminStore, ContextOrigin
from eng5_np.localstack.cj_intake import PreparedBatch, prepare_batch
from eng5_np.localstack.cj_results import AssessmentFailure
from eng5_np.localstack.content_client import ContentUnavailable
from eng5_np.reference.grades import get_scale

LEGACY = get_scale("eng5_np_legacy_9_step")
TEXTS = {
    "s1": "First student essay.",
    "s2": "Second student essay.",
    "s3": "An essay the runner sent with an anchor-looking id.",
    "ref-prompt": "The prompt the runner referenced.",
    "asg-prompt": "The prompt stored with the assignment.",
    "anc-b": "The grade B anchor text.",
    "anc-e": "The grade E- anchor text.",
    "anc-national": "An anchor registered on another scale.",
}
ANCHOR_ID = re.compile(r"ANCHOR_(\d+)_[0-9a-f]{8}")


class DictTexts:
    """Texts by storage id; an unknown id is unavailable, like a 404."""

    async def fetch(self, storage_id: str) -> str:
        if storage_id not in TEXTS:
            raise ContentUnavailable(f"storage id {storage_id}: HTTP 404")
        return TEXTS[storage_id]


def request(
    essays: dict[str, str], *, assignment_id: str | None = None, **overrides: str
) -> ELSCJAssessmentRequestV1:
    data: dict[str, Any] = {
        "entity_id": "3f0c9a52-6d1e-4b7a-9c2f-5a8e1d4b7c01",
        "entity_type": "batch",
        "timestamp": "2026-01-15T10:00:00+00:00",
        "system_metadata": {
            "entity_id": "3f0c9a52-6d1e-4b7a-9c2f-5a8e1d4b7c01",
            "entity_type": "batch",
            "timestamp": "2026-01-15T10:00:00+00:00",
            "processing_stage": "pending",
        },
        "essays_for_cj": [
            {"essay_id": essay_id, "text_storage_id": storage_id, "spellcheck_metrics": None}
            for essay_id, storage_id in essays.items()
        ],
        "language": "en",
        "course_code": "ENG5",
        "student_prompt_ref": {
            "references": {"student_prompt_text": {"storage_id": "ref-prompt", "path": "prompt.md"}}
        },
        "llm_config_overrides": overrides or None,
        "assignment_id": assignment_id,
        "user_id": "eng5_np_research_runner",
    }
    return ELSCJAssessmentRequestV1.model_validate(data)


def store_with_assignment(context_origin: ContextOrigin = "research_experiment") -> AdminStore:
    store = AdminStore()
    store.upsert_instructions(
        assignment_id="eng5-demo",
        course_id=None,
        instructions_text="Judge content, structure and language.",
        grade_scale="eng5_np_national_9_step",
        context_origin="research_experiment",
        student_prompt_storage_id="asg-prompt",
    )
    # An anchor on the national scale, then the assignment moves to the legacy scale.
    store.register_anchor(
        assignment_id="eng5-demo", grade="3", anchor_label="n", text_storage_id="anc-national"
    )
    store.upsert_instructions(
        assignment_id="eng5-demo",
        course_id=None,
        instructions_text="Judge content, structure and language.",
        grade_scale="eng5_np_legacy_9_step",
        context_origin=context_origin,
        student_prompt_storage_id="asg-prompt",
        judge_rubric_text="The assignment's rubric.",
    )
    store.register_anchor(
        assignment_id="eng5-demo", grade="B", anchor_label="b", text_storage_id="anc-b"
    )
    store.register_anchor(
        assignment_id="eng5-demo", grade="E-", anchor_label="e", text_storage_id="anc-e"
    )
    return store


async def prepare(req: ELSCJAssessmentRequestV1, store: AdminStore | None = None) -> PreparedBatch:
    return await prepare_batch(
        req, texts=DictTexts(), assignments=store or AdminStore(), default_scale=LEGACY
    )


async def test_a_guest_batch_ranks_exactly_what_was_sent_with_no_anchors() -> None:
    prepared = await prepare(
        request(
            {"anchor_c_plus-6fb50c": "s1", "s2": "s2"},
            system_prompt_override="Be terse.",
            judge_rubric_override="My rubric.",
        ),
        store_with_assignment(),  # assignments exist, but a guest batch uses none
    )
    assert prepared.kind == "guest"
    assert list(prepared.essays) == ["anchor_c_plus-6fb50c", "s2"]
    assert all(essay.anchor_position is None for essay in prepared.essays.values())
    assert prepared.anchor_grades == {}
    assert not prepared.projects_grades
    context = prepared.judge_context
    assert context.student_prompt == TEXTS["ref-prompt"]
    assert context.instructions is None
    assert (context.rubric, context.system_prompt) == ("My rubric.", "Be terse.")
    assert context.overrides is not None
    assert context.overrides.system_prompt_override == "Be terse."


async def test_an_assignment_batch_adds_its_anchors_and_uses_its_prompt() -> None:
    store = store_with_assignment()
    prepared = await prepare(
        request({"s1": "s1", "ANCHOR_1_deadbeef": "s3"}, assignment_id="eng5-demo"), store
    )
    assert prepared.kind == "assignment"
    sent, added = list(prepared.essays)[:2], list(prepared.essays)[2:]
    assert sent == ["s1", "ANCHOR_1_deadbeef"]
    # The runner's own essay is a student whatever its id; only CJ's anchors are anchors.
    assert prepared.essays["ANCHOR_1_deadbeef"].anchor_position is None
    assert "ANCHOR_1_deadbeef" not in prepared.anchor_grades
    registered = {a.id: a for a in store.anchors_for("eng5-demo")}
    assert len(added) == 2  # the national-scale anchor is not on the assignment's scale
    for wire_id in added:
        match = ANCHOR_ID.fullmatch(wire_id)
        assert match is not None
        anchor = registered[int(match.group(1))]
        assert prepared.registered_anchor_ids[wire_id] == anchor.id
        assert prepared.anchor_grades[wire_id] == anchor.grade
        assert prepared.essays[wire_id].text == TEXTS[anchor.text_storage_id]
        assert prepared.essays[wire_id].anchor_position == LEGACY.position(anchor.grade)
    assert prepared.projects_grades
    context = prepared.judge_context
    assert context.student_prompt == TEXTS["asg-prompt"]  # student_prompt_ref is ignored
    assert context.instructions == "Judge content, structure and language."
    assert context.rubric == "The assignment's rubric."
    assert context.system_prompt is None

    overridden = await prepare(
        request({"s1": "s1", "s2": "s2"}, assignment_id="eng5-demo", judge_rubric_override="Mine."),
        store,
    )
    assert overridden.judge_context.rubric == "Mine."
    # A new batch, new anchor ids for the same anchors.
    assert set(overridden.anchor_grades).isdisjoint(prepared.anchor_grades)


async def test_national_scale_assignments_are_not_projected() -> None:
    store = AdminStore()
    store.upsert_instructions(
        assignment_id="nat",
        course_id=None,
        instructions_text="Judge content, structure and language.",
        grade_scale="eng5_np_national_9_step",
    )
    store.register_anchor(
        assignment_id="nat", grade="7", anchor_label=None, text_storage_id="anc-b"
    )
    prepared = await prepare(request({"s1": "s1"}, assignment_id="nat"), store)
    assert list(prepared.anchor_grades.values()) == ["7"]
    assert not prepared.projects_grades  # "7" cannot travel as a platform letter grade
    assert prepared.judge_context.student_prompt == ""  # the assignment has no prompt


@pytest.mark.parametrize(
    ("req", "store", "code", "message"),
    [
        (
            request({"s1": "s1", "s2": "s2"}, assignment_id="ghost"),
            store_with_assignment(),
            "UNKNOWN_ASSIGNMENT",
            "Unknown assignment_id 'ghost': missing assessment_instructions",
        ),
        (
            request({"s1": "s1", "s2": "s2"}, assignment_id="eng5-demo", judge_rubric_override="R"),
            store_with_assignment("canonical_national"),
            "RUBRIC_OVERRIDE_REFUSED",
            "assignment 'eng5-demo' is canonical_national: its rubric cannot be overridden",
        ),
        (
            request({"s1": "s1"}),
            AdminStore(),
            "TOO_FEW_ESSAYS",
            "at least two essays are needed",
        ),
        (
            request({"s1": "s1", "s2": "missing"}),
            AdminStore(),
            "CONTENT_FETCH_FAILED",
            "storage id missing: HTTP 404",
        ),
    ],
    ids=["unknown-assignment", "rubric-on-canonical", "one-essay", "missing-text"],
)
async def test_requests_that_cannot_run_fail_with_the_reason(
    req: ELSCJAssessmentRequestV1, store: AdminStore, code: str, message: str
) -> None:
    with pytest.raises(AssessmentFailure) as caught:
        await prepare(req, store)
    assert (caught.value.code, caught.value.message) == (code, message)


async def test_assignments_without_anchors_or_on_an_unassessable_scale_fail() -> None:
    store = AdminStore()
    for assignment_id, scale in (("empty", "eng5_np_legacy_9_step"), ("sv", "swedish_8_anchor")):
        store.upsert_instructions(
            assignment_id=assignment_id,
            course_id=None,
            instructions_text="Judge content, structure and language.",
            grade_scale=scale,
        )
    with pytest.raises(AssessmentFailure, match="NO_ANCHORS_REGISTERED"):
        await prepare(request({"s1": "s1", "s2": "s2"}, assignment_id="empty"), store)
    with pytest.raises(AssessmentFailure, match="UNSUPPORTED_GRADE_SCALE"):
        await prepare(request({"s1": "s1", "s2": "s2"}, assignment_id="sv"), store)
