"""Does the first-position effect δ come out right, and does θ net of it help τ-b? (issue 16)

Design as in ``bench_coverage.py`` (9 anchors one per grade, 0.75 logits apart, latent order =
grades, random cycles, each comparison's order random) with 10, 20 or 40 comparisons per
anchor, and a judge with a first-position effect: P(A wins) = σ(θ_A − θ_B + δ), δ = 0 or 0.5.
Per scenario: the share of datasets in which δ was estimated (else the fit says why and
keeps δ = 0), the mean δ̂, the coverage of δ by its 95 % interval, and the coverage of the true
τ-b (= 1) by the runner's τ-b interval from θ net of δ (``net``) and from the plain fit
(``plain``). Usage: ``python benchmarks/bench_position_effect.py [--datasets 400] [--seed 17]
[--quick]``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import bench_coverage
import numpy as np

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.analysis.tau_interval import tau_b_interval

DEFAULT_DATASETS = 400
QUICK_DATASETS = 10
DEFAULT_SEED = 17
GAP = 0.75


def judge_with_bias(
    rng: np.random.Generator, theta: np.ndarray, shown: np.ndarray, delta: float
) -> list[ComparisonOutcome]:
    """Outcomes of a logistic judge that adds ``delta`` to the first-shown essay."""
    margin = theta[shown[:, 0]] - theta[shown[:, 1]] + delta
    first_won = rng.random(len(shown)) < 1.0 / (1.0 + np.exp(-margin))
    ids = bench_coverage.IDS
    return [
        ComparisonOutcome(ids[a], ids[b], ids[a] if won else ids[b], ids[b] if won else ids[a])
        for (a, b), won in zip(shown.tolist(), first_won.tolist(), strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per scenario."""
    datasets, seed = bench_coverage.arguments(
        argv, __doc__, DEFAULT_DATASETS, DEFAULT_SEED, QUICK_DATASETS
    )
    rng = np.random.default_rng(seed)
    theta = bench_coverage.Scenario(GAP, 10, "grades").theta
    started = time.perf_counter()
    print(f"seed {seed}, {datasets} datasets per scenario, gap {GAP:g}, true τ-b 1")
    for per_anchor in (10, 20, 40):
        for delta in (0.0, 0.5):
            estimated, estimates, covered = 0, [], 0
            tau_net = tau_plain = 0
            for _ in range(datasets):
                outcomes = judge_with_bias(
                    rng, theta, bench_coverage.design(rng, per_anchor), delta
                )
                fit, effect = fit_net_of_position(outcomes)
                seed = int(rng.integers(2**31))
                net = tau_b_interval(outcomes, bench_coverage.POSITIONS, fit=fit, seed=seed)
                plain = tau_b_interval(
                    outcomes,
                    bench_coverage.POSITIONS,
                    fit=fit_bradley_terry(outcomes),
                    seed=seed,
                )
                tau_net += net.interval is not None and net.interval[1] >= 1.0 - 1e-9
                tau_plain += plain.interval is not None and plain.interval[1] >= 1.0 - 1e-9
                if effect.estimate is None or effect.interval is None:
                    continue
                estimated += 1
                estimates.append(effect.estimate)
                covered += effect.interval[0] <= delta <= effect.interval[1]
            mean = float(np.mean(estimates)) if estimates else float("nan")
            coverage = covered / estimated if estimated else float("nan")
            print(
                f"per-anchor {per_anchor} δ {delta:g}: estimated in {estimated / datasets:.3f}, "
                f"mean δ̂ {mean:+.3f}, δ coverage {coverage:.3f}; τ-b coverage net "
                f"{tau_net / datasets:.3f}, plain {tau_plain / datasets:.3f}"
            )
    print(f"elapsed {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
