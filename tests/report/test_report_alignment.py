"""The artefact's ``alignment`` block from a hand-built artefact: schema-valid, the shape the
experiments read, rendered first in an anchor-align report; and the schema's rule that only
an anchor-align run may have no students."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from eng5_np.analysis import IntervalSettings
from eng5_np.artefact.alignment import alignment_block
from eng5_np.artefact.schema import validation_errors
from eng5_np.report.render import render_reports

ArtefactFactory = Callable[..., dict[str, Any]]

FAST = IntervalSettings(draws=1000, seed=1)
ANCHORS = {"g_a": "A", "g_b": "B", "g_c": "C+", "g_e": "E-"}
# b beats a 3:1 (one inversion); every other pair follows the grades 3:1; e never wins a.
ORDER = ["g_a", "g_b", "g_c", "g_e"]


def _triples() -> list[tuple[str, str, str]]:
    triples: list[tuple[str, str, str]] = []
    for index, first in enumerate(ORDER):
        for second in ORDER[index + 1 :]:
            winners = [first, first, first, second]
            if (first, second) == ("g_a", "g_b"):
                winners = [first, second, second, second]
            triples.extend((first, second, winner) for winner in winners)
    return triples


@pytest.fixture
def artefact(build_artefact: ArtefactFactory) -> dict[str, Any]:
    document = build_artefact(_triples(), anchors=ANCHORS, mode="anchor-align")
    document["inputs"]["students"] = []
    document["schema_version"] = "1.1.0"
    return document


def test_the_block_is_schema_valid_and_has_the_documented_shape(artefact: dict[str, Any]) -> None:
    block = alignment_block(artefact, FAST)

    assert block is not None
    artefact["alignment"] = block
    assert validation_errors(artefact) == []
    assert set(block) == {
        "grade_scale",
        "theta_source",
        "anchors",
        "kendall_tau_b",
        "tau_ci95",
        "bootstrap",
        "inversions",
        "never_won",
        "adjacent_gaps",
        "reasons",
        "order_probabilities",
    }
    assert [a["essay_id"] for a in block["anchors"]] == ["g_a", "g_b", "g_c", "g_e"]
    assert block["kendall_tau_b"] == pytest.approx(4 / 6, abs=1e-6)
    low, high = block["tau_ci95"]
    assert low <= block["kendall_tau_b"] <= high
    assert block["bootstrap"]["replicates"] == 1000
    assert block["bootstrap"]["seed"] == 1
    (inversion,) = block["inversions"]
    assert (inversion["higher_grade_id"], inversion["lower_grade_id"]) == ("g_a", "g_b")
    assert [d["winner_id"] for d in inversion["direct"]] == ["g_a", "g_b", "g_b", "g_b"]
    assert inversion["direct"][1]["justification"] == "g_b argues better."
    # g_b beat g_a 3 of 4 times, so the grades' order (g_a above g_b) is the less likely one.
    assert 0.0 < inversion["p_expert_order"] < 0.5
    pairs = {(p["higher_grade_id"], p["lower_grade_id"]) for p in block["order_probabilities"]}
    assert len(pairs) == 6  # four anchors of four grades: every pair once
    assert ("g_a", "g_b") in pairs


def test_no_block_without_a_compared_anchor(build_artefact: ArtefactFactory) -> None:
    document = build_artefact([("s1", "s2", "s1")], anchors={"lonely": "B"}, students=["s1", "s2"])

    assert alignment_block(document, FAST) is None


def test_the_report_of_an_anchor_align_run_starts_with_the_alignment(
    artefact: dict[str, Any],
) -> None:
    artefact["alignment"] = alignment_block(artefact, FAST)

    markdown, page = render_reports(artefact)

    assert markdown.index("## Anchor alignment") < markdown.index("## Run")
    assert page.index("<h2>Anchor alignment</h2>") < page.index("<h2>Run</h2>")
    assert "Inversion: g_a (A) below g_b (B)" in markdown
    assert re.search(r"g_b above g_a: P = 0\.\d\d", markdown)
    assert "g_b argues better." in page


def test_the_report_of_an_execute_run_shows_the_alignment_later(
    artefact: dict[str, Any], build_artefact: ArtefactFactory
) -> None:
    execute = copy.deepcopy(artefact)
    execute["metadata"]["runner_mode"] = "execute"
    execute["validation"]["runner_status"]["mode"] = "execute"
    execute["inputs"]["students"] = build_artefact([], students=["s1"])["inputs"]["students"]
    execute["alignment"] = alignment_block(execute, FAST)

    markdown, _ = render_reports(execute)

    assert markdown.index("## Run") < markdown.index("## Anchor alignment")


def test_only_an_anchor_align_run_may_have_no_students(
    artefact: dict[str, Any], build_artefact: ArtefactFactory
) -> None:
    assert validation_errors(artefact) == []
    execute = copy.deepcopy(artefact)
    execute["metadata"]["runner_mode"] = "execute"
    assert validation_errors(execute), "an execute artefact without students must be invalid"
    with_student = copy.deepcopy(artefact)
    with_student["inputs"]["students"] = build_artefact([], students=["s1"])["inputs"]["students"]
    assert validation_errors(with_student), "an anchor-align artefact lists no students"


def test_a_separated_anchor_is_shown_as_a_bound_with_a_spread_warning(
    build_artefact: ArtefactFactory,
) -> None:
    # g_a wins every one of its comparisons: its ML θ is +∞, the prior sets the value.
    triples = [t for t in _triples() if "g_a" not in t[:2]]
    triples += [("g_a", other, "g_a") for other in ORDER[1:] for _ in range(6)]
    document = build_artefact(triples, anchors=ANCHORS, mode="anchor-align")
    document["inputs"]["students"] = []
    document["schema_version"] = "1.1.0"

    block = alignment_block(document, FAST)

    assert block is not None
    document["alignment"] = block
    assert validation_errors(document) == []
    bounds = {a["essay_id"]: a.get("theta_bound") for a in block["anchors"]}
    assert bounds == {"g_a": ">=", "g_b": None, "g_c": None, "g_e": None}
    top = next(a for a in block["anchors"] if a["essay_id"] == "g_a")
    markdown, _ = render_reports(document)
    assert f"≥ {top['theta']:.3f}" in markdown
    assert top["theta"] < 4.0  # four anchors do not spread past ±4 logits: no warning
    assert "past ±4" not in markdown
    # The same anchors drawn further apart by hand: the notes warn.
    for anchor in block["anchors"]:
        anchor["theta"] = anchor["theta"] * 2.0
    assert "past ±4" in render_reports(document)[0]
