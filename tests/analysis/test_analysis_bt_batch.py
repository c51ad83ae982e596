"""Batched fits and τ-b against independent implementations, and the first-position effect δ.

Independent: θ against ``choix.opt_pairwise`` (penalty α Σθ², so α = 1/(2σ²) is the runner's
prior), δ against a penalised logistic regression written here row by row and solved by
``scipy.optimize``, τ-b against ``scipy.stats.kendalltau``.
"""

from __future__ import annotations

import choix
import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import kendalltau

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.bt_batch import fit_many, fit_many_with_position, tau_b_many
from eng5_np.analysis.position_effect import MIN_COMPARISONS, fit_net_of_position

SIZE = 8
SD = 3.0


def _comparisons(
    rng: np.random.Generator, count: int, delta: float = 0.0
) -> tuple[np.ndarray, list[ComparisonOutcome]]:
    theta = np.linspace(-1.5, 1.5, SIZE)
    rows = []
    outcomes = []
    for _ in range(count):
        a, b = rng.choice(SIZE, size=2, replace=False)
        first_won = rng.random() < 1.0 / (1.0 + np.exp(-(theta[a] - theta[b] + delta)))
        rows.append((a, b, first_won))
        winner, loser = (a, b) if first_won else (b, a)
        outcomes.append(ComparisonOutcome(f"e{a}", f"e{b}", f"e{winner}", f"e{loser}"))
    return np.array(rows, dtype=np.int64), outcomes


def test_batched_theta_matches_choix_and_the_single_fit() -> None:
    rng = np.random.default_rng(5)
    wins = np.zeros((6, SIZE, SIZE))
    data = []
    for r in range(6):
        rows, _ = _comparisons(rng, 60)
        pairs = [(a, b) if won else (b, a) for a, b, won in rows]
        data.append(pairs)
        for winner, loser in pairs:
            wins[r, winner, loser] += 1.0

    theta, converged = fit_many(wins)

    assert converged.all()
    for r, pairs in enumerate(data):
        reference = choix.opt_pairwise(SIZE, pairs, alpha=1.0 / (2 * SD**2), method="Newton-CG")
        assert theta[r] == pytest.approx(reference - reference.mean(), abs=1e-6)
        outcomes = [ComparisonOutcome(f"e{w}", f"e{lo}", f"e{w}", f"e{lo}") for w, lo in pairs]
        single = fit_bradley_terry(outcomes)
        assert theta[r] == pytest.approx([single.theta[f"e{i}"] for i in range(SIZE)], abs=1e-6)


def test_delta_matches_an_independent_penalised_logistic_regression() -> None:
    rows, outcomes = _comparisons(np.random.default_rng(11), 300, delta=0.6)
    design = np.zeros((len(rows), SIZE + 1))
    design[np.arange(len(rows)), rows[:, 0]] += 1.0
    design[np.arange(len(rows)), rows[:, 1]] -= 1.0
    design[:, SIZE] = 1.0  # the first-position effect
    first_won = rows[:, 2].astype(np.float64)

    def negative_log_posterior(params: np.ndarray) -> float:
        margin = design @ params
        return float(
            np.sum(np.logaddexp(0.0, margin) - first_won * margin) + params @ params / (2 * SD**2)
        )

    reference = minimize(negative_log_posterior, np.zeros(SIZE + 1), method="BFGS", tol=1e-10).x
    fit, effect = fit_net_of_position(outcomes)

    assert effect.estimate == pytest.approx(reference[SIZE], abs=1e-4)
    assert fit.position_effect == effect.estimate
    assert "θ net of it" in fit.method_description
    assert [fit.theta[f"e{i}"] for i in range(SIZE)] == pytest.approx(reference[:SIZE], abs=1e-4)
    assert effect.interval is not None
    low, high = effect.interval
    assert low < 0.6 < high  # the simulated judge's δ
    assert low > 0.0  # 300 comparisons detect a δ of 0.6


def test_delta_is_not_estimated_from_too_little_data_and_theta_falls_back() -> None:
    _, outcomes = _comparisons(np.random.default_rng(2), MIN_COMPARISONS - 1)
    fit, effect = fit_net_of_position(outcomes)
    plain = fit_bradley_terry(outcomes)

    assert (effect.estimate, effect.interval) == (None, None)
    assert effect.reason is not None
    assert "δ = 0" in effect.reason
    for essay, theta in plain.theta.items():
        assert fit.theta[essay] == pytest.approx(theta, abs=1e-6)
        assert fit.standard_error[essay] == pytest.approx(plain.standard_error[essay], rel=1e-6)

    always_first = [ComparisonOutcome(o.winner_id, o.loser_id, o.winner_id, o.loser_id)
                    for o in _comparisons(np.random.default_rng(3), 40)[1]]  # fmt: skip
    assert "won every" in (fit_net_of_position(always_first)[1].reason or "")


def test_batched_tau_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    positions = np.array([0, 1, 1, 2, 3, 4, 4, 5], dtype=np.float64)  # shared grades
    theta = rng.normal(size=(50, len(positions)))

    taus = tau_b_many(positions, theta, tie_tolerance=0.0)

    for row, tau in zip(theta, taus, strict=True):
        assert tau == pytest.approx(kendalltau(positions, row).statistic, abs=1e-12)
    assert np.isnan(tau_b_many(positions, np.zeros((1, len(positions))), 0.0)[0])


def test_fit_many_with_position_reports_its_curvature() -> None:
    rows, _ = _comparisons(np.random.default_rng(9), 120, delta=0.3)
    first = np.zeros((1, SIZE, SIZE))
    second = np.zeros((1, SIZE, SIZE))
    for a, b, won in rows:
        if won:
            first[0, a, b] += 1
        else:
            second[0, b, a] += 1

    fit = fit_many_with_position(first, second)

    curvature = fit.curvature[0]
    assert curvature.shape == (SIZE + 1, SIZE + 1)
    assert np.allclose(curvature, curvature.T)
    assert np.all(np.linalg.eigvalsh(curvature) > 0)
