"""The analysis of a batch whose rich result never came (issue 14): the runner's fit alone,
``theta`` null, ranks by the runner's θ, the platform's ``ANCHOR_<id>_`` anchors resolved
through the assignment, every student projected; the blocks validate against the schema."""

from __future__ import annotations

import itertools
from typing import Any

from eng5_np.artefact.analysis import analyse_run
from eng5_np.artefact.essays import EssayDirectory, EssayInfo
from eng5_np.artefact.schema import validation_errors
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName

SCALE = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
ANCHORS = {"ANCHOR_1_aa11": "A", "ANCHOR_2_bb22": "C+", "ANCHOR_3_cc33": "F+"}
STUDENTS = ("essay-s1", "essay-s2", "essay-s3")
NEVER_COMPARED = "essay-s4"


def _record(a: str, b: str, winner: str) -> dict[str, Any]:
    return {
        "essay_a_id": a,
        "essay_b_id": b,
        "winner_id": winner,
        "loser_id": b if winner == a else a,
        "status": "succeeded",
    }


def _comparisons() -> list[dict[str, Any]]:
    # Quality order: A anchor > s1 > C+ anchor > s2 > s3 > F+ anchor; each pair twice, the
    # better essay winning one of every three so that no essay wins or loses everything.
    order = ["ANCHOR_1_aa11", "essay-s1", "ANCHOR_2_bb22", "essay-s2", "essay-s3", "ANCHOR_3_cc33"]
    records = []
    for (i, a), (j, b) in itertools.combinations(enumerate(order), 2):
        better = a if i < j else b
        worse = b if better == a else a
        records += [_record(a, b, better), _record(b, a, better), _record(a, b, worse)]
        records.append(_record(b, a, better))
    for sequence, record in enumerate(records, start=1):
        record["sequence"] = sequence  # as every artefact record has one
    return records


def test_the_runner_alone_fills_bt_summary_and_projects_every_student() -> None:
    directory = EssayDirectory(
        essays={s: EssayInfo(s, False) for s in (*STUDENTS, NEVER_COMPARED)},
        platform_anchors={
            int(essay_id.split("_")[1]): EssayInfo(f"anchor {grade}", True, grade)
            for essay_id, grade in ANCHORS.items()
        },
    )
    analysis = analyse_run(
        None,
        _comparisons(),
        directory,
        SCALE,
        service_grades=True,  # an assignment run on a letter scale: still the runner's grades
        result_never_came=[*STUDENTS, NEVER_COMPARED],
    )
    assert analysis.block["errors"] == []
    summary = analysis.bt_summary
    assert [e["essay_id"] for e in summary] == [
        "ANCHOR_1_aa11", "essay-s1", "ANCHOR_2_bb22", "essay-s2", "essay-s3", "ANCHOR_3_cc33",
        NEVER_COMPARED,
    ]  # fmt: skip
    assert [e["rank"] for e in summary] == list(range(1, 8))
    assert all(e["theta"] is None for e in summary)
    assert {e["essay_id"]: e.get("anchor_grade") for e in summary if e["is_anchor"]} == ANCHORS
    last = summary[-1]
    assert last["comparison_count"] == 0
    assert last["runner_theta"] is None
    projected = {p["essay_id"]: p for p in analysis.grade_projections}
    assert set(projected) == set(STUDENTS)  # the uncompared essay cannot be projected
    assert {p["grade_source"] for p in projected.values()} == {"runner"}
    assert {p["probabilities_source"] for p in projected.values()} == {"runner"}
    for entry in summary:
        assert validation_errors(entry, "bt_entry") == [], entry
    for block in analysis.grade_projections:
        assert validation_errors(block, "grade_projection") == [], block
    assert analysis.block["scale_separation_reliability"] is not None


def test_without_the_flag_a_missing_result_still_means_no_bt_summary() -> None:
    analysis = analyse_run(None, _comparisons(), EssayDirectory(), SCALE, service_grades=False)
    assert analysis.bt_summary == []
    assert "sent no result" in analysis.block["reasons"][0]
