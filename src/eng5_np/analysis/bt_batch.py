"""Many Bradley–Terry MAP fits at once, and Kendall's τ-b of many θ vectors at once.

The coverage benchmarks refit the model on hundreds of resampled or simulated datasets of one
design (``benchmarks/bench_coverage.py``: the former bootstrap interval, 500 refits per
dataset); fitting them one by one in Python costs a Python loop per Newton step per dataset.
Here the datasets are stacked: ``wins`` has shape (R, n, n) and every Newton step is a handful
of array operations plus one batched ``numpy.linalg.solve`` over R systems. The runner's own
first-position fit (:mod:`eng5_np.analysis.position_effect`) is the R = 1 case.

Model and objective are those of :mod:`eng5_np.analysis.bradley_terry` (MAP, prior
θ ~ N(0, σ²)), optionally with a first-position effect δ (logit P(A wins) = θ_A − θ_B + δ,
prior δ ~ N(0, σ²)): then the input is the (R, n, n) array of *first-shown wins* ``first[i, j]``
= times i, shown first against j, won, and ``second[i, j]`` = times i, shown second against j
(shown first), won. Newton steps are halved per dataset until the log posterior does not
decrease, exactly as in the single fit. ``tests/analysis/test_analysis_bt_batch.py`` checks the
batched θ against :func:`~eng5_np.analysis.bradley_terry.fit_bradley_terry` and against
``choix`` (an independent implementation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bradley_terry import (
    DEFAULT_PRIOR_SD,
    GRADIENT_TOLERANCE,
    MAX_HALVINGS,
    MAX_NEWTON_STEPS,
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BatchFit:
    """MAP estimates of R datasets and the curvature at them."""

    theta: FloatArray
    """(R, n)."""
    delta: FloatArray
    """(R,): the first-position effect, 0 when not estimated."""
    converged: npt.NDArray[np.bool_]
    """(R,)."""
    curvature: FloatArray
    """(R, p, p): minus the Hessian of the log posterior at the estimate, p = n (+ 1 for δ,
    last); its inverse is the Laplace posterior covariance."""
    steps: int = 0
    """Newton steps taken by the slowest dataset."""


def fit_many(
    wins: FloatArray, prior_sd: float = DEFAULT_PRIOR_SD, max_steps: int = MAX_NEWTON_STEPS
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """MAP θ of every win matrix in ``wins`` (R, n, n); returns (θ (R, n), converged (R,)).

    ``wins[r, i, j]`` counts how often i beat j in dataset r. An essay without comparisons in a
    dataset gets θ = 0 there (the prior's mode); the others are unaffected by it.
    """
    fit = fit_many_with_position(wins, None, prior_sd, max_steps)
    return fit.theta, fit.converged


def fit_many_with_position(
    first: FloatArray,
    second: FloatArray | None,
    prior_sd: float = DEFAULT_PRIOR_SD,
    max_steps: int = MAX_NEWTON_STEPS,
) -> BatchFit:
    """MAP (θ, δ) per dataset; ``second`` None fits θ alone (δ = 0) from ``first`` as wins.

    With ``second``: ``first[r, i, j]`` = wins of i shown first against j, ``second[r, i, j]``
    = wins of i shown second against j.
    """
    if first.ndim != 3 or first.shape[1] != first.shape[2]:
        raise ValueError(f"win matrices must have shape (R, n, n), got {first.shape}")
    count, size = first.shape[0], first.shape[1]
    with_delta = second is not None
    # Presentations: shown[r, i, j] = comparisons with i first and j second. Without δ every
    # comparison is read as "the winner was shown first": the likelihood is then exactly
    # Σ wins · log σ(θ_i − θ_j), and δ (held at 0) never enters.
    first_wins = first
    if second is None:
        wins, shown = first, first
    else:
        wins = first + second
        shown = first + np.swapaxes(second, 1, 2)
    params = size + (1 if with_delta else 0)
    estimate = np.zeros((count, params), dtype=np.float64)
    precision = 1.0 / prior_sd**2
    meetings = wins + np.swapaxes(wins, 1, 2)
    tolerance = GRADIENT_TOLERANCE * (1.0 + meetings.sum(axis=2).max(axis=1, initial=0.0))

    def split(values: FloatArray) -> tuple[FloatArray, FloatArray]:
        theta = values[:, :size]
        delta = values[:, size] if with_delta else np.zeros(len(values))
        return theta, delta

    def objective(values: FloatArray, rows: npt.NDArray[np.intp]) -> FloatArray:
        theta, delta = split(values)
        # P(first-shown i beats j) = σ(θ_i − θ_j + δ); log σ(x) = −log(1 + e^{−x}).
        margin = theta[:, :, None] - theta[:, None, :] + delta[:, None, None]
        first_won = first_wins[rows]
        first_lost = shown[rows] - first_won
        likelihood = np.sum(
            first_won * -np.logaddexp(0.0, -margin) + first_lost * -np.logaddexp(0.0, margin),
            axis=(1, 2),
        )
        value: FloatArray = likelihood - np.sum(values**2, axis=1) * precision / 2.0
        return value

    def derivatives(
        values: FloatArray, rows: npt.NDArray[np.intp]
    ) -> tuple[FloatArray, FloatArray]:
        theta, delta = split(values)
        margin = theta[:, :, None] - theta[:, None, :] + delta[:, None, None]
        probability = 0.5 * (1.0 + np.tanh(0.5 * margin))  # P(row shown first beats column)
        pres = shown[rows]
        residual = first_wins[rows] - pres * probability  # per ordered presentation
        weight = pres * probability * (1.0 - probability)
        # θ_i enters + as first-shown (rows) and − as second-shown (columns).
        gradient = np.empty_like(values)
        gradient[:, :size] = residual.sum(axis=2) - residual.sum(axis=1)
        symmetric = weight + np.swapaxes(weight, 1, 2)
        hessian = np.zeros((len(rows), params, params), dtype=np.float64)
        hessian[:, :size, :size] = -symmetric
        diagonal = np.arange(size)
        hessian[:, diagonal, diagonal] = symmetric.sum(axis=2)
        if with_delta:
            gradient[:, size] = residual.sum(axis=(1, 2))
            cross = weight.sum(axis=2) - weight.sum(axis=1)
            hessian[:, :size, size] = cross
            hessian[:, size, :size] = cross
            hessian[:, size, size] = weight.sum(axis=(1, 2))
        gradient -= precision * values
        hessian[:, np.arange(params), np.arange(params)] += precision
        return gradient, hessian

    converged = np.zeros(count, dtype=bool)
    active = np.arange(count)
    current = objective(estimate, active)
    steps = 0
    for _ in range(max_steps):
        gradient, hessian = derivatives(estimate[active], active)
        done = np.max(np.abs(gradient), axis=1) <= tolerance[active]
        converged[active[done]] = True
        keep = ~done
        active, gradient, hessian = active[keep], gradient[keep], hessian[keep]
        if not len(active):
            break
        steps += 1
        direction = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        scale = np.ones(len(active))
        pending = np.arange(len(active))
        candidate = estimate[active].copy()
        value = current[active].copy()
        for _ in range(MAX_HALVINGS):
            trial = estimate[active[pending]] + scale[pending, None] * direction[pending]
            trial_value = objective(trial, active[pending])
            better = trial_value >= current[active[pending]]
            candidate[pending[better]] = trial[better]
            value[pending[better]] = trial_value[better]
            pending = pending[~better]
            if not len(pending):
                break
            scale[pending] /= 2.0
        # No step that raises the log posterior at machine precision: that dataset sits at
        # its maximum (the gradient is rounding noise).
        stuck = value <= current[active]
        converged[active[stuck]] = True
        estimate[active] = candidate
        current[active] = value
        active = active[~stuck]
        if not len(active):
            break
    theta, delta = split(estimate)
    _, hessian = derivatives(estimate, np.arange(count))
    return BatchFit(theta.copy(), delta.copy(), converged, hessian, steps)


def tau_b_many(positions: FloatArray, theta: FloatArray, tie_tolerance: float) -> FloatArray:
    """Kendall's τ-b of ``positions`` (k,) against every row of ``theta`` (R, k); NaN if undefined.

    The same statistic as :func:`eng5_np.analysis.kendall.kendall_tau_b`, one row at a time.
    """
    upper = np.triu_indices(len(positions), 1)
    dx = positions[:, None] - positions[None, :]
    sign_x = np.where(np.abs(dx) <= 0.0, 0.0, np.sign(dx))[upper]
    dy = theta[:, :, None] - theta[:, None, :]
    sign_y = np.where(np.abs(dy) <= tie_tolerance, 0.0, np.sign(dy))[:, upper[0], upper[1]]
    untied_x = float(np.count_nonzero(sign_x))
    untied_y = np.count_nonzero(sign_y, axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (sign_y @ sign_x) / np.sqrt(untied_x * untied_y)
    result: FloatArray = np.where(untied_y > 0, np.clip(tau, -1.0, 1.0), np.nan)
    if untied_x == 0:
        result[:] = np.nan
    return result
