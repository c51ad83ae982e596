"""The interval of the anchors' Kendall τ-b, and the probability that each anchor pair is in order.

Model. The runner's Bradley–Terry MAP fit (:mod:`eng5_np.analysis.bradley_terry`; in a run, θ
net of the first-position effect, :mod:`eng5_np.analysis.position_effect`) with its Laplace
(Gaussian) posterior: θ ~ N(θ̂, Σ), Σ = P H⁻¹ P the sum-to-zero posterior covariance of
the whole fit (students included), of which only the anchors' block is used. The true τ-b is
τ-b between the grades and the judge's latent θ of the anchors.

Interval ("hybrid": the union of the percentile and basic intervals). ``draws`` vectors θ̃ are
drawn from the anchors' marginal posterior and τ̃ = τ-b(grades, θ̃) computed for each (ties as in
the point estimate: :data:`~eng5_np.analysis.kendall.THETA_TIE`). With q the α/2 and 1 − α/2
quantiles of τ̃, the interval is [min(q_lo, 2τ̂ − q_hi), max(q_hi, 2τ̂ − q_lo)] clipped to
[−1, 1]. Why both. Noise in θ can only break an order, so τ̃ sits below τ̂ much as τ̂ sits below
the truth: the percentile interval [q_lo, q_hi] then misses a true τ-b of 1 (coverage 0.037–0.882
on the grid below) and the basic interval [2τ̂ − q_hi, 2τ̂ − q_lo], which reflects that shift,
misses interior values (0.877–0.975) and often puts its lower bound exactly at τ̂ (the
``0.944 [0.94, 1.00]`` of issue 16). The union holds whichever of the two is right, always
contains τ̂, and puts a bound at τ̂ only when 95 % of the posterior gives τ̂ itself.

Measured (``nice -n 10 python benchmarks/bench_coverage.py``, seed 16: 9 anchors, 0.75 or 1.5
logits between adjacent grades, 10 or 20 comparisons per anchor on a random design, the grades'
order or two pairs swapped, a logistic judge, 400 datasets per scenario; the printed table is in
``benchmarks/README.md``): the hybrid interval covered the true τ-b in 0.945–1.000 of datasets
over the 12 scenarios (mean width 0.465) and never put a bound at an interior τ̂; the percentile
interval 0.037–1.000, the basic 0.877–1.000, and the basic bootstrap over comparisons that the
runner used before 0.807–0.973. The basic interval at the 0.005/0.995 quantiles also covers
(0.955–1.000, mean width 0.347) but puts a bound at τ̂ in up to 1.5 % of datasets, and its level
was picked by looking at the grid. The hybrid interval is wide at 10 comparisons per anchor
(0.501–0.606) and costs most, against the basic interval, where the judge follows the grades
(0.295 against 0.088 at 1.5 logits and 20 per anchor): read a lower bound well below τ̂ as
"these data cannot exclude a few more swaps", not as evidence of them.

Cost: one covariance of the fit plus ``draws`` τ-b evaluations of the anchors (vectorised):
milliseconds for a run's anchors.

Order probabilities. For two anchors h (higher grade) and l, P(θ_h > θ_l) under the same
posterior is Φ((θ̂_h − θ̂_l) / sd(θ_h − θ_l)); an inversion is a pair with P < 0.5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import erf, sqrt

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bradley_terry import (
    BTFit,
    constrained_covariance,
    fit_bradley_terry,
    information_matrix,
)
from eng5_np.analysis.bt_batch import tau_b_many
from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.kendall import THETA_TIE, kendall_tau_b

DEFAULT_DRAWS = 4000
"""Posterior draws per interval: the 2.5 % tails then rest on 100 draws each."""
DEFAULT_SEED = 20261124
DEFAULT_CONFIDENCE = 0.95
MIN_USABLE_SHARE = 0.5
"""Below this share of draws with a defined τ-b the interval is not reported."""
METHOD = (
    "hybrid interval (union of percentile and basic) of τ-b over draws from the Laplace "
    "posterior of the Bradley–Terry MAP fit, clipped to [-1, 1]"
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class IntervalSettings:
    """How many posterior draws, which seed, which confidence level (recorded in artefacts)."""

    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    confidence: float = DEFAULT_CONFIDENCE

    def __post_init__(self) -> None:
        if self.draws < 2:
            raise ValueError(f"the interval needs at least 2 draws, got {self.draws}")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence must lie in (0, 1), got {self.confidence}")


@dataclass(frozen=True)
class TauBInterval:
    """τ-b of the anchors, its interval, or why there is none."""

    estimate: float | None
    low: float | None
    high: float | None
    draws: int
    """Posterior draws with a defined τ-b."""
    reasons: tuple[str, ...]
    """Why the estimate or the interval is missing."""

    @property
    def interval(self) -> tuple[float, float] | None:
        """(low, high), or None when the interval could not be computed."""
        if self.low is None or self.high is None:
            return None
        return (self.low, self.high)


@dataclass(frozen=True)
class OrderProbability:
    """P(the higher-graded anchor's latent θ is above the lower-graded one's)."""

    higher_grade_id: str
    lower_grade_id: str
    probability: float


def anchor_posterior(
    outcomes: Sequence[ComparisonOutcome], anchors: Sequence[str], fit: BTFit | None = None
) -> tuple[FloatArray, FloatArray]:
    """The anchors' posterior mean θ̂ (k,) and covariance (k, k) from the runner's fit.

    The fit's own covariance when it kept one (θ fitted jointly with δ), else the plain fit's.

    ``anchors`` must all have a θ in one component of ``fit`` (``ValueError`` otherwise).
    """
    fit = fit or fit_bradley_terry(outcomes)
    essays = sorted(fit.theta)
    index = {essay: i for i, essay in enumerate(essays)}
    missing = [a for a in anchors if a not in index]
    if missing:
        raise ValueError(f"anchors without a θ: {missing}")
    theta = np.array([fit.theta[e] for e in essays], dtype=np.float64)
    covariance = fit.covariance
    if covariance is None:
        wins = np.zeros((len(essays), len(essays)), dtype=np.float64)
        for o in outcomes:
            wins[index[o.winner_id], index[o.loser_id]] += 1.0
        groups = [
            np.array(sorted(index[e] for e in part), dtype=np.intp) for part in fit.components
        ]
        covariance = constrained_covariance(information_matrix(theta, wins), fit.prior_sd, groups)
    chosen = np.array([index[a] for a in anchors], dtype=np.intp)
    return theta[chosen], covariance[np.ix_(chosen, chosen)]


def tau_b_interval(
    outcomes: Sequence[ComparisonOutcome],
    anchor_positions: Mapping[str, int],
    *,
    fit: BTFit | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    confidence: float = DEFAULT_CONFIDENCE,
) -> TauBInterval:
    """τ-b between ``anchor_positions`` (grade position, higher = better) and θ, with its interval.

    ``outcomes`` are the successful comparisons (students included); ``fit`` their
    :func:`fit_bradley_terry` if already computed. The same inputs and seed always give the
    same interval. See the module docstring for the method and its measured coverage.
    """
    IntervalSettings(draws, seed, confidence)  # checks the arguments
    anchors = sorted(anchor_positions)
    positions = np.array([float(anchor_positions[a]) for a in anchors], dtype=np.float64)
    if len(anchors) < 2 or len(set(positions.tolist())) < 2:
        reason = (
            "Kendall's τ-b needs at least two anchors of different grades with a θ "
            f"({len(anchors)} placed, {len(set(positions.tolist()))} distinct grade(s))"
        )
        return TauBInterval(None, None, None, 0, (reason,))
    fit = fit or fit_bradley_terry(outcomes)
    if not any(set(anchors) <= part for part in fit.components):
        reason = "the anchors are not all in one connected part of the comparisons: no τ-b"
        return TauBInterval(None, None, None, 0, (reason,))
    estimate, sample = tau_b_draws(outcomes, anchor_positions, fit, draws, seed)
    if estimate is None:
        return TauBInterval(
            None, None, None, 0, ("Kendall's τ-b is undefined: every anchor has the same θ",)
        )
    if len(sample) < MIN_USABLE_SHARE * draws:
        reason = (
            f"no interval: τ-b is undefined in {draws - len(sample)} of {draws} posterior draws"
        )
        return TauBInterval(estimate, None, None, len(sample), (reason,))
    low, high = hybrid_bounds(estimate, sample, confidence)
    return TauBInterval(estimate, low, high, len(sample), ())


def tau_b_draws(
    outcomes: Sequence[ComparisonOutcome],
    anchor_positions: Mapping[str, int],
    fit: BTFit,
    draws: int,
    seed: int,
) -> tuple[float | None, FloatArray]:
    """τ̂ and the τ-b of ``draws`` posterior draws of the anchors (undefined ones dropped).

    The anchors must share one component of ``fit``.
    """
    anchors = sorted(anchor_positions)
    positions = np.array([float(anchor_positions[a]) for a in anchors], dtype=np.float64)
    mean, covariance = anchor_posterior(outcomes, anchors, fit)
    estimate = kendall_tau_b(positions.tolist(), mean.tolist(), tie_tolerance=THETA_TIE)
    sample = tau_b_many(positions, _draw(mean, covariance, draws, seed), THETA_TIE)
    finite: FloatArray = sample[np.isfinite(sample)]
    return estimate, finite


def hybrid_bounds(estimate: float, sample: FloatArray, confidence: float) -> tuple[float, float]:
    """[min(q_lo, 2τ̂ − q_hi), max(q_hi, 2τ̂ − q_lo)] ∩ [−1, 1] (module docstring)."""
    alpha = 1.0 - confidence
    q_low, q_high = (float(q) for q in np.quantile(sample, [alpha / 2.0, 1.0 - alpha / 2.0]))
    low = max(-1.0, min(q_low, 2.0 * estimate - q_high))
    high = min(1.0, max(q_high, 2.0 * estimate - q_low))
    return low, high


def order_probabilities(
    outcomes: Sequence[ComparisonOutcome],
    anchor_positions: Mapping[str, int],
    fit: BTFit | None = None,
) -> tuple[OrderProbability, ...]:
    """For every pair of anchors with different grades, P(they are in the grades' order).

    Anchors must share one component of the fit (``ValueError`` otherwise, from
    :func:`anchor_posterior`). Ordered by the higher anchor's grade, then the lower's, highest
    first.
    """
    anchors = sorted(anchor_positions)
    if len(anchors) < 2:
        return ()
    mean, covariance = anchor_posterior(outcomes, anchors, fit)
    found = []
    for i, j in combinations(range(len(anchors)), 2):
        first, second = anchors[i], anchors[j]
        if anchor_positions[first] == anchor_positions[second]:
            continue
        h, lo = (i, j) if anchor_positions[first] > anchor_positions[second] else (j, i)
        spread = float(covariance[h, h] + covariance[lo, lo] - 2.0 * covariance[h, lo])
        gap = float(mean[h] - mean[lo])
        probability = _normal_cdf(gap / sqrt(spread)) if spread > 0 else float(gap > 0)
        found.append(OrderProbability(anchors[h], anchors[lo], probability))
    found.sort(
        key=lambda p: (
            -anchor_positions[p.higher_grade_id],
            -anchor_positions[p.lower_grade_id],
            p.higher_grade_id,
            p.lower_grade_id,
        )
    )
    return tuple(found)


def _draw(mean: FloatArray, covariance: FloatArray, draws: int, seed: int) -> FloatArray:
    """``draws`` rows from N(mean, covariance); the covariance may be singular (centring)."""
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    normal = np.random.default_rng(seed).standard_normal((draws, len(mean)))
    sample: FloatArray = mean[None, :] + normal @ root.T
    return sample


def _normal_cdf(value: float) -> float:
    return 0.5 * (1.0 + erf(value / sqrt(2.0)))
