"""Rank stability across repeats matches essays by their identity in the dataset (issue 14).

Two essays with the same text share a checksum; matched by checksum, 24 essays gave 23 rows
and one essay's ranks were shown against the other's name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from eng5_np.analysis.repeats import aggregate_repeats
from eng5_np.report.run_summary import summarise_run

ArtefactFactory = Callable[..., dict[str, Any]]

ANCHORS = {"anchor_high": "B", "anchor_low": "E-"}
STUDENTS = ["student_best", "student_copy", "student_worst"]
# student_best beats everyone, student_worst loses to everyone: their ranks are 1 and 5.
TRIPLES = [
    ("student_best", "anchor_high", "student_best"),
    ("student_best", "anchor_low", "student_best"),
    ("student_best", "student_copy", "student_best"),
    ("student_best", "student_worst", "student_best"),
    ("anchor_high", "student_copy", "anchor_high"),
    ("anchor_high", "anchor_low", "anchor_high"),
    ("anchor_high", "student_worst", "anchor_high"),
    ("student_copy", "anchor_low", "student_copy"),
    ("student_copy", "student_worst", "student_copy"),
    ("anchor_low", "student_worst", "anchor_low"),
    ("anchor_low", "student_best", "student_best"),
    ("student_worst", "student_copy", "student_copy"),
]


def _repeat(build_artefact: ArtefactFactory) -> dict[str, Any]:
    artefact = build_artefact(TRIPLES, anchors=ANCHORS, students=STUDENTS)
    students = {s["essay_id"]: s for s in artefact["inputs"]["students"]}
    # The best and the worst essay were handed in with the same text (a copied essay).
    students["student_worst"]["checksum"] = students["student_best"]["checksum"]
    return artefact


def test_essays_with_the_same_text_keep_their_own_rows_and_ranks(
    build_artefact: ArtefactFactory, tmp_path: Path
) -> None:
    runs = [summarise_run(_repeat(build_artefact), tmp_path / f"r{i}.json") for i in (1, 2)]
    aggregate = aggregate_repeats(runs)
    rows = {row.label: row for row in aggregate.stability}
    assert len(aggregate.stability) == len(ANCHORS) + len(STUDENTS)
    assert rows["student_best"].ranks == (1.0, 1.0)
    assert rows["student_worst"].ranks == (5.0, 5.0)
    assert all(row.repeats_ranked == 2 for row in aggregate.stability)
