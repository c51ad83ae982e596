"""Tests for eng5_np.analysis.comparisons."""

from __future__ import annotations

import pytest

from eng5_np.analysis import (
    ComparisonOutcome,
    comparison_counts,
    connected_components,
    win_counts,
)


def outcome(a: str, b: str, winner: str) -> ComparisonOutcome:
    """A successful comparison of A vs B won by ``winner``."""
    return ComparisonOutcome(a, b, winner, b if winner == a else a)


def test_counts_count_every_participation_and_every_win() -> None:
    outcomes = [outcome("x", "y", "x"), outcome("y", "z", "z"), outcome("x", "z", "x")]

    assert comparison_counts(outcomes) == {"x": 2, "y": 2, "z": 2}
    assert win_counts(outcomes) == {"x": 2, "y": 0, "z": 1}


def test_counts_of_no_outcomes_are_empty() -> None:
    assert comparison_counts([]) == {}
    assert win_counts([]) == {}


@pytest.mark.parametrize(
    ("a", "b", "winner", "loser"),
    [("x", "x", "x", "x"), ("x", "y", "z", "y"), ("x", "y", "x", "x")],
)
def test_outcome_rejects_winner_loser_that_are_not_the_pair(
    a: str, b: str, winner: str, loser: str
) -> None:
    with pytest.raises(ValueError, match="essay"):
        ComparisonOutcome(a, b, winner, loser)


def test_pair_ignores_presentation_order() -> None:
    assert outcome("x", "y", "x").pair == outcome("y", "x", "x").pair


def test_connected_components_largest_first() -> None:
    outcomes = [
        outcome("p", "q", "p"),
        outcome("a", "b", "a"),
        outcome("b", "c", "c"),
    ]

    assert connected_components(outcomes) == [frozenset("abc"), frozenset("pq")]


def test_connected_components_joins_chains_into_one() -> None:
    outcomes = [outcome("a", "b", "a"), outcome("c", "d", "c"), outcome("d", "a", "d")]

    assert connected_components(outcomes) == [frozenset("abcd")]
