"""report.md and report.html from hand-built artefacts: content, escaping, self-containment."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eng5_np.errors import UsageError
from eng5_np.report.render import load_artefact, render_reports, write_reports
from eng5_np.report.wording import SIMULATED_BANNER

ArtefactFactory = Callable[..., dict[str, Any]]

HOSTILE = "<script>alert(1)</script>"
ANCHORS = {"anchor_low": "E-", "anchor_high": "B"}
STUDENTS = ["student_one", HOSTILE]
TRIPLES = [
    ("anchor_low", "anchor_high", "anchor_high"),
    ("student_one", "anchor_low", "student_one"),
    ("anchor_high", "student_one", "anchor_high"),
    (HOSTILE, "anchor_low", HOSTILE),
    ("anchor_high", HOSTILE, "anchor_high"),
    (HOSTILE, "student_one", "student_one"),
    ("student_one", HOSTILE, None, "LLM_PROVIDER_TIMEOUT"),
]


def _summary() -> list[dict[str, Any]]:
    rows = [("anchor_high", 2.0, True), ("student_one", 0.5, False), (HOSTILE, -0.5, False)]
    rows.append(("anchor_low", -2.0, True))
    return [
        {
            "essay_id": essay_id,
            "theta": theta,
            "runner_theta": theta / 2,
            "standard_error": 0.9,
            "rank": rank,
            "comparison_count": 3,
            "is_anchor": is_anchor,
            **({"anchor_grade": ANCHORS[essay_id]} if is_anchor else {"grade_projection": "C+"}),
        }
        for rank, (essay_id, theta, is_anchor) in enumerate(rows, start=1)
    ]


def _projections() -> list[dict[str, Any]]:
    return [
        {
            "essay_id": essay_id,
            "grade_scale": "eng5_np_legacy_9_step",
            "grade": "C+",
            "probabilities": {"C+": 0.6, "B": 0.3, "E-": 0.1},
            "probabilities_source": "runner",
        }
        for essay_id in STUDENTS
    ]


@pytest.fixture
def full_artefact(build_artefact: ArtefactFactory) -> dict[str, Any]:
    """A completed run with a result, a hostile essay id and one failed comparison."""
    return build_artefact(
        TRIPLES,
        anchors=ANCHORS,
        students=STUDENTS,
        bt_summary=_summary(),
        grade_projections=_projections(),
        stop_reason="result and completion",
    )


def test_html_is_self_contained_and_has_the_plot(full_artefact: dict[str, Any]) -> None:
    _, page = render_reports(full_artefact)
    lowered = page.lower()
    for forbidden in ("<script", "<link", "url(", "http://", "https://", "<img", "@import"):
        assert forbidden not in lowered, forbidden
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    # Four essays: four markers, anchors as squares labelled with their grade.
    assert svg.group(0).count("<circle") == 1 + 2  # legend + two students
    assert svg.group(0).count("<rect") == 1 + 2  # legend + two anchors
    assert ">B</text>" in svg.group(0)
    assert ">E-</text>" in svg.group(0)


def test_hostile_essay_id_is_escaped_in_both_reports(full_artefact: dict[str, Any]) -> None:
    markdown, page = render_reports(full_artefact)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_reports_show_metadata_costs_comparisons_scale_and_projections(
    full_artefact: dict[str, Any],
) -> None:
    markdown, page = render_reports(full_artefact)
    for text in (markdown, page):
        assert SIMULATED_BANNER.upper() in text.upper()
        assert "report-test" in text  # batch label
        assert "0b5e6a5c-8f55-4f39-9e0c-0d3b9a1c2e41" in text  # wire batch id
        assert "7 comparisons: 6 succeeded, 1 failed." in text
        assert "LLM_PROVIDER_TIMEOUT" in text
        assert "$0.0060" in text
        assert "anchor B" in text
        assert "C+ 0.60, B 0.30, E- 0.10" in text
        assert "runner" in text
        assert "max_comparisons" in text
        # Selected options only: addresses stay out of the report.
        assert "secret-host" not in text
        for gate in ("scale separation reliability", "comparisons per essay"):
            assert gate in text
        assert "WARN" in text  # 3 comparisons per essay is below the gate of 10
    # Service θ beside the runner's θ of the same fit as the SE.
    assert "| 1 | anchor_high | anchor B | +2.000 | +1.000 | 0.900 | 3 |  |" in markdown


def test_a_real_llm_run_has_no_simulated_banner(build_artefact: ArtefactFactory) -> None:
    markdown, page = render_reports(
        build_artefact(TRIPLES, anchors=ANCHORS, students=STUDENTS, judge="llm")
    )
    assert SIMULATED_BANNER not in markdown
    assert SIMULATED_BANNER not in page


def test_partial_and_failed_runs_say_so_prominently(build_artefact: ArtefactFactory) -> None:
    partial = build_artefact(
        TRIPLES,
        anchors=ANCHORS,
        students=STUDENTS,
        partial=True,
        stop_reason="no completion within 60 s",
    )
    markdown, page = render_reports(partial)
    assert "PARTIAL DATA: THE RUN DID NOT COMPLETE" in markdown
    assert '<div class="banner warning"><strong>Partial data' in page
    # No result: the scale shown is the runner's refit, and it says so.
    assert "no result from the CJ service" in markdown
    assert "<svg" in page

    failed = build_artefact(
        TRIPLES,
        anchors=ANCHORS,
        students=STUDENTS,
        partial=True,
        failed_reason="success rate below threshold",
    )
    markdown, page = render_reports(failed)
    first_lines = "\n".join(markdown.splitlines()[:6])
    assert "RUN FAILED" in first_lines
    assert "success rate below threshold" in first_lines
    assert '<div class="banner danger"><strong>Run failed' in page


def test_dry_run_report_says_there_is_nothing_to_analyse(build_artefact: ArtefactFactory) -> None:
    markdown, page = render_reports(build_artefact([], mode="dry-run", judge="none"))
    assert "NOTHING TO ANALYSE" in markdown
    assert "not computable: dry-run stub" in markdown
    assert "Nothing to analyse" in page
    assert "<svg" not in page


def test_write_reports_writes_both_next_to_the_artefact_and_leaves_it_alone(
    full_artefact: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "assessment_run.execute.json"
    path.write_text(json.dumps(full_artefact), encoding="utf-8")
    before = path.read_bytes()
    markdown_path, html_path = write_reports(path)
    assert (markdown_path, html_path) == (tmp_path / "report.md", tmp_path / "report.html")
    assert markdown_path.read_text(encoding="utf-8").startswith("# CJ run report: report-test")
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "assessment_run.execute.json",
        "report.html",
        "report.md",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{not json", "not a JSON artefact"),
        ("[1, 2]", "top level is not an object"),
        ('{"schema_version": "1.0.0"}', "does not match the artefact schema"),
    ],
)
def test_missing_or_invalid_artefact_is_a_usage_error_naming_the_file(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "assessment_run.execute.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        load_artefact(path)
    assert raised.value.exit_code == 2
    assert str(path) in raised.value.one_line()
    assert message in raised.value.one_line()
    assert "\n" not in raised.value.one_line()
