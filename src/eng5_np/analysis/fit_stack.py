"""Many Bradley–Terry fits at once with their SEs, and the run figures of each (resampling).

The difference intervals of ``compare`` (:mod:`eng5_np.analysis.differences`) and the power
planner (:mod:`eng5_np.analysis.power`) need hundreds of fits of the same essays: one per
bootstrap replicate or per simulated run. :func:`fit_many` fits a stack of win matrices
``(R, n, n)`` together with :func:`~eng5_np.analysis.bt_batch.fit_many` (the same MAP objective
as :func:`~eng5_np.analysis.bradley_terry.fit_bradley_terry`, prior θ ~ N(0, σ²), σ = 3,
Newton with per-dataset step halving) and adds the SEs from the centred posterior covariance,
θ centred to mean 0. Essays are assumed to form one connected component in every matrix
(resamples of a run of ~10 comparisons per essay lose an essay with probability ≈ e⁻¹⁰ per
essay); an essay with no comparison in a replicate keeps θ = 0.
``tests/analysis/test_analysis_fit_stack.py`` checks θ against the single fit to 1e-6.

:func:`figures_of_fits` computes, per fit, the run figures compare compares — Kendall's τ-b of
the anchors (θ within :data:`~eng5_np.analysis.kendall.THETA_TIE` tied, as the alignment block),
inversions (anchor pairs of different grades in the wrong θ order), and the scale separation
reliability over every essay (sample variance, SEs from the centred posterior covariance) —
vectorised over the stack.

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bradley_terry import DEFAULT_PRIOR_SD
from eng5_np.analysis.bt_batch import fit_many_with_position, tau_b_many
from eng5_np.analysis.kendall import THETA_TIE

FloatArray = npt.NDArray[np.float64]
ITERATIONS = 40
"""Newton steps at most; from θ = 0 the fits settle well within 25 (gradient < 1e-9)."""


def fit_many(
    wins: FloatArray, prior_sd: float = DEFAULT_PRIOR_SD, iterations: int = ITERATIONS
) -> tuple[FloatArray, FloatArray]:
    """θ ``(R, n)`` and posterior SEs ``(R, n)`` of a stack of win matrices ``(R, n, n)``."""
    fit = fit_many_with_position(wins, None, prior_sd, max_steps=iterations)
    size = wins.shape[1]
    theta = fit.theta - fit.theta.mean(axis=1, keepdims=True)
    centring = np.eye(size) - np.full((size, size), 1.0 / size)
    covariance = centring @ np.linalg.inv(fit.curvature) @ centring
    se = np.sqrt(np.clip(np.diagonal(covariance, axis1=1, axis2=2), 0.0, None))
    return theta, se


@dataclass(frozen=True)
class FitFigures:
    """τ-b, inversions and SSR of each fit in a stack (NaN where undefined)."""

    tau_b: FloatArray
    inversions: FloatArray
    ssr: FloatArray

    def figure(self, name: str) -> FloatArray:
        """One figure by name: ``tau_b``, ``inversions`` or ``ssr``."""
        values: FloatArray = getattr(self, name)
        return values


def figures_of_fits(
    theta: FloatArray, se: FloatArray, anchor_index: Sequence[int], positions: Sequence[float]
) -> FitFigures:
    """The compare figures of every fit; ``anchor_index`` and ``positions`` align."""
    rows, cols = np.triu_indices(len(anchor_index), 1)
    index = np.asarray(anchor_index, dtype=np.intp)
    grade = np.asarray(positions, dtype=np.float64)
    sign_x = np.sign(grade[rows] - grade[cols])
    anchors = theta[:, index]
    gaps = anchors[:, rows] - anchors[:, cols]
    sign_y = np.sign(gaps)
    sign_y[np.abs(gaps) <= THETA_TIE] = 0.0
    tau = tau_b_many(grade, anchors, THETA_TIE)
    inversions = ((sign_x != 0)[None, :] & (sign_x[None, :] * sign_y < 0)).sum(axis=1)
    variance = theta.var(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ssr = np.where(variance > 0, (variance - (se**2).mean(axis=1)) / variance, np.nan)
    return FitFigures(tau, inversions.astype(np.float64), ssr)
