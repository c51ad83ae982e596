"""Does the τ-b interval cover the true τ-b? Coverage and width per scenario and method (issue 16).

Grid (2 × 2 × 3 = 12 scenarios): 9 anchors, one per grade; θ of adjacent grades 0.75 or 1.5
logits apart; 10 or 20 comparisons per anchor (a union of random cycles through the anchors:
every anchor in exactly that many, each comparison's order random); the judge's latent order =
the grades, two adjacent pairs swapped (grades 1↔2, 5↔6: true τ-b 0.889), or two pairs three
grades apart swapped (0↔3, 5↔8: true τ-b 0.444); a logistic judge, P(A wins) = σ(θ_A − θ_B).
The truth is τ-b between the latent θ and the grades; τ̂ and every interval come from the fit a
run reports (:func:`~eng5_np.analysis.position_effect.fit_net_of_position`: MAP, θ net of a
first-position effect δ fitted jointly — the simulated judge has none, so δ costs a little
width), tie rule :data:`~eng5_np.analysis.kendall.THETA_TIE`.

Methods, all at nominal 0.95 (see :mod:`eng5_np.analysis.tau_interval`):

- ``hybrid``: the runner's interval, :func:`~eng5_np.analysis.tau_interval.tau_b_interval`
  (union of the two below, over 4000 Laplace posterior draws);
- ``percentile``, ``basic``: the plain percentile / basic intervals of the same draws;
- ``basic99``: the basic interval at the 0.005/0.995 quantiles (a level tuned by hand);
- ``boot-basic``: the interval the runner used before, the basic bootstrap over comparisons
  with a BT refit per replicate (500 replicates, refits batched), extended to reach τ̂.

Also per scenario: the mean scale separation reliability (SSR) of the anchors against the mean
corr²(θ̂, θ) (what SSR estimates), the correlation of the two across datasets, and the prior's
shrinkage where the maximum-likelihood θ exists: 1 − sd(θ_MAP)/sd(θ_ML) and 1 − SE_MAP/SE_ML
(the plain fits without δ, so that only the prior differs).

Usage: ``python benchmarks/bench_coverage.py [--datasets 400] [--seed 16] [--quick]``. The seed
is printed; the same seed prints the same table.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.bt_batch import fit_many, tau_b_many
from eng5_np.analysis.kendall import THETA_TIE
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.analysis.reliability import scale_separation_reliability
from eng5_np.analysis.tau_interval import (
    DEFAULT_DRAWS,
    hybrid_bounds,
    tau_b_draws,
    tau_b_interval,
)

ANCHORS = 9
IDS = [f"g{grade}" for grade in range(ANCHORS)]
POSITIONS = {essay: grade for grade, essay in enumerate(IDS)}
GRADES = np.arange(ANCHORS, dtype=np.float64)
ORDERS = {
    "grades": (),
    "adjacent-swaps": ((1, 2), (5, 6)),
    "3-apart-swaps": ((0, 3), (5, 8)),
}
METHODS = ("hybrid", "percentile", "basic", "basic99", "boot-basic")
BOOT_REPLICATES = 500
DEFAULT_DATASETS = 400
QUICK_DATASETS = 12
DEFAULT_SEED = 16
EDGE = 1e-9

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scenario:
    """One cell of the grid."""

    gap: float
    per_anchor: int
    order: str

    @property
    def theta(self) -> FloatArray:
        """Latent θ per anchor (grade order, then the order's swaps)."""
        rank = np.arange(ANCHORS)
        for first, second in ORDERS[self.order]:
            rank[[first, second]] = rank[[second, first]]
        theta: FloatArray = self.gap * (rank - (ANCHORS - 1) / 2.0)
        return theta


@dataclass
class Tally:
    """Coverage counts and widths of one method in one scenario."""

    covered: int = 0
    widths: list[float] = field(default_factory=list)
    bound_at_estimate: int = 0
    """Intervals with a bound equal to an interior τ̂ while the other bound is not."""

    def add(self, low: float, high: float, truth: float, estimate: float) -> None:
        """Count one interval."""
        self.covered += low - EDGE <= truth <= high + EDGE
        self.widths.append(high - low)
        degenerate = high - low <= EDGE
        at_low = abs(low - estimate) <= EDGE and estimate > -1.0
        at_high = abs(high - estimate) <= EDGE and estimate < 1.0
        self.bound_at_estimate += (at_low or at_high) and not degenerate


def grid() -> list[Scenario]:
    """The 12 scenarios, in print order."""
    return [
        Scenario(gap, per, order) for gap in (0.75, 1.5) for per in (10, 20) for order in ORDERS
    ]


def design(rng: np.random.Generator, per_anchor: int) -> npt.NDArray[np.intp]:
    """(A, B) index pairs: per_anchor / 2 random cycles through the anchors, random order."""
    pairs = []
    for _ in range(per_anchor // 2):
        cycle = rng.permutation(ANCHORS)
        pairs.extend((cycle[i], cycle[(i + 1) % ANCHORS]) for i in range(ANCHORS))
    shown = np.array(pairs, dtype=np.intp)
    swap = rng.random(len(shown)) < 0.5
    shown[swap] = shown[swap][:, ::-1]
    return shown


def judge(
    rng: np.random.Generator, theta: FloatArray, shown: npt.NDArray[np.intp]
) -> list[ComparisonOutcome]:
    """A logistic judge's outcomes for the presentations ``shown``."""
    p_first = 1.0 / (1.0 + np.exp(-(theta[shown[:, 0]] - theta[shown[:, 1]])))
    first_won = rng.random(len(shown)) < p_first
    outcomes = []
    for (a, b), won in zip(shown.tolist(), first_won.tolist(), strict=True):
        winner, loser = (a, b) if won else (b, a)
        outcomes.append(ComparisonOutcome(IDS[a], IDS[b], IDS[winner], IDS[loser]))
    return outcomes


def bootstrap_basic(
    outcomes: Sequence[ComparisonOutcome], estimate: float, rng: np.random.Generator
) -> tuple[float, float]:
    """The former interval: basic bootstrap over comparisons, refit per replicate."""
    wins = np.zeros((ANCHORS, ANCHORS))
    for o in outcomes:
        wins[POSITIONS[o.winner_id], POSITIONS[o.loser_id]] += 1.0
    cells = np.argwhere(wins > 0)
    counts = wins[wins > 0]
    draws = rng.multinomial(len(outcomes), counts / counts.sum(), size=BOOT_REPLICATES)
    resampled = np.zeros((BOOT_REPLICATES, ANCHORS, ANCHORS))
    resampled[:, cells[:, 0], cells[:, 1]] = draws
    theta, _ = fit_many(resampled)
    taus = tau_b_many(GRADES, theta, THETA_TIE)
    q_low, q_high = np.nanquantile(taus, [0.025, 0.975])
    low = max(-1.0, 2.0 * estimate - float(q_high))
    high = min(1.0, 2.0 * estimate - float(q_low))
    return min(low, estimate), max(high, estimate)


def run_scenario(
    scenario: Scenario, datasets: int, rng: np.random.Generator
) -> tuple[dict[str, Tally], dict[str, float]]:
    """Coverage tallies per method and the small-print figures of one scenario."""
    theta = scenario.theta
    truth = float(tau_b_many(GRADES, theta[None, :], THETA_TIE)[0])
    tallies = {method: Tally() for method in METHODS}
    ssr, corr2, shrink_sd, shrink_se = [], [], [], []
    for index in range(datasets):
        outcomes = judge(rng, theta, design(rng, scenario.per_anchor))
        fit, _ = fit_net_of_position(outcomes)  # the fit a run reports (θ net of δ)
        seed = int(rng.integers(2**31))
        chosen = tau_b_interval(outcomes, POSITIONS, fit=fit, seed=seed)
        estimate, sample = tau_b_draws(outcomes, POSITIONS, fit, DEFAULT_DRAWS, seed)
        if chosen.interval is None or estimate is None:
            raise RuntimeError(f"no interval in {scenario} dataset {index}: {chosen.reasons}")
        q = {p: float(np.quantile(sample, p)) for p in (0.005, 0.025, 0.975, 0.995)}
        intervals = {
            "hybrid": chosen.interval,
            "percentile": (q[0.025], q[0.975]),
            "basic": (2 * estimate - q[0.975], 2 * estimate - q[0.025]),
            "basic99": (2 * estimate - q[0.995], 2 * estimate - q[0.005]),
            "boot-basic": bootstrap_basic(outcomes, estimate, rng),
        }
        assert intervals["hybrid"] == hybrid_bounds(estimate, sample, 0.95)
        for method, (low, high) in intervals.items():
            low, high = max(-1.0, min(low, estimate)), min(1.0, max(high, estimate))
            tallies[method].add(low, high, truth, estimate)
        fitted = np.array([fit.theta[e] for e in IDS])
        ssr.append(scale_separation_reliability(fit.theta, fit.standard_error))
        corr2.append(float(np.corrcoef(fitted, theta)[0, 1] ** 2))
        if not fit.separated:
            plain = fit_bradley_terry(outcomes)
            ml = fit_bradley_terry(outcomes, prior_sd=1e4)
            map_theta = np.array([plain.theta[e] for e in IDS])
            ml_theta = np.array([ml.theta[e] for e in IDS])
            shrink_sd.append(1.0 - float(np.std(map_theta) / np.std(ml_theta)))
            se_map = np.array([plain.standard_error[e] for e in IDS])
            se_ml = np.array([ml.standard_error[e] for e in IDS])
            shrink_se.append(1.0 - float(np.mean(se_map / se_ml)))
    small_print = {
        "truth": truth,
        "ssr": float(np.mean(ssr)),
        "corr2": float(np.mean(corr2)),
        "ssr_corr": float(np.corrcoef(ssr, corr2)[0, 1]),
        "ml_share": len(shrink_sd) / datasets,
        "shrink_sd": float(np.mean(shrink_sd)) if shrink_sd else float("nan"),
        "shrink_se": float(np.mean(shrink_se)) if shrink_se else float("nan"),
    }
    return tallies, small_print


def arguments(
    argv: Sequence[str] | None, doc: str, datasets: int, seed: int, quick: int
) -> tuple[int, int]:
    """(datasets per scenario, seed) from ``--datasets``, ``--seed`` and ``--quick``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=datasets)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--quick", action="store_true", help=f"{quick} datasets")
    args = parser.parse_args(argv)
    return (quick if args.quick else args.datasets), args.seed


def main(argv: Sequence[str] | None = None) -> int:
    """Print the coverage table; exit 0 (a coverage below 0.93 prints MISS, not a failure)."""
    datasets, seed = arguments(argv, __doc__, DEFAULT_DATASETS, DEFAULT_SEED, QUICK_DATASETS)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    print(f"seed {seed}, {datasets} datasets per scenario, nominal 0.95")
    print("coverage / mean width per method; 'at-est' = intervals with one bound at τ̂")
    worst = dict.fromkeys(METHODS, 1.0)
    for scenario in grid():
        tallies, extra = run_scenario(scenario, datasets, rng)
        label = f"gap {scenario.gap:g} per-anchor {scenario.per_anchor} {scenario.order}"
        print(f"scenario {label} (true τ-b {extra['truth']:.3f})")
        for method, tally in tallies.items():
            coverage = tally.covered / datasets
            worst[method] = min(worst[method], coverage)
            print(
                f"  {method:<11} coverage {coverage:.3f}  width {np.mean(tally.widths):.3f}"
                f"  at-est {tally.bound_at_estimate}"
            )
        print(
            f"  small print: SSR {extra['ssr']:.3f} vs corr²(θ̂, θ) {extra['corr2']:.3f} "
            f"(bias {extra['ssr'] - extra['corr2']:+.3f}, correlation {extra['ssr_corr']:.2f}); "
            f"ML exists in {extra['ml_share']:.2f}: prior shrinks sd(θ) by "
            f"{extra['shrink_sd']:.3f}, SE by {extra['shrink_se']:.3f}"
        )
    for method in METHODS:
        verdict = "PASS" if worst[method] >= 0.93 else "MISS"
        print(f"worst_coverage_{method} {worst[method]:.3f} share (target >= 0.93: {verdict})")
    print(f"elapsed {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
