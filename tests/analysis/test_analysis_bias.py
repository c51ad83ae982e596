"""Tests for eng5_np.analysis.bias: position bias on hand-built comparisons."""

from __future__ import annotations

import pytest

from eng5_np.analysis import ComparisonOutcome, position_bias


def outcome(a: str, b: str, winner: str) -> ComparisonOutcome:
    """A successful comparison of A vs B won by ``winner``."""
    return ComparisonOutcome(a, b, winner, b if winner == a else a)


def test_position_bias_counts_first_position_wins_and_swapped_pairs() -> None:
    outcomes = [
        outcome("x", "y", "x"),  # A wins
        outcome("y", "x", "x"),  # swapped, same winner → x–y consistent
        outcome("p", "q", "p"),  # A wins
        outcome("q", "p", "q"),  # A wins again, other winner → p–q inconsistent
        outcome("m", "n", "n"),  # judged in one order only
        outcome("m", "n", "m"),  # A wins; still one order only
    ]

    bias = position_bias(outcomes)

    assert bias.comparisons == 6
    assert bias.essay_a_wins == 4
    assert bias.essay_a_win_share == pytest.approx(4 / 6)
    assert bias.pairs_judged_both_orders == 2
    assert bias.consistent_pairs == 1
    assert bias.consistency_share == pytest.approx(0.5)


def test_repeat_judgements_of_a_swapped_pair_must_all_agree() -> None:
    outcomes = [
        outcome("x", "y", "x"),
        outcome("y", "x", "x"),
        outcome("x", "y", "y"),
    ]

    bias = position_bias(outcomes)

    assert (bias.pairs_judged_both_orders, bias.consistent_pairs) == (1, 0)


def test_shares_are_none_without_data() -> None:
    empty = position_bias([])
    one_order = position_bias([outcome("x", "y", "y")])

    assert empty.essay_a_win_share is None
    assert empty.consistency_share is None
    assert one_order.essay_a_win_share == 0.0
    assert one_order.consistency_share is None
