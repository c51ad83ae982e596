"""Spread across repeats (report/repeat_stats.py): the t-interval and rank ties by hand."""

from __future__ import annotations

import math

import pytest

from eng5_np.analysis.repeats import rank_descending, spread


def test_three_values_give_the_student_t_interval_computed_by_hand() -> None:
    result = spread([0.6, 0.8, 1.0])
    assert result.mean == pytest.approx(0.8)
    assert result.sd == pytest.approx(0.2)
    # t(0.975, 2) = 4.302653: half-width 4.302653 · 0.2 / √3
    half = 4.302653 * 0.2 / math.sqrt(3)
    assert result.ci95 == pytest.approx((0.8 - half, 0.8 + half), abs=1e-6)
    assert (result.minimum, result.maximum, result.missing) == (0.6, 1.0, 0)


def test_missing_values_are_counted_and_one_value_has_no_interval() -> None:
    result = spread([None, 0.7, None])
    assert result.values == (0.7,)
    assert result.mean == pytest.approx(0.7)
    assert result.sd is None
    assert result.ci95 is None
    assert result.missing == 2


def test_identical_repeats_give_a_zero_width_interval() -> None:
    result = spread([0.5, 0.5, 0.5])
    assert result.sd == 0
    assert result.ci95 == (0.5, 0.5)


def test_nothing_gives_nothing() -> None:
    result = spread([None])
    assert result.mean is None
    assert result.missing == 1


def test_ranks_put_the_highest_first_and_ties_share_the_mean_rank() -> None:
    ranks = rank_descending({"a": 2.0, "b": 0.5, "c": 0.5, "d": -1.0})
    assert ranks == {"a": 1.0, "b": 2.5, "c": 2.5, "d": 4.0}


def test_an_interval_of_few_repeats_stays_inside_what_the_figure_can_be() -> None:
    # Two repeats: t(0.975, 1) = 12.7, so mean ± 12.7 SD/√2 runs far past τ's range.
    tau = spread([0.667, 0.944], (-1.0, 1.0))
    unbounded = spread([0.667, 0.944])
    assert tau.ci95 is not None
    assert unbounded.ci95 is not None
    assert unbounded.ci95[1] > 2.5  # what the report printed: [-0.959, 2.570]
    assert tau.ci95 == (pytest.approx(unbounded.ci95[0]), 1.0)
