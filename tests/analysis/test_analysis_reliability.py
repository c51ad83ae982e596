"""Tests for eng5_np.analysis.reliability: SSR, split-half, infit and misfit flags."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from eng5_np.analysis import (
    ComparisonOutcome,
    fit_bradley_terry,
    flag_misfits,
    infit,
    scale_separation_reliability,
    split_half_reliability,
)

Simulator = Callable[..., list[ComparisonOutcome]]


def test_ssr_is_high_for_well_separated_essays(simulate: Simulator) -> None:
    rng = np.random.default_rng(21)
    fit = fit_bradley_terry(simulate(np.linspace(-3.0, 3.0, 20), 600, rng))

    assert scale_separation_reliability(fit.theta, fit.standard_error) > 0.9


def test_ssr_is_low_for_coin_flips(simulate: Simulator) -> None:
    rng = np.random.default_rng(22)
    fit = fit_bradley_terry(simulate(np.zeros(40), 1200, rng))

    assert scale_separation_reliability(fit.theta, fit.standard_error) < 0.4


def test_ssr_formula_uses_the_sample_variance_and_is_not_clipped() -> None:
    theta = {"a": -1.0, "b": 0.0, "c": 1.0}  # sample variance (n − 1) is 1

    assert scale_separation_reliability(theta, dict.fromkeys(theta, 0.5)) == pytest.approx(0.75)
    # Error larger than the spread: reported as the negative number it is, never 0 or a pass.
    assert scale_separation_reliability(theta, dict.fromkeys(theta, 2.0)) == pytest.approx(-3.0)


def test_ssr_of_constant_theta_is_undefined() -> None:
    with pytest.raises(ValueError, match="undefined"):
        scale_separation_reliability(dict.fromkeys("ab", 0.0), dict.fromkeys("ab", 1.0))


def test_ssr_rejects_mismatched_or_too_few_essays() -> None:
    with pytest.raises(ValueError, match="same essays"):
        scale_separation_reliability({"a": 0.0, "b": 1.0}, {"a": 0.1})
    with pytest.raises(ValueError, match="two essays"):
        scale_separation_reliability({"a": 0.0}, {"a": 0.1})


def test_split_half_is_deterministic_for_a_seed(simulate: Simulator) -> None:
    rng = np.random.default_rng(23)
    outcomes = simulate(np.linspace(-1.0, 1.0, 15), 300, rng)

    first = split_half_reliability(outcomes, seed=5)

    assert split_half_reliability(outcomes, seed=5) == first
    assert split_half_reliability(outcomes, seed=6) != first


def test_split_half_separates_signal_from_coin_flips(simulate: Simulator) -> None:
    rng = np.random.default_rng(24)
    signal = simulate(np.linspace(-3.0, 3.0, 20), 600, rng)
    noise = simulate(np.zeros(20), 600, rng)

    assert split_half_reliability(signal, seed=1) > 0.9
    assert split_half_reliability(noise, seed=1) < 0.6


def test_split_half_needs_essays_in_both_halves() -> None:
    outcomes = [ComparisonOutcome("a", "b", "a", "b"), ComparisonOutcome("c", "d", "c", "d")]

    with pytest.raises(ValueError, match="both halves"):
        split_half_reliability(outcomes, seed=0)


def test_infit_flags_an_essay_with_random_outcomes(simulate: Simulator) -> None:
    rng = np.random.default_rng(25)
    outcomes = simulate(np.linspace(-3.0, 3.0, 30), 1500, rng)
    erratic = "e015"
    # Replace the middle essay's results with coin flips: against far stronger or
    # weaker essays those results are surprising whatever θ the fit gives it.
    scrambled = []
    for outcome in outcomes:
        if erratic in outcome.pair:
            a_wins = bool(rng.random() < 0.5)
            outcome = ComparisonOutcome(
                outcome.essay_a_id,
                outcome.essay_b_id,
                outcome.essay_a_id if a_wins else outcome.essay_b_id,
                outcome.essay_b_id if a_wins else outcome.essay_a_id,
            )
        scrambled.append(outcome)
    fit = fit_bradley_terry(scrambled)

    fit_statistics = infit(scrambled, fit.theta)

    assert flag_misfits(fit_statistics) == [erratic]
    others = [value for essay_id, value in fit_statistics.items() if essay_id != erratic]
    assert 0.8 < float(np.mean(others)) < 1.2


def test_infit_hand_computed() -> None:
    theta = {"a": np.log(3.0), "b": 0.0}  # P(a beats b) = 0.75
    outcomes = [ComparisonOutcome("a", "b", "a", "b"), ComparisonOutcome("b", "a", "b", "a")]

    # Residuals² 0.25² and 0.75², each against variance 0.75 · 0.25.
    expected = (0.25**2 + 0.75**2) / (2 * 0.1875)
    assert infit(outcomes, theta) == pytest.approx({"a": expected, "b": expected})


def test_infit_requires_theta_for_every_compared_essay() -> None:
    with pytest.raises(ValueError, match="no value"):
        infit([ComparisonOutcome("a", "b", "a", "b")], {"a": 0.0})


def test_flag_misfits_uses_mean_plus_sd_threshold() -> None:
    values = dict.fromkeys([f"e{i}" for i in range(10)], 1.0)
    values |= {"odd": 3.0, "worse": 4.0, "e0": 0.9}

    assert flag_misfits(values) == ["worse"]
    assert flag_misfits(values, sd_threshold=1.0) == ["worse", "odd"]
    assert flag_misfits({"a": 1.0, "b": 9.0}) == []
