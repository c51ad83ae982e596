"""How precise a batch's result is: the figures the designs stop on and the benchmark measures.

:func:`tau_interval_width` is this package's one call site of the runner's τ-b interval
(:func:`eng5_np.analysis.tau_interval.tau_b_interval`, the hybrid interval over Laplace
posterior draws), so the interval the adaptive design stops on and the one
``benchmarks/bench_designs.py`` measures can be swapped for another in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry, tau_b_interval

__all__ = ["mean_standard_error", "tau_interval_width"]


def tau_interval_width(
    outcomes: Sequence[ComparisonOutcome],
    positions: Mapping[str, int],
    *,
    replicates: int = 200,
    seed: int = 0,
) -> float | None:
    """Width of the runner's 95 % interval of τ-b between ``positions`` and the fit's θ.

    ``replicates`` posterior draws with ``seed``. None when there is no interval: an essay of
    ``positions`` without a comparison, the essays not on one scale, or τ-b undefined.
    """
    fit = fit_bradley_terry(outcomes)
    essays = sorted(positions)
    if any(essay not in fit.theta for essay in essays) or not fit.is_connected:
        return None
    result = tau_b_interval(
        outcomes,
        {essay: positions[essay] for essay in essays},
        fit=fit,
        draws=replicates,
        seed=seed,
    )
    if result.interval is None:
        return None
    return result.interval[1] - result.interval[0]


def mean_standard_error(outcomes: Sequence[ComparisonOutcome], essays: Sequence[str]) -> float:
    """Mean Bradley–Terry SE over ``essays`` (infinite while one has no comparison)."""
    fit = fit_bradley_terry(outcomes, essay_ids=essays)
    if any(essay not in fit.standard_error for essay in essays):
        return float("inf")
    return sum(fit.standard_error[e] for e in essays) / len(essays)
