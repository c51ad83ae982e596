"""Compare data (report/run_summary.py, report/compare_view.py) on hand-built artefacts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eng5_np.analysis.repeats import aggregate_repeats
from eng5_np.artefact.alignment import alignment_block
from eng5_np.errors import IncomparableRuns
from eng5_np.experiments.compare import compare_summaries
from eng5_np.report.compare_view import (
    BEST_MARK,
    TAU_ONE_RUN,
    TAU_REPEATS,
    check_comparable,
    compare_row,
    notes,
    results_table,
    settings_table,
)
from eng5_np.report.compare_view_differences import difference_notes, differences_table
from eng5_np.report.run_summary import summarise_run

ArtefactFactory = Callable[..., dict[str, Any]]
ANCHORS = {"anchor_a": "A", "anchor_c": "C+", "anchor_f": "F+"}
# A beats C beats F every time: a perfect order, anchor_f never wins.
ORDERED = [
    ("anchor_a", "anchor_c", "anchor_a"),
    ("anchor_c", "anchor_f", "anchor_c"),
    ("anchor_a", "anchor_f", "anchor_a"),
    ("anchor_c", "anchor_a", "anchor_a"),
    ("anchor_f", "anchor_c", "anchor_c"),
    ("s1", "anchor_c", "s1"),
    ("anchor_f", "s1", "s1"),
    ("s1", "anchor_a", "anchor_a"),
    ("anchor_c", "anchor_f", "anchor_f"),
]
# F beats A twice and C once: the order of the anchors is inverted.
INVERTED = [
    ("anchor_a", "anchor_f", "anchor_f"),
    ("anchor_f", "anchor_a", "anchor_f"),
    ("anchor_c", "anchor_f", "anchor_f"),
    ("anchor_a", "anchor_c", "anchor_c"),
    ("anchor_c", "anchor_a", "anchor_a"),
    ("s1", "anchor_c", "s1"),
    ("anchor_f", "s1", "s1"),
    ("s1", "anchor_a", "anchor_a"),
]


def _aligned(artefact: dict[str, Any]) -> dict[str, Any]:
    """The artefact with the alignment block the runner would have stored."""
    artefact["alignment"] = alignment_block(artefact)
    return artefact


def _summary(artefact: dict[str, Any], name: str) -> Any:
    return summarise_run(artefact, Path(name) / "assessment_run.execute.json")


def test_the_stored_figures_are_the_summary(build_artefact: ArtefactFactory) -> None:
    artefact = build_artefact(ORDERED, anchors=ANCHORS, students=["s1"])
    run = _summary(artefact, "ordered")
    assert run.tau == artefact["alignment"]["kendall_tau_b"] == pytest.approx(1.0)
    assert run.tau_source == "alignment block"
    assert run.inversions == 0
    assert run.comparisons == len(ORDERED)
    stored = artefact["validation"]["analysis"]
    assert run.essay_a_share == stored["position_bias"]["essay_a_win_share"]
    assert run.essay_a_share == pytest.approx(
        sum(1 for a, _, w in ORDERED if a == w) / len(ORDERED)
    )


def test_an_artefact_without_stored_figures_says_not_recorded_never_recomputes(
    build_artefact: ArtefactFactory,
) -> None:
    run = _summary(build_artefact(ORDERED, anchors=ANCHORS, students=["s1"], analysed=False), "old")
    assert (run.tau, run.tau_ci, run.inversions, run.never_won) == (None, None, None, None)
    assert run.tau_source == "not recorded"
    assert (run.ssr, run.split_half, run.essay_a_share, run.theta) == (None, None, None, {})
    assert run.comparisons == len(ORDERED)
    assert any("not recorded" in reason for reason in run.reasons)


def test_the_alignment_block_wins_with_its_interval_and_never_won_labels(
    build_artefact: ArtefactFactory,
) -> None:
    artefact = build_artefact(ORDERED, anchors=ANCHORS, students=["s1"])
    inversion = {
        "higher_grade_id": "anchor_a",
        "higher_grade": "A",
        "lower_grade_id": "anchor_c",
        "lower_grade": "C+",
        "theta_gap": 0.5,
        "direct": [],
    }
    artefact["alignment"].update(
        kendall_tau_b=0.82,
        tau_ci95=[0.61, 0.95],
        inversions=[inversion, inversion],
        never_won=["anchor_f"],
        reasons=[],
    )
    artefact["validation"]["analysis"] = {
        "scale_separation_reliability": 0.9,
        "split_half_reliability": None,
        "reasons": ["split-half: too few comparisons"],
        "errors": [],
    }
    run = _summary(artefact, "with-block")
    assert (run.tau, run.tau_ci, run.inversions) == (0.82, (0.61, 0.95), 2)
    # Estimate and bounds at one precision (issue 16: "0.944 [0.94, 1.00]" read as a tie).
    table = results_table(compare_summaries([("with-block", "with-block", [run])]))
    assert table.rows[0][table.headers.index(TAU_ONE_RUN)].startswith("0.820 [0.610, 0.950]")
    assert run.tau_source == "alignment block"
    assert run.never_won == ("anchor_f",)  # label from the file name, not the wire id
    assert (run.ssr, run.split_half) == (0.9, None)
    assert "split-half: too few comparisons" in run.reasons


def test_a_clear_difference_is_starred_and_differing_settings_found(
    build_artefact: ArtefactFactory,
) -> None:
    good = _aligned(build_artefact(ORDERED * 20, anchors=ANCHORS, students=["s1"]))
    bad = _aligned(build_artefact(INVERTED * 20, anchors=ANCHORS, students=["s1"]))
    bad["metadata"]["options"]["max_comparisons"] = 60
    runs = {"good": [_summary(good, "good")], "bad": [_summary(bad, "bad")]}
    comparison = compare_summaries([(name, name, group) for name, group in runs.items()])
    assert comparison.differing == ("budget",)
    assert settings_table(comparison).rows == (("1", "good", "40"), ("2", "bad", "60"))
    table = results_table(comparison)
    tau_column = table.headers.index(TAU_ONE_RUN)
    inversions_column = table.headers.index("inversions")
    assert table.rows[0][tau_column].startswith("1.000 [")  # the run's own interval
    assert table.rows[0][tau_column].endswith(BEST_MARK)
    assert BEST_MARK not in table.rows[1][tau_column]
    assert table.rows[0][table.headers.index(TAU_REPEATS)] == "—"  # not a repeats row
    assert table.rows[0][inversions_column] == f"0 {BEST_MARK}"  # a count, not a mean
    assert float(table.rows[1][inversions_column]) >= 1
    assert BEST_MARK not in "".join(table.rows[0][table.headers.index("cost USD") :][:1])
    differences = differences_table(comparison)
    assert differences.rows[0][2] == f"best {BEST_MARK}"
    report = comparison.differences
    assert report is not None
    verdict = report.verdict("tau_b")
    assert verdict is not None
    interval = verdict.differences[0].interval
    assert interval is not None
    assert interval[1] < 0  # the worse row minus the best, clearly below 0


def test_a_difference_within_the_noise_gets_no_star(build_artefact: ArtefactFactory) -> None:
    good = _aligned(build_artefact(ORDERED, anchors=ANCHORS, students=["s1"]))
    # One judgement the other way: C beats A once more, so A and C are nearly level.
    flipped = [*ORDERED[:3], ("anchor_c", "anchor_a", "anchor_c"), *ORDERED[4:]]
    bad = _aligned(build_artefact(flipped, anchors=ANCHORS, students=["s1"]))
    comparison = compare_summaries(
        [("good", "good", [_summary(good, "good")]), ("bad", "bad", [_summary(bad, "bad")])]
    )
    table = results_table(comparison)
    assert BEST_MARK not in "".join(cell for row in table.rows for cell in row)
    assert differences_table(comparison).rows[0][2] == "best (not detectably)"
    assert any("no detectable difference" in line for line in difference_notes(comparison))
    assert notes(comparison)  # the general notes are still there


def test_an_experiment_row_averages_and_takes_the_t_interval_across_repeats(
    build_artefact: ArtefactFactory,
) -> None:
    runs = [
        _summary(build_artefact(ORDERED, anchors=ANCHORS, students=["s1"]), "rep-01"),
        _summary(build_artefact(INVERTED, anchors=ANCHORS, students=["s1"]), "rep-02"),
    ]
    row = compare_row("exp", "exp", runs, aggregate_repeats(runs))
    taus = [run.tau for run in runs]
    assert row.tau == pytest.approx(sum(taus) / 2)
    assert row.tau_ci is not None
    assert row.tau_ci[0] < min(taus)
    assert row.tau_ci[1] >= max(taus)
    assert -1.0 <= row.tau_ci[0] <= row.tau_ci[1] <= 1.0  # clipped to what τ-b can be
    assert row.comparisons == len(ORDERED) + len(INVERTED)
    assert (row.runs, row.complete) == (2, 2)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("inventory_hash", "f" * 64, "different datasets"),
        ("grade_scale", "eng5_np_national_9_step", "grade scale"),
    ],
)
def test_runs_of_another_dataset_or_scale_are_refused(
    build_artefact: ArtefactFactory, field: str, value: str, words: str
) -> None:
    first = build_artefact(ORDERED, anchors=ANCHORS, students=["s1"])
    other = copy.deepcopy(first)
    other["metadata"][field] = value
    groups = [("a", [_summary(first, "a")]), ("b", [_summary(other, "b")])]
    with pytest.raises(IncomparableRuns, match=words) as caught:
        check_comparable(groups)
    assert caught.value.exit_code == 2
    assert "b/assessment_run.execute.json" in caught.value.one_line()


def test_reports_show_the_differences_and_label_single_run_intervals(
    build_artefact: ArtefactFactory,
) -> None:
    from eng5_np.report.experiment_render import render_compare_html, render_compare_markdown

    good = _aligned(build_artefact(ORDERED, anchors=ANCHORS, students=["s1"]))
    runs = [
        _summary(_aligned(build_artefact(ORDERED, anchors=ANCHORS, students=["s1"])), "rep-01"),
        _summary(_aligned(build_artefact(INVERTED, anchors=ANCHORS, students=["s1"])), "rep-02"),
    ]
    comparison = compare_summaries(
        [("single", "single", [_summary(good, "single")]), ("exp", "exp", runs)]
    )
    markdown = render_compare_markdown(comparison)
    assert "## Differences to the best row" in markdown
    assert "Δ τ-b to best [CI]" in markdown
    html = render_compare_html(comparison)
    assert "Kendall&#x27;s τ-b of single runs, each with its own 95% interval" in html
    assert "Mean Kendall&#x27;s τ-b of repeats, with the 95% t-interval across repeats" in html
    assert [row.tau_kind for row in comparison.rows] == ["one run", "repeats"]
