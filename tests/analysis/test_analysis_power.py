"""The power planner and compare's difference intervals on small, fixed-seed cases."""

from __future__ import annotations

import numpy as np
import pytest

from eng5_np.analysis.differences import (
    METHOD_REPEATS,
    RowInput,
    compare_differences,
    interval_level,
)
from eng5_np.analysis.kendall import kendall_tau_b
from eng5_np.analysis.power import (
    INTERVAL_RUNS,
    Design,
    plan_power,
    printed_width,
    swapped_order,
    sweep_star_share,
)
from eng5_np.reference.judge_profiles import JudgeParameters

DESIGN = Design(tuple(float(i) for i in range(9)), 6)


def test_swaps_reach_the_difference_asked_for() -> None:
    positions = [float(i) for i in range(9)]
    latent, reached = swapped_order(positions, 0.1)
    tau = kendall_tau_b(positions, latent)
    assert tau is not None
    assert reached == pytest.approx(1.0 - tau)
    assert reached >= 0.1
    assert reached == pytest.approx(4 / 36)  # two adjacent swaps of 36 pairs
    assert swapped_order(positions, 2.0)[1] == pytest.approx(2.0)  # all the way to reversed


def test_a_sharp_judge_needs_fewer_comparisons_than_a_blunt_one() -> None:
    sharp = plan_power(
        DESIGN, 6, judge=JudgeParameters(discrimination=5.0), detect_difference=0.5, runs=60
    )
    blunt = plan_power(
        DESIGN, 6, judge=JudgeParameters(discrimination=0.75), detect_difference=0.5, runs=60
    )
    assert sharp.reached_difference == pytest.approx(0.5)
    assert sharp.needed_per_essay is not None
    assert sharp.needed_comparisons == DESIGN.comparisons_for(sharp.needed_per_essay)
    assert blunt.needed_per_essay is None or blunt.needed_per_essay > sharp.needed_per_essay
    assert sharp.power > blunt.power
    assert sharp.tau_mean > blunt.tau_mean
    assert 0 < sharp.sampling_width < blunt.sampling_width
    assert sharp.expected_width is not None
    assert blunt.expected_width is not None
    assert 0 < sharp.expected_width < blunt.expected_width


def test_the_expected_width_is_the_median_width_the_run_prints() -> None:
    """The plan's width is the runner's own interval over simulated runs, which is wider than
    τ-b's sampling noise alone calls for (the interval is conservative)."""
    plan = plan_power(DESIGN, 6, detect_difference=0.5, runs=60)
    rng = np.random.default_rng(7)
    again = printed_width(DESIGN, JudgeParameters(), 6, rng, runs=INTERVAL_RUNS)
    assert plan.expected_width is not None
    assert again is not None
    assert plan.expected_width == pytest.approx(again, abs=0.12)  # another seed, same design
    assert plan.expected_width > plan.sampling_width


def test_identical_judges_are_rarely_starred_and_distant_ones_often() -> None:
    same = sweep_star_share(DESIGN, [JudgeParameters()] * 2, 12, runs=60)
    apart = sweep_star_share(
        DESIGN,
        [JudgeParameters(discrimination=0.0), JudgeParameters(discrimination=3.0)],
        12,
        runs=60,
    )
    assert same <= 0.1
    assert apart >= 0.8


def test_repeats_on_both_sides_give_a_welch_interval_at_the_bonferroni_level() -> None:
    rows = [
        RowInput({"tau_b": [0.9, 0.92, 0.88]}, [None, None, None]),
        RowInput({"tau_b": [0.5, 0.55, 0.45]}, [None, None, None]),
    ]
    report = compare_differences(rows, figures=("tau_b",))
    verdict = report.verdict("tau_b")
    assert verdict is not None
    assert (verdict.best, verdict.detectable) == (0, True)
    difference = verdict.differences[0]
    assert difference.method == METHOD_REPEATS
    assert difference.difference == pytest.approx(-0.4)
    assert report.interval_level == interval_level(1, 2) == pytest.approx(0.95)


def test_a_row_without_comparisons_gets_no_interval_and_no_star() -> None:
    rows = [RowInput({"tau_b": [0.9]}, [None]), RowInput({"tau_b": [0.1]}, [None])]
    verdict = compare_differences(rows, figures=("tau_b",)).verdict("tau_b")
    assert verdict is not None
    assert verdict.differences[0].interval is None
    assert not verdict.detectable
