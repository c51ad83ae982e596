"""Many Bradley–Terry fits at once with their SEs, and the run figures of each (resampling).

The difference intervals of ``compare`` (:mod:`eng5_np.analysis.differences`) and the power
planner (:mod:`eng5_np.analysis.power`) need hundreds of fits of the same essays: one per
bootstrap replicate or per simulated run. :func:`fit_many` fits a stack of win matrices
``(R, n, n)`` together: the same MAP objective as
:func:`~eng5_np.analysis.bradley_terry.fit_bradley_terry` (prior θ ~ N(0, σ²), σ = 3), Newton's
method from θ = 0 with every step clipped to ±:data:`MAX_STEP` logits per essay (the
objective is strictly concave, so the clipped iteration converges; it stands in for the single
fit's step halving, which does not vectorise), θ centred to mean 0. Essays are assumed to form
one connected component in every matrix (resamples of a run of ~10 comparisons per essay lose
an essay with probability ≈ e⁻¹⁰ per essay); an essay with no comparison in a replicate keeps
θ = 0. ``tests/analysis/test_analysis_fit_stack.py`` checks θ against the single fit to 1e-6.

:func:`figures_of_fits` computes, per fit, the run figures compare compares — Kendall's τ-b of
the anchors (θ within :data:`~eng5_np.analysis.kendall.THETA_TIE` tied, as the alignment block),
inversions (anchor pairs of different grades in the wrong θ order), and the scale separation
reliability over every essay (sample variance, SEs from the centred posterior covariance) —
vectorised over the stack.

(Issue 16's interval work adds a batched fit with step halving and a position effect,
``analysis/bt_batch.py``; when both are on one branch, :func:`fit_many` is the one place to
swap for it — θ from its ``theta``, SEs from the inverse of its ``curvature``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bradley_terry import DEFAULT_PRIOR_SD
from eng5_np.analysis.kendall import THETA_TIE

FloatArray = npt.NDArray[np.float64]
MAX_STEP = 2.0
"""Largest Newton move of one θ per iteration, in logits."""
ITERATIONS = 40
STEP_TOLERANCE = 1e-10
"""Stop once no θ moves more than this in an iteration."""
"""Newton iterations; from θ = 0 the fits settle well within 25 (gradient < 1e-9)."""


def fit_many(
    wins: FloatArray, prior_sd: float = DEFAULT_PRIOR_SD, iterations: int = ITERATIONS
) -> tuple[FloatArray, FloatArray]:
    """θ ``(R, n)`` and posterior SEs ``(R, n)`` of a stack of win matrices ``(R, n, n)``."""
    reps, size, _ = wins.shape
    meetings = wins + np.transpose(wins, (0, 2, 1))
    won = wins.sum(axis=2)
    precision = 1.0 / prior_sd**2
    theta = np.zeros((reps, size))
    eye = np.eye(size)
    ones = np.full((size, size), 1.0 / size)
    for _ in range(iterations):
        p = _sigmoid(theta[:, :, None] - theta[:, None, :])
        gradient = won - (meetings * p).sum(axis=2) - precision * theta
        hessian = _information(meetings, p) + precision * eye + ones
        step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        theta = theta + np.clip(step, -MAX_STEP, MAX_STEP)
        theta -= theta.mean(axis=1, keepdims=True)
        if float(np.max(np.abs(step), initial=0.0)) < STEP_TOLERANCE:
            break
    p = _sigmoid(theta[:, :, None] - theta[:, None, :])
    covariance = np.linalg.inv(_information(meetings, p) + precision * eye)
    centring = eye - ones
    covariance = centring @ covariance @ centring
    se = np.sqrt(np.clip(np.diagonal(covariance, axis1=1, axis2=2), 0.0, None))
    return theta, se


def _information(meetings: FloatArray, p: FloatArray) -> FloatArray:
    weight = meetings * p * (1.0 - p)
    information = -weight
    index = np.arange(meetings.shape[1])
    information[:, index, index] = weight.sum(axis=2)
    return information


def _sigmoid(values: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * values))
    return result


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
    untied_x = float(np.count_nonzero(sign_x))
    untied_y = np.count_nonzero(sign_y, axis=1).astype(np.float64)
    score = sign_y @ sign_x
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(
            (untied_x > 0) & (untied_y > 0), score / np.sqrt(untied_x * untied_y), np.nan
        )
    tau = np.clip(tau, -1.0, 1.0)
    inversions = ((sign_x != 0)[None, :] & (sign_x[None, :] * sign_y < 0)).sum(axis=1)
    variance = theta.var(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ssr = np.where(variance > 0, (variance - (se**2).mean(axis=1)) / variance, np.nan)
    return FitFigures(tau, inversions.astype(np.float64), ssr)
