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

Not enough data. δ is estimated only with at least :data:`MIN_COMPARISONS` successful
comparisons, both first-position wins and first-position losses among them, and a posterior
SE of δ at most :data:`MAX_DELTA_SE`; otherwise the result says why and falls back to δ = 0
(θ of the plain fit). The plain fit (no δ) stays :func:`~eng5_np.analysis.fit_bradley_terry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bradley_terry import DEFAULT_PRIOR_SD
from eng5_np.analysis.bt_batch import fit_many_with_position
from eng5_np.analysis.comparisons import ComparisonOutcome, connected_components

MIN_COMPARISONS = 20
"""Fewer successful comparisons than this: δ is not estimated."""
MAX_DELTA_SE = 1.0
"""A posterior SE of δ above this many logits: δ is not estimated (the data barely inform it)."""
Z95 = 1.959964

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PositionEffect:
    """δ with its 95 % interval, and θ net of it — or why δ was not estimated."""

    estimate: float | None
    """δ̂ in logits; None when not estimated (θ then has δ = 0)."""
    standard_error: float | None
    interval: tuple[float, float] | None
    comparisons: int
    first_position_wins: int
    theta: dict[str, float]
    """θ net of δ (or of the plain fit when δ was not estimated), mean 0 per component."""
    standard_error_theta: dict[str, float]
    reason: str | None = None
    """Why δ was not estimated."""


def position_effect(
    outcomes: Sequence[ComparisonOutcome], prior_sd: float = DEFAULT_PRIOR_SD
) -> PositionEffect:
    """Fit θ and δ jointly (module docstring); fall back to δ = 0 when the data cannot say."""
    first_wins = sum(1 for o in outcomes if o.winner_id == o.essay_a_id)
    reason = _too_little(len(outcomes), first_wins)
    essays = sorted({e for o in outcomes for e in o.pair})
    index = {e: i for i, e in enumerate(essays)}
    size = len(essays)
    first = np.zeros((1, size, size))
    second = np.zeros((1, size, size))
    for o in outcomes:
        target = first if o.winner_id == o.essay_a_id else second
        target[0, index[o.winner_id], index[o.loser_id]] += 1.0
    centring = _centring(outcomes, index, size + 1)
    if reason is None:
        fit = fit_many_with_position(first, second, prior_sd)
        covariance = centring @ np.linalg.inv(fit.curvature[0]) @ centring
        se_delta = sqrt(float(covariance[size, size]))
        if se_delta > MAX_DELTA_SE:
            reason = (
                f"the first-position effect is not estimated: its posterior SE would be "
                f"{se_delta:.2f} logits (above {MAX_DELTA_SE:g}); θ assumes δ = 0"
            )
        else:
            delta = float(fit.delta[0])
            return PositionEffect(
                estimate=delta,
                standard_error=se_delta,
                interval=(delta - Z95 * se_delta, delta + Z95 * se_delta),
                comparisons=len(outcomes),
                first_position_wins=first_wins,
                theta=_by_essay(essays, fit.theta[0]),
                standard_error_theta=_by_essay(essays, np.sqrt(np.diag(covariance))[:size]),
            )
    plain = fit_many_with_position(first + second, None, prior_sd)
    covariance = centring[:size, :size] @ np.linalg.inv(plain.curvature[0]) @ centring[:size, :size]
    return PositionEffect(
        estimate=None,
        standard_error=None,
        interval=None,
        comparisons=len(outcomes),
        first_position_wins=first_wins,
        theta=_by_essay(essays, plain.theta[0]),
        standard_error_theta=_by_essay(essays, np.sqrt(np.diag(covariance))),
        reason=reason,
    )


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


def _centring(
    outcomes: Sequence[ComparisonOutcome], index: dict[str, int], params: int
) -> FloatArray:
    """P centring θ per connected component (the sum-to-zero constraint); δ untouched."""
    centring = np.eye(params)
    for part in connected_components(outcomes):
        members = np.array(sorted(index[e] for e in part), dtype=np.intp)
        centring[np.ix_(members, members)] -= 1.0 / len(members)
    return centring


def _by_essay(essays: Sequence[str], values: FloatArray) -> dict[str, float]:
    return {essay: float(values[i]) for i, essay in enumerate(essays)}
