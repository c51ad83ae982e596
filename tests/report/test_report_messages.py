"""Wording a new user misread (issue 14, item 10), checked on hand-built artefacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from eng5_np.analysis import IntervalSettings
from eng5_np.artefact.alignment import alignment_block
from eng5_np.report.render import render_reports
from eng5_np.report.run_summary import summarise_run

ArtefactFactory = Callable[..., dict[str, Any]]

FAST = IntervalSettings(draws=500, seed=1)


def _same_grade_anchors(build_artefact: ArtefactFactory) -> dict[str, Any]:
    """Two anchors of one grade: there is no grade order, so τ-b is undefined."""
    triples = [
        ("a_one", "a_two", "a_one"),
        ("a_one", "s1", "a_one"),
        ("a_two", "s1", "s1"),
        ("s1", "a_two", "a_two"),
        ("a_two", "a_one", "a_one"),
        ("s1", "a_one", "s1"),
    ]
    document = build_artefact(triples, anchors={"a_one": "B", "a_two": "B"}, students=["s1"])
    document["schema_version"] = "1.1.0"
    return document


def test_inversions_are_a_dash_not_zero_when_tau_is_undefined(
    build_artefact: ArtefactFactory, tmp_path: Path
) -> None:
    without_block = _same_grade_anchors(build_artefact)
    with_block = _same_grade_anchors(build_artefact)
    with_block["alignment"] = alignment_block(with_block, FAST)
    assert with_block["alignment"]["kendall_tau_b"] is None

    markdown, page = render_reports(with_block)
    assert "| inversions | — |" in markdown
    assert "| inversions | 0 |" not in markdown
    assert "inversions met" not in markdown
    assert "inversions not computable" in page
    assert "| anchor inversions | — |" in markdown
    assert "anchor inversions (0)" not in page
    # Compare and the experiment report read the same figure from the run summary.
    for document in (with_block, without_block):
        summary = summarise_run(document, tmp_path / "run.json")
        assert summary.tau is None
        assert summary.inversions is None


def test_an_anchor_align_report_with_a_result_does_not_say_none_arrived(
    build_artefact: ArtefactFactory,
) -> None:
    triples = [("g_a", "g_b", "g_a"), ("g_b", "g_a", "g_a"), ("g_a", "g_b", "g_b")]
    summary = [
        {
            "essay_id": essay_id,
            "theta": theta,
            "standard_error": 0.9,
            "rank": rank,
            "comparison_count": 3,
            "is_anchor": True,
            "anchor_grade": grade,
        }
        for rank, (essay_id, theta, grade) in enumerate(
            [("g_a", 1.0, "A"), ("g_b", -1.0, "B")], start=1
        )
    ]
    document = build_artefact(
        triples, anchors={"g_a": "A", "g_b": "B"}, bt_summary=summary, mode="anchor-align"
    )
    document["inputs"]["students"] = []
    document["schema_version"] = "1.1.0"
    markdown, page = render_reports(document)
    for text in (markdown, page):
        assert "no result from the CJ service" not in text
        assert "an anchor-align run sends no students, so there is nothing to project" in text


def test_the_run_kind_line_of_a_guest_run_is_a_whole_sentence(
    build_artefact: ArtefactFactory,
) -> None:
    document = build_artefact([("a", "s", "a")], anchors={"a": "B"}, students=["s"])
    document["metadata"]["assignment_id"] = None
    markdown, _ = render_reports(document)
    (line,) = [line for line in markdown.splitlines() if line.startswith("| run kind |")]
    assert line.endswith("the runner projects the students' grades from the anchors |")
