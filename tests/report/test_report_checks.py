"""Runner-side checks on hand-built artefacts with known answers (SPEC §8)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations, pairwise
from typing import Any

import pytest

from eng5_np.artefact.schema import validation_errors
from eng5_np.report.checks import (
    AlignmentCheck,
    InfitCheck,
    RefitCheck,
    compute_checks,
)
from eng5_np.report.gates import GateStatus, NotComputable, QualityThresholds
from eng5_np.report.wording import _check_rows

ArtefactFactory = Callable[..., dict[str, Any]]

# Four anchors, lowest grade first on the legacy scale.
ANCHORS = {"a_f": "F+", "a_e": "E-", "a_d": "D-", "a_c": "C-"}
ORDER = ["a_f", "a_e", "a_d", "a_c"]


def _higher_wins(swap: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """Every anchor pair once; the higher grade wins unless the pair is ``swap``."""
    triples = []
    for low, high in combinations(ORDER, 2):
        winner = low if frozenset((low, high)) == swap else high
        triples.append((low, high, winner))
    return triples


def _alignment(checks: Any) -> AlignmentCheck:
    assert isinstance(checks.alignment, AlignmentCheck), checks.alignment
    return checks.alignment


def test_hand_built_artefacts_are_schema_valid(build_artefact: ArtefactFactory) -> None:
    document = build_artefact(
        [("a", "b", "a"), ("a", "b", None)], anchors={"a": "A"}, students=["b"]
    )
    assert validation_errors(document) == []


def test_perfectly_ordered_anchors_give_tau_one_and_the_lowest_never_wins(
    build_artefact: ArtefactFactory,
) -> None:
    checks = compute_checks(build_artefact(_higher_wins(), anchors=ANCHORS, students=["s"]))
    alignment = _alignment(checks)
    assert alignment.kendall_tau == pytest.approx(1.0)
    assert alignment.inversions == ()
    assert alignment.never_winning == ("a_f",)
    assert alignment.anchors_used == 4


def test_one_swapped_pair_is_one_inversion(build_artefact: ArtefactFactory) -> None:
    # D- beats C- (and everything below): θ(a_d) > θ(a_c), one discordant pair of six.
    swapped = _higher_wins(swap=frozenset(("a_d", "a_c")))
    alignment = _alignment(compute_checks(build_artefact(swapped, anchors=ANCHORS)))
    assert [(i.higher_grade_anchor_id, i.lower_grade_anchor_id) for i in alignment.inversions] == [
        ("a_c", "a_d")
    ]
    assert alignment.kendall_tau == pytest.approx(4 / 6)


def test_anchor_with_a_grade_off_the_scale_is_left_out_and_named(
    build_artefact: ArtefactFactory,
) -> None:
    anchors = {**ANCHORS, "a_odd": "Z"}
    triples = [*_higher_wins(), ("a_odd", "a_c", "a_odd")]
    document = build_artefact(triples, anchors=anchors)
    alignment = _alignment(compute_checks(document))
    assert any("a_odd" in reason for reason in document["alignment"]["reasons"])
    assert "a_odd" not in {a["essay_id"] for a in document["alignment"]["anchors"]}
    assert alignment.kendall_tau == pytest.approx(1.0)


def test_position_bias_share_and_order_consistency(build_artefact: ArtefactFactory) -> None:
    triples = [
        ("x", "y", "x"),  # A wins
        ("y", "x", "x"),  # B wins; (x, y) judged both ways, same winner: consistent
        ("p", "q", "p"),  # A wins
        ("q", "p", "q"),  # A wins; (p, q) judged both ways, winner changed: inconsistent
        ("x", "p", "x"),  # A wins, joins the graph
    ]
    checks = compute_checks(build_artefact(triples, anchors={"x": "A"}, students=["y", "p", "q"]))
    bias = checks.position_bias
    assert not isinstance(bias, NotComputable)
    assert bias.essay_a_win_share == pytest.approx(4 / 5)
    assert (bias.pairs_judged_both_orders, bias.consistent_pairs) == (2, 1)


def test_failed_comparisons_are_counted_by_code_and_kept_out_of_the_fit(
    build_artefact: ArtefactFactory,
) -> None:
    triples = [
        *_higher_wins(),
        ("a_f", "a_c", None, "RATE_LIMIT"),
        ("a_f", "s", None, "LLM_PROVIDER_TIMEOUT"),
        ("a_e", "s", None, "RATE_LIMIT"),
    ]
    checks = compute_checks(build_artefact(triples, anchors=ANCHORS, students=["s"]))
    tally = checks.tally
    assert (tally.total, tally.succeeded, tally.failed) == (9, 6, 3)
    assert tally.error_codes == (("RATE_LIMIT", 2), ("LLM_PROVIDER_TIMEOUT", 1))
    by_id = {e.essay_id: e for e in checks.essays}
    # "s" only appears in failed comparisons: no θ, zero successful, two failed.
    assert (by_id["s"].successful, by_id["s"].failed, by_id["s"].wins) == (0, 2, 0)
    assert (by_id["a_c"].successful, by_id["a_c"].wins) == (3, 3)
    assert isinstance(checks.refit, RefitCheck)
    assert "s" not in checks.refit.theta
    assert checks.count_spread.minimum == 0


def test_rank_correlation_compares_the_refit_with_the_service_theta(
    build_artefact: ArtefactFactory,
) -> None:
    def summary(sign: float) -> list[dict[str, Any]]:
        return [
            {
                "essay_id": anchor_id,
                "theta": sign * position,
                "standard_error": 1.0,
                "rank": (len(ORDER) - position) if sign > 0 else position + 1,
                "comparison_count": 3,
                "is_anchor": True,
                "anchor_grade": ANCHORS[anchor_id],
            }
            for position, anchor_id in enumerate(ORDER)
        ]

    agreeing = compute_checks(
        build_artefact(_higher_wins(), anchors=ANCHORS, bt_summary=summary(1))
    )
    reversed_ = compute_checks(
        build_artefact(_higher_wins(), anchors=ANCHORS, bt_summary=summary(-1))
    )
    assert isinstance(agreeing.refit, RefitCheck)
    assert isinstance(reversed_.refit, RefitCheck)
    assert agreeing.refit.rank_correlation == pytest.approx(1.0)
    assert reversed_.refit.rank_correlation == pytest.approx(-1.0)
    no_result = compute_checks(build_artefact(_higher_wins(), anchors=ANCHORS))
    assert isinstance(no_result.refit, RefitCheck)
    assert isinstance(no_result.refit.rank_correlation, NotComputable)
    assert "no θ" in no_result.refit.rank_correlation.reason


def test_infit_flags_the_erratic_essay_and_split_half_is_reproducible(
    build_artefact: ArtefactFactory,
) -> None:
    essays = [f"s{i}" for i in range(8)]
    # Ordinary essays follow their order; s4 beats every better essay and loses to every
    # worse one: an erratic essay whose results its θ cannot explain.
    triples = []
    for round_number in range(3):
        for low, high in combinations(essays, 2):
            winner = high
            if "s4" in (low, high):
                winner = low
            a, b = (low, high) if round_number % 2 == 0 else (high, low)
            # A few upsets so that nobody's results are perfectly determined.
            if round_number == 2 and (low, high) in {("s0", "s1"), ("s6", "s7"), ("s2", "s3")}:
                winner = low
            triples.append((a, b, winner))
    document = build_artefact(
        triples, anchors={"s7": "A"}, students=essays[:7], runner_summary=True
    )
    checks = compute_checks(document)
    assert isinstance(checks.infit, InfitCheck)
    assert checks.infit.flagged == ("s4",)
    assert checks.infit.cutoff is not None
    assert checks.infit.by_essay["s4"] > checks.infit.cutoff
    assert {e.essay_id for e in checks.essays if e.misfit} == {"s4"}
    assert isinstance(checks.split_half, float)
    assert compute_checks(document).split_half == checks.split_half


def test_gates_flip_from_pass_to_warn_at_their_thresholds(
    build_artefact: ArtefactFactory,
) -> None:
    anchors = {a: g for a, g in ANCHORS.items() if a != "a_c"}
    # One upset per adjacent pair: no essay is separated, so only the thresholds decide.
    upsets = [(low, high, low) for low, high in pairwise(ORDER)]
    document = build_artefact(
        _higher_wins() * 3 + upsets, anchors=anchors, students=["a_c"], runner_summary=True
    )
    observed = compute_checks(document)
    assert isinstance(observed.ssr, float)
    assert observed.reliability_reasons == ()
    assert observed.count_spread.minimum == 10

    def statuses(thresholds: QualityThresholds) -> tuple[GateStatus, ...]:
        return tuple(g.status for g in compute_checks(document, thresholds).gates)

    at = QualityThresholds(min_ssr=observed.ssr, min_comparisons_per_essay=10)
    above = QualityThresholds(min_ssr=observed.ssr + 1e-9, min_comparisons_per_essay=11)
    assert statuses(at) == (GateStatus.PASS, GateStatus.PASS)
    assert statuses(above) == (GateStatus.WARN, GateStatus.WARN)
    defaults = compute_checks(document).gates
    assert [g.requirement for g in defaults] == ["≥ 0.80", "≥ 10 for every essay"]


def test_dry_run_stub_has_nothing_to_analyse_and_gates_still_shown(
    build_artefact: ArtefactFactory,
) -> None:
    checks = compute_checks(build_artefact([], mode="dry-run", judge="none"))
    assert checks.nothing_to_analyse is not None
    assert "dry-run" in checks.nothing_to_analyse
    for value in (checks.refit, checks.ssr, checks.split_half, checks.infit):
        assert isinstance(value, NotComputable)
    assert isinstance(checks.position_bias, NotComputable)
    assert isinstance(checks.alignment, NotComputable)
    assert [g.status for g in checks.gates] == [GateStatus.WARN, GateStatus.WARN]
    assert checks.gates[0].observed.startswith("not computable: dry-run")


def test_only_failed_comparisons_means_nothing_to_analyse(build_artefact: ArtefactFactory) -> None:
    checks = compute_checks(build_artefact([("a", "b", None)], anchors={"a": "A"}, students=["b"]))
    assert checks.nothing_to_analyse == "none of the 1 comparison(s) succeeded"
    assert checks.tally.failed == 1


def test_separated_data_never_pass_the_ssr_gate(build_artefact: ArtefactFactory) -> None:
    document = build_artefact(
        _higher_wins() * 3, anchors=ANCHORS, students=["s"], runner_summary=True
    )
    lenient = QualityThresholds(min_ssr=-100.0, min_comparisons_per_essay=0)

    checks = compute_checks(document, lenient)

    assert isinstance(checks.ssr, float)
    ssr_gate = checks.gates[0]
    assert ssr_gate.status is GateStatus.WARN
    assert "linked both ways by chains of wins" in ssr_gate.observed
    assert isinstance(checks.refit, RefitCheck)
    assert set(checks.refit.separated) == set(ANCHORS)


def test_figures_are_read_from_the_artefacts_analysis_block(
    build_artefact: ArtefactFactory,
) -> None:
    upsets = [(low, high, low) for low, high in pairwise(ORDER)]
    document = build_artefact(_higher_wins() * 3 + upsets, anchors=ANCHORS, students=["s"])
    document["validation"]["analysis"] = {
        "scale_separation_reliability": -0.25,
        "split_half_reliability": None,
        "reasons": ["split-half reliability undefined: too few comparisons"],
        "errors": [],
    }
    lenient = QualityThresholds(min_ssr=-1.0, min_comparisons_per_essay=0)

    checks = compute_checks(document, lenient)

    assert checks.ssr == -0.25
    assert isinstance(checks.split_half, NotComputable)
    assert "too few comparisons" in checks.split_half.reason
    assert checks.gates[0].status is GateStatus.WARN


def test_an_undefined_stored_ssr_warns_with_its_reason(build_artefact: ArtefactFactory) -> None:
    document = build_artefact(_higher_wins(), anchors=ANCHORS, students=["s"])
    document["validation"]["analysis"] = {
        "scale_separation_reliability": None,
        "split_half_reliability": None,
        "reasons": ["the comparison graph falls into 2 unconnected groups"],
        "errors": ["reliability: ValueError: boom"],
    }

    checks = compute_checks(document)

    assert isinstance(checks.ssr, NotComputable)
    assert checks.gates[0].status is GateStatus.WARN
    assert "unconnected" in checks.gates[0].observed
    assert checks.analysis_errors == ("reliability: ValueError: boom",)


def test_the_stored_position_effect_is_shown_beside_the_a_win_share(
    build_artefact: ArtefactFactory,
) -> None:
    document = build_artefact(_higher_wins() * 3, anchors=ANCHORS, students=["s"])
    document["validation"]["analysis"] = {
        "scale_separation_reliability": 0.9,
        "split_half_reliability": None,
        "reasons": [],
        "errors": [],
        "position_effect": {
            "estimate": 0.412,
            "standard_error": 0.157,
            "interval": [0.104, 0.72],
            "comparisons": 120,
            "first_position_wins": 70,
        },
    }
    assert validation_errors(document) == []

    rows = dict(_check_rows(compute_checks(document)))

    assert rows["first-position effect δ in the model (logits; 0 = none)"] == (
        "0.412 [0.104, 0.720] (95% interval; θ reported net of it)"
    )
    assert "position bias" in rows  # not recorded in this hand-built block: says so
