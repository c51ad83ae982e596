"""The judge's first-position effect δ, estimated inside the Bradley–Terry model.

Model: logit P(the essay shown first wins) = θ_A − θ_B + δ, with the priors of the runner's fit
(θ_i ~ N(0, σ²) and δ ~ N(0, σ²), σ = 3 logits), fitted jointly by MAP Newton
(:func:`~eng5_np.analysis.bt_batch.fit_many_with_position`). δ > 0: the judge favours the
essay shown first; at δ = 0.4 an even pair is won by the first-shown essay 60 % of the time.
θ from this fit is *net* of the position effect. Every comparison informs δ through its order;
pairs judged in both orders (``--judge-both-orders``) inform it most directly, since their θ
difference cancels.

Interval: δ̂ ± 1.96 · SE, SE from the Laplace posterior (the inverse curvature of the log
posterior at the estimate, θ and δ jointly).

Measured (``nice -n 10 python benchmarks/bench_position_effect.py``, 9 anchors 0.75 logits
apart, random presentation order, 10–40 comparisons per anchor, 400 datasets each, output in
``benchmarks/README.md``): mean δ̂ 0.482–0.508 for a true δ of 0.5 and 0.000–0.026 for 0; the
interval covered δ in 0.940–0.973 of datasets. With random order, θ net of δ did not change
τ-b's coverage materially (0.938–0.985 against 0.953–0.988 for the plain fit).

Not enough data. δ is estimated only with at least :data:`MIN_COMPARISONS` successful
comparisons, both first-position wins and first-position losses among them, and a posterior
SE of δ at most :data:`MAX_DELTA_SE`; otherwise the result says why and falls back to δ = 0
(θ of the plain fit). :func:`fit_net_of_position` is the fit a run reports (``bt_summary``'s
runner θ and SE, SSR, the alignment block); the plain fit (no δ) stays
:func:`~eng5_np.analysis.fit_bradley_terry` (split-half halves, the local stack's service).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import sqrt

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bradley_terry import DEFAULT_PRIOR_SD, BTFit, fit_bradley_terry
from eng5_np.analysis.bt_batch import fit_many_with_position
from eng5_np.analysis.comparisons import ComparisonOutcome

MIN_COMPARISONS = 20
"""Fewer successful comparisons than this: δ is not estimated."""
MAX_DELTA_SE = 1.0
"""A posterior SE of δ above this many logits: δ is not estimated (the data barely inform it)."""
Z95 = 1.959964

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PositionEffect:
    """δ with its 95 % interval — or why δ was not estimated (θ then has δ = 0)."""

    estimate: float | None
    """δ̂ in logits; None when not estimated."""
    standard_error: float | None
    interval: tuple[float, float] | None
    comparisons: int
    first_position_wins: int
    reason: str | None = None
    """Why δ was not estimated."""


def position_effect(
    outcomes: Sequence[ComparisonOutcome], prior_sd: float = DEFAULT_PRIOR_SD
) -> PositionEffect:
    """δ of :func:`fit_net_of_position` (module docstring)."""
    return fit_net_of_position(outcomes, prior_sd)[1]


def fit_net_of_position(
    outcomes: Sequence[ComparisonOutcome], prior_sd: float = DEFAULT_PRIOR_SD
) -> tuple[BTFit, PositionEffect]:
    """θ net of δ as a :class:`BTFit` (with its covariance), and δ; the plain fit when the
    data cannot inform δ (module docstring). Components, separated essays and comparison
    counts are the plain fit's (δ moves no essay across a component or out of separation)."""
    plain = fit_bradley_terry(outcomes, prior_sd=prior_sd)
    first_wins = sum(1 for o in outcomes if o.winner_id == o.essay_a_id)
    reason = _too_little(len(outcomes), first_wins)
    essays = sorted(plain.theta)
    if reason is None:
        index = {e: i for i, e in enumerate(essays)}
        size = len(essays)
        first = np.zeros((1, size, size))
        second = np.zeros((1, size, size))
        for o in outcomes:
            target = first if o.winner_id == o.essay_a_id else second
            target[0, index[o.winner_id], index[o.loser_id]] += 1.0
        joint = fit_many_with_position(first, second, plain.prior_sd)
        centring = _centring(plain, index, size + 1)
        covariance = centring @ np.linalg.inv(joint.curvature[0]) @ centring
        se_delta = sqrt(float(covariance[size, size]))
        if se_delta <= MAX_DELTA_SE:
            delta = float(joint.delta[0])
            errors = np.sqrt(np.clip(np.diag(covariance)[:size], 0.0, None))
            fit = replace(
                plain,
                theta={e: float(joint.theta[0, i]) for e, i in index.items()},
                standard_error={e: float(errors[i]) for e, i in index.items()},
                iterations=joint.steps,
                converged=bool(joint.converged[0]),
                position_effect=delta,
                covariance=covariance[:size, :size],
            )
            effect = PositionEffect(
                estimate=delta,
                standard_error=se_delta,
                interval=(delta - Z95 * se_delta, delta + Z95 * se_delta),
                comparisons=len(outcomes),
                first_position_wins=first_wins,
            )
            return fit, effect
        reason = (
            f"the first-position effect is not estimated: its posterior SE would be "
            f"{se_delta:.2f} logits (above {MAX_DELTA_SE:g}); θ assumes δ = 0"
        )
    return plain, PositionEffect(None, None, None, len(outcomes), first_wins, reason)


def _too_little(comparisons: int, first_wins: int) -> str | None:
    if comparisons < MIN_COMPARISONS:
        return (
            f"the first-position effect is not estimated: {comparisons} successful comparisons "
            f"(needs {MIN_COMPARISONS}); θ assumes δ = 0"
        )
    if first_wins in (0, comparisons):
        side = "every" if first_wins else "no"
        return (
            f"the first-position effect is not estimated: the first-shown essay won {side} "
            "comparison, so δ is unbounded; θ assumes δ = 0"
        )
    return None


def _centring(fit: BTFit, index: dict[str, int], params: int) -> FloatArray:
    """P centring θ per connected component (the sum-to-zero constraint); δ untouched."""
    centring = np.eye(params)
    for part in fit.components:
        members = np.array(sorted(index[e] for e in part if e in index), dtype=np.intp)
        centring[np.ix_(members, members)] -= 1.0 / len(members)
    return centring
