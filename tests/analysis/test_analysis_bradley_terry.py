"""Tests for eng5_np.analysis.bradley_terry: θ recovery and posterior-curvature SEs.

Fixed cases here; property-based tests over random graphs in test_analysis_bt_properties.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.bradley_terry import DEFAULT_PRIOR_SD, fisher_information, log_posterior

Simulator = Callable[..., list[ComparisonOutcome]]


def ids(count: int) -> list[str]:
    """Essay ids as the simulator names them."""
    return [f"e{index:03d}" for index in range(count)]


def outcome(a: str, b: str, winner: str) -> ComparisonOutcome:
    """A successful comparison of A vs B won by ``winner``."""
    return ComparisonOutcome(a, b, winner, b if winner == a else a)


def test_fit_recovers_true_ordering(simulate: Simulator) -> None:
    rng = np.random.default_rng(11)
    true_theta = rng.normal(0.0, 1.5, 30)

    fit = fit_bradley_terry(simulate(true_theta, 1500, rng))

    fitted = [fit.theta[essay_id] for essay_id in ids(30)]
    assert stats.spearmanr(true_theta, fitted).statistic > 0.9


def test_theta_sums_to_zero_and_counts_match(simulate: Simulator) -> None:
    rng = np.random.default_rng(12)
    outcomes = simulate(np.linspace(-2.0, 3.0, 12), 300, rng)

    fit = fit_bradley_terry(outcomes)

    assert abs(sum(fit.theta.values())) < 1e-9
    assert sum(fit.comparison_count.values()) == 2 * len(outcomes)
    assert fit.is_connected


def test_standard_errors_are_the_sum_to_zero_posterior_curvature(simulate: Simulator) -> None:
    rng = np.random.default_rng(13)
    outcomes = simulate(np.linspace(-1.5, 1.5, 8), 200, rng)
    fit = fit_bradley_terry(outcomes)

    order = ids(8)
    index = {essay_id: i for i, essay_id in enumerate(order)}
    winners = np.array([index[o.winner_id] for o in outcomes], dtype=np.intp)
    losers = np.array([index[o.loser_id] for o in outcomes], dtype=np.intp)
    theta = np.array([fit.theta[essay_id] for essay_id in order])
    information = fisher_information(theta, winners, losers)
    centring = np.eye(8) - np.full((8, 8), 1 / 8)
    posterior = centring @ np.linalg.inv(information + np.eye(8) / DEFAULT_PRIOR_SD**2) @ centring
    expected = np.sqrt(np.diag(posterior))

    np.testing.assert_allclose([fit.standard_error[e] for e in order], expected, rtol=1e-8)
    # Where the ML estimate exists, the weak prior moves the SEs by a few per cent at most.
    unpenalised = np.sqrt(np.diag(np.linalg.pinv(information)))
    np.testing.assert_allclose(expected, unpenalised, rtol=0.05)
    assert np.all(expected < unpenalised)


def test_theta_is_the_maximum_of_the_log_posterior(simulate: Simulator) -> None:
    rng = np.random.default_rng(14)
    outcomes = simulate(np.linspace(-2.0, 2.0, 10), 300, rng)
    fit = fit_bradley_terry(outcomes)
    order = ids(10)
    index = {essay_id: i for i, essay_id in enumerate(order)}
    wins = np.zeros((10, 10))
    for o in outcomes:
        wins[index[o.winner_id], index[o.loser_id]] += 1
    theta = np.array([fit.theta[e] for e in order])

    best = log_posterior(theta, wins, DEFAULT_PRIOR_SD)
    for direction in np.eye(10):
        for step in (1e-3, -1e-3):
            assert log_posterior(theta + step * direction, wins, DEFAULT_PRIOR_SD) < best
    assert fit.method == "map-newton"
    assert fit.separated == ()


def test_standard_errors_halve_with_four_times_the_comparisons(simulate: Simulator) -> None:
    rng = np.random.default_rng(15)
    true_theta = np.linspace(-1.5, 1.5, 10)

    few = fit_bradley_terry(simulate(true_theta, 200, rng))
    many = fit_bradley_terry(simulate(true_theta, 800, rng))

    ratios = [many.standard_error[e] / few.standard_error[e] for e in ids(10)]
    assert 0.42 < float(np.median(ratios)) < 0.58


def test_standard_errors_match_the_spread_of_repeated_fits(simulate: Simulator) -> None:
    rng = np.random.default_rng(0)
    true_theta = np.linspace(-1.5, 1.5, 6)
    # One fixed design; only the outcomes are redrawn, as the Fisher SE assumes.
    first = rng.integers(0, 6, 180)
    second = (first + rng.integers(1, 6, 180)) % 6
    estimates, errors = [], []
    for _ in range(60):
        fit = fit_bradley_terry(simulate(true_theta, 180, rng, pairs=(first, second)))
        estimates.append([fit.theta[e] for e in ids(6)])
        errors.append([fit.standard_error[e] for e in ids(6)])

    empirical_variance = np.var(np.array(estimates), axis=0, ddof=1)
    fisher_variance = np.mean(np.array(errors) ** 2, axis=0)
    # 60 replications estimate a variance to about ±18 %; a wrong weight (p instead of
    # p(1−p)) or a missing constraint would miss by a factor of 2 or more.
    assert 0.7 < float(empirical_variance.mean() / fisher_variance.mean()) < 1.4
    assert np.all(
        (empirical_variance / fisher_variance > 0.4) & (empirical_variance < 2.2 * fisher_variance)
    )


def test_always_winning_essay_gets_finite_top_theta_and_se() -> None:
    outcomes = [
        outcome("champion", "b", "champion"),
        outcome("c", "champion", "champion"),
        outcome("champion", "d", "champion"),
        outcome("b", "c", "b"),
        outcome("c", "d", "d"),
        outcome("d", "b", "b"),
        outcome("c", "b", "c"),
    ]

    fit = fit_bradley_terry(outcomes)

    assert max(fit.theta, key=fit.theta.__getitem__) == "champion"
    assert fit.separated == ("champion",)
    for essay_id in fit.theta:
        assert np.isfinite(fit.theta[essay_id])
        assert np.isfinite(fit.standard_error[essay_id])
        assert fit.standard_error[essay_id] > 0


def test_uncompared_essays_are_counted_but_have_no_theta() -> None:
    outcomes = [outcome("a", "b", "a"), outcome("b", "a", "a"), outcome("a", "b", "b")]

    fit = fit_bradley_terry(outcomes, essay_ids=["a", "b", "lonely"])

    assert fit.comparison_count == {"a": 3, "b": 3, "lonely": 0}
    assert set(fit.theta) == set(fit.standard_error) == {"a", "b"}


def test_comparisons_of_unknown_essays_are_rejected() -> None:
    with pytest.raises(ValueError, match="outside essay_ids"):
        fit_bradley_terry([outcome("a", "b", "a")], essay_ids=["a"])


def test_disconnected_components_are_centred_separately() -> None:
    outcomes = [
        outcome("a", "b", "a"),
        outcome("b", "a", "a"),
        outcome("a", "b", "b"),
        outcome("x", "y", "y"),
        outcome("y", "z", "y"),
        outcome("z", "x", "x"),
        outcome("x", "y", "x"),
    ]

    fit = fit_bradley_terry(outcomes)

    assert not fit.is_connected
    assert fit.components == (frozenset("xyz"), frozenset("ab"))
    assert fit.theta["a"] + fit.theta["b"] == pytest.approx(0.0, abs=1e-9)
    assert sum(fit.theta[e] for e in "xyz") == pytest.approx(0.0, abs=1e-9)
    assert all(np.isfinite(se) and se > 0 for se in fit.standard_error.values())


def test_no_comparisons_give_an_empty_fit() -> None:
    fit = fit_bradley_terry([], essay_ids=["a"])

    assert fit.theta == {}
    assert fit.comparison_count == {"a": 0}


@pytest.mark.parametrize("prior_sd", [0.0, -1.0, float("inf"), float("nan")])
def test_a_prior_that_is_not_positive_and_finite_is_rejected(prior_sd: float) -> None:
    with pytest.raises(ValueError, match="prior_sd"):
        fit_bradley_terry([outcome("a", "b", "a")], prior_sd=prior_sd)


def test_hundred_essays_two_thousand_comparisons_fit_well_under_a_second(
    simulate: Simulator,
) -> None:
    rng = np.random.default_rng(16)
    outcomes = simulate(rng.normal(0.0, 1.5, 100), 2000, rng)

    # CPU time, so other work on a shared machine does not make this flaky.
    started = time.process_time()
    fit = fit_bradley_terry(outcomes)
    elapsed = time.process_time() - started

    assert len(fit.theta) == 100
    assert elapsed < 1.0
