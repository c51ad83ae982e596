"""Tests for eng5_np.analysis.separation: which essays the ML fit would send to ±∞."""

from __future__ import annotations

import numpy as np

from eng5_np.analysis.separation import separated_essays, strongly_connected_components


def wins_of(names: str, beats: list[tuple[str, str]]) -> np.ndarray:
    """A win matrix over ``names`` from (winner, loser) pairs."""
    wins = np.zeros((len(names), len(names)))
    for winner, loser in beats:
        wins[names.index(winner), names.index(loser)] += 1
    return wins


def test_strongly_connected_components_of_two_cycles_joined_one_way() -> None:
    beat = wins_of("abcdef", [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"),
                              ("d", "e"), ("e", "d"), ("f", "f")]) > 0  # fmt: skip

    labels = strongly_connected_components(beat)

    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4] != labels[0]
    assert len(set(labels)) == 3


def test_an_essay_that_won_everything_is_the_only_name() -> None:
    beats = [("top", o) for o in ("b", "c", "d")] + [("b", "c"), ("c", "d"), ("d", "b")]
    names = ["b", "c", "d", "top"]
    assert separated_essays(wins_of(names, beats), names) == ["top"]


def test_an_essay_that_lost_everything_is_named_too() -> None:
    beats = [(o, "low") for o in "bcd"] + [("b", "c"), ("c", "d"), ("d", "b")]
    names = ["b", "c", "d", "low"]
    assert separated_essays(wins_of(names, beats), names) == ["low"]


def test_a_strongly_connected_graph_has_none() -> None:
    names = "abc"
    assert separated_essays(wins_of(names, [("a", "b"), ("b", "c"), ("c", "a")]), names) == []


def test_a_total_order_names_every_essay() -> None:
    names = "abcd"
    beats = [(names[i], names[j]) for i in range(4) for j in range(i + 1, 4)]
    assert separated_essays(wins_of(names, beats), names) == list(names)


def test_a_group_that_never_lost_to_the_body_is_named() -> None:
    body = [("c", "d"), ("d", "e"), ("e", "c")]
    top = [("a", "b"), ("b", "a"), ("a", "c"), ("b", "d")]
    names = "abcde"
    assert separated_essays(wins_of(names, body + top), names) == ["a", "b"]
