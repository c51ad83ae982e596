"""Simulated comparisons from a known true θ, shared by the analysis tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from eng5_np.analysis import ComparisonOutcome

Simulator = Callable[..., list[ComparisonOutcome]]
"""``simulate(true_theta, n_comparisons, rng, pairs=None)`` → outcomes of essays e000, e001, …

Test modules re-declare this alias: importing ``conftest`` by name is ambiguous.
"""


def _essay_ids(count: int) -> list[str]:
    return [f"e{index:03d}" for index in range(count)]


def _simulate(
    true_theta: npt.NDArray[np.float64],
    n_comparisons: int,
    rng: np.random.Generator,
    pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None = None,
) -> list[ComparisonOutcome]:
    """Bradley–Terry outcomes for random (or the given) ordered pairs (A, B)."""
    ids = _essay_ids(len(true_theta))
    if pairs is None:
        first = rng.integers(0, len(true_theta), n_comparisons)
        # Adding 1…n−1 modulo n never lands on the same essay.
        second = (first + rng.integers(1, len(true_theta), n_comparisons)) % len(true_theta)
    else:
        first, second = pairs
    p_first_wins = 1.0 / (1.0 + np.exp(-(true_theta[first] - true_theta[second])))
    first_wins = rng.random(len(first)) < p_first_wins
    return [
        ComparisonOutcome(
            essay_a_id=ids[a],
            essay_b_id=ids[b],
            winner_id=ids[a] if won else ids[b],
            loser_id=ids[b] if won else ids[a],
        )
        for a, b, won in zip(first.tolist(), second.tolist(), first_wins.tolist(), strict=True)
    ]


@pytest.fixture
def simulate() -> Simulator:
    """The Bradley–Terry simulator (a fixture so test modules need not import conftest)."""
    return _simulate
