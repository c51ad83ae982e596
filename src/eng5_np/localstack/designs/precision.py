"""How precise a batch's result is: the figures the designs stop on and the benchmark measures.

:func:`tau_interval_width` is this package's one call site of the τ-b bootstrap
(:func:`eng5_np.analysis.alignment_bootstrap.bootstrap_tau_interval`), so the interval the
adaptive design stops on and the one ``benchmarks/bench_designs.py`` measures can be swapped
for another in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eng5_np.analysis import BootstrapSettings, ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.alignment_bootstrap import bootstrap_tau_interval
from eng5_np.analysis.kendall import THETA_TIE, kendall_tau_b

__all__ = ["mean_standard_error", "tau_interval_width"]


def tau_interval_width(
    outcomes: Sequence[ComparisonOutcome],
    positions: Mapping[str, int],
    *,
    replicates: int = 200,
    seed: int = 0,
) -> float | None:
    """Width of the 95 % bootstrap interval of τ-b between ``positions`` and the refit θ.

    None when there is no interval: an essay of ``positions`` without a comparison, the
    essays not on one scale, τ-b undefined, or too few usable replicates.
    """
    fit = fit_bradley_terry(outcomes)
    essays = sorted(positions)
    if any(essay not in fit.theta for essay in essays) or not fit.is_connected:
        return None
    point = kendall_tau_b(
        [float(positions[e]) for e in essays],
        [fit.theta[e] for e in essays],
        tie_tolerance=THETA_TIE,
    )
    if point is None:
        return None
    interval = bootstrap_tau_interval(
        outcomes,
        {essay: positions[essay] for essay in essays},
        point,
        BootstrapSettings(replicates=replicates, seed=seed),
    )
    if interval.low is None or interval.high is None:
        return None
    return interval.high - interval.low


def mean_standard_error(outcomes: Sequence[ComparisonOutcome], essays: Sequence[str]) -> float:
    """Mean Bradley–Terry SE over ``essays`` (infinite while one has no comparison)."""
    fit = fit_bradley_terry(outcomes, essay_ids=essays)
    if any(essay not in fit.standard_error for essay in essays):
        return float("inf")
    return sum(fit.standard_error[e] for e in essays) / len(essays)
