"""Each number the reports print — report.md, report.html, the terminal summary — is the
artefact's stored figure (issue 14 item 2: one report once printed two different τ)."""

from __future__ import annotations

import io
from collections.abc import Callable
from itertools import combinations
from typing import Any

from rich.console import Console

from eng5_np.report.render import render_reports
from eng5_np.report.summary import render_headline
from printed_figures import (
    assert_anchor_table_equals_stored,
    assert_printed_equal_stored,
    html_rows,
    markdown_rows,
    terminal_rows,
)

ArtefactFactory = Callable[..., dict[str, Any]]

# Nine anchors, lowest first; every pair judged both ways round. Swapping a5/a7 leaves a5, a6
# and a7 with the same record, so their θ agree up to the fit's rounding (2.093666710147047 vs
# …0476): the tie rule decides. Before the figures were stored, the report's own check of
# this data printed τ 0.930 while its alignment section printed 0.899.
GRADES = ("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A")
ANCHORS = {f"a{i}": grade for i, grade in enumerate(GRADES)}


def _comparisons() -> list[tuple[str, str, str]]:
    ids = list(ANCHORS)
    triples = []
    for low, high in combinations(ids, 2):
        # The higher grade wins, except in two swapped pairs.
        swapped = (low, high) in {("a1", "a2"), ("a5", "a7")}
        winner = low if swapped else high
        triples.append((low, high, winner))
        triples.append((high, low, winner))
    return triples


def test_every_printed_figure_is_the_stored_one(build_artefact: ArtefactFactory) -> None:
    document = build_artefact(
        _comparisons(), anchors=ANCHORS, mode="anchor-align", runner_summary=True
    )
    markdown, page = render_reports(document)
    terminal = io.StringIO()
    # As the CLI's console (soft_wrap=True): the summary must still read at 80 columns.
    render_headline(Console(file=terminal, width=80, soft_wrap=True), document)
    assert max(len(line) for line in terminal.getvalue().splitlines()) <= 80

    checked = assert_printed_equal_stored(
        document,
        markdown=markdown_rows(markdown),
        html=html_rows(page),
        terminal=terminal_rows(terminal.getvalue()),
    )
    assert checked >= 20
    assert_anchor_table_equals_stored(document, markdown_rows(markdown))
    assert_anchor_table_equals_stored(document, html_rows(page))
    assert document["alignment"]["inversions"]  # the case has inversions to count


def test_a_changed_stored_figure_changes_every_print(build_artefact: ArtefactFactory) -> None:
    # The reports read the stored τ; nothing recomputes it from the comparisons.
    document = build_artefact(
        _comparisons(), anchors=ANCHORS, mode="anchor-align", runner_summary=True
    )
    document["alignment"]["kendall_tau_b"] = 0.123
    document["alignment"]["tau_ci95"] = [0.011, 0.222]
    markdown, page = render_reports(document)
    for text in (markdown, page):
        assert "0.123 [0.011, 0.222]" in text
    assert_printed_equal_stored(document, markdown=markdown_rows(markdown))


def test_an_artefact_without_the_figures_says_not_recorded(
    build_artefact: ArtefactFactory,
) -> None:
    document = build_artefact(_comparisons(), anchors=ANCHORS, mode="anchor-align", analysed=False)
    markdown, _ = render_reports(document)
    headline = markdown.split("## Headline figures")[1].split("\n## ")[0]
    assert "not recorded" in headline
    values = [row[1] for row in markdown_rows(headline)[1:]]
    # No figure computed behind the reader's back: every value says it is not there.
    assert all("not recorded" in value or value == "—" for value in values), values
