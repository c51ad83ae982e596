"""Kendall's τ-b against hand-computed values (ties in either variable) and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from eng5_np.analysis import kendall_tau_b


def test_a_perfect_order_is_one_and_its_reverse_minus_one() -> None:
    assert kendall_tau_b([1, 2, 3, 4], [0.1, 0.2, 0.5, 0.9]) == pytest.approx(1.0)
    assert kendall_tau_b([1, 2, 3, 4], [0.9, 0.5, 0.2, 0.1]) == pytest.approx(-1.0)


def test_one_swapped_pair_of_four() -> None:
    # 6 pairs, 5 concordant, 1 discordant: (5 − 1) / 6.
    assert kendall_tau_b([1, 2, 3, 4], [0.1, 0.5, 0.2, 0.9]) == pytest.approx(4 / 6)


def test_ties_in_the_grades_are_discounted() -> None:
    # Two anchors share grade 1: that pair counts neither way and leaves the x-denominator.
    # 5 concordant of 6 pairs, n1 = 1 tie in x, none in y: 5 / √((6 − 1)(6 − 0)).
    assert kendall_tau_b([1, 1, 2, 3], [0.1, 0.2, 0.5, 0.9]) == pytest.approx(5 / math.sqrt(30))


def test_ties_in_both_variables() -> None:
    # x ties: (1,2), (3,4); y ties: (2,3); concordant: (1,3), (1,4), (2,4): 3 / √(4 · 5).
    assert kendall_tau_b([1, 1, 2, 2], [1, 2, 2, 3]) == pytest.approx(3 / math.sqrt(20))


def test_undefined_when_constant_or_too_short() -> None:
    assert kendall_tau_b([1, 1, 1], [1, 2, 3]) is None
    assert kendall_tau_b([1, 2, 3], [5, 5, 5]) is None
    assert kendall_tau_b([1], [2]) is None
    with pytest.raises(ValueError, match="one length"):
        kendall_tau_b([1, 2], [1])


def test_agrees_with_scipy_on_random_data_with_ties() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        x = rng.integers(0, 4, 12).astype(float)
        y = rng.integers(0, 6, 12).astype(float)
        ours = kendall_tau_b(x.tolist(), y.tolist())
        theirs = float(stats.kendalltau(x, y).statistic)
        if math.isnan(theirs):
            assert ours is None
        else:
            assert ours == pytest.approx(theirs)


def test_differences_within_the_tolerance_are_ties() -> None:
    # Without tolerance the 1e-9 difference makes the last pair discordant: (2 − 1) / 3.
    x, y = [1, 2, 3], [0.0, 1.0, 1.0 - 1e-9]
    assert kendall_tau_b(x, y) == pytest.approx(1 / 3)
    # With the tie: 2 concordant of 3 pairs, one tie in y: 2 / √(3 · 2).
    assert kendall_tau_b(x, y, tie_tolerance=1e-6) == pytest.approx(2 / math.sqrt(6))
