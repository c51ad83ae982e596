"""Does the plan's expected τ-b interval width match the width runs then print? (against a truth)

``plan`` and ``sweep`` state the width of the 95 % τ-b interval a run will print
(:func:`eng5_np.analysis.power.printed_width`: the median over simulated runs of the runner's
own interval, under the planner's model — students spread evenly, balanced random pairs). This
benchmark checks that statement against runs made the way the local stack makes them: the
``balanced`` and ``platform`` pairing designs (:mod:`eng5_np.localstack.designs`, the loop the
reference CJ service runs, no Kafka), the simulated judge's model
P(A wins) = σ(0.75 · (q_A − q_B)), 9 anchors at grade positions 0…8 and 14 students whose
qualities are drawn uniformly on [−0.5, 8.5] per seed (the planner does not know them). At each
budget every run's interval is the one its artefact would carry: θ net of the position effect
(:func:`eng5_np.analysis.position_effect.fit_net_of_position`) and
:func:`eng5_np.analysis.tau_interval.tau_b_interval` with its default draws.

Printed per budget: the plan's expected width and the sampling-noise width it used to quote,
the median width measured per design, and the ratio plan / balanced. Target: the plan's
expected width within 15 % of the median width balanced runs print at every budget.

Usage: ``python benchmarks/bench_plan_width.py [--seeds N] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
from collections.abc import Sequence
from dataclasses import replace

import bench_designs
import numpy as np

from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.analysis.power import SEED, Design, plan_power
from eng5_np.analysis.tau_interval import tau_b_interval
from eng5_np.localstack.designs import run_design
from eng5_np.localstack.designs.adaptive import Objective

BUDGETS = (66, 132, 264)
TOLERANCE = 0.15
MIXED = bench_designs.Batch("mixed", 14, BUDGETS[-1], (), Objective.SCALE)
"""bench_designs.py's mixed batch: 9 anchors at 0…8, 14 students drawn on [−0.5, 8.5]."""


def printed(outcomes: Sequence[ComparisonOutcome], anchors: dict[str, int]) -> float:
    """The width of the interval the run's artefact would carry (inf: none printed)."""
    fit, _ = fit_net_of_position(outcomes)
    interval = tau_b_interval(outcomes, anchors, fit=fit)
    if interval.low is None or interval.high is None:
        return math.inf
    return interval.high - interval.low


def run(name: str, budget: int, seed: int) -> tuple[float, int]:
    """One design's run to ``budget`` (or its own stop): printed width and comparisons."""
    truth = MIXED.truth(seed)
    essays = sorted(truth)
    anchors = {e: int(truth[e]) for e in essays if e.startswith("anchor_")}
    design = bench_designs.build(name, replace(MIXED, budget=budget), essays, seed)
    asyncio.run(run_design(design, bench_designs.simulated_judge(truth, seed)))
    outcomes = design.ledger.outcomes  # type: ignore[attr-defined]
    return printed(outcomes, anchors), len(outcomes)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every budget; print the figures and each budget's verdict (exit 0 either way)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="runs per design and budget")
    parser.add_argument("--quick", action="store_true", help="3 seeds, first budget (smoke)")
    args = parser.parse_args(argv)
    seeds = range(3 if args.quick else args.seeds)
    budgets = BUDGETS[:1] if args.quick else BUDGETS
    design = Design(tuple(float(g) for g in range(9)), MIXED.students)
    print(f"seeds {len(seeds)} runs")
    for budget in budgets:
        per_essay = 2.0 * budget / design.essays
        plan = plan_power(design, per_essay, seed=SEED)
        measured: dict[str, list[float]] = {}
        counts: dict[str, list[int]] = {}
        for name in ("balanced", "platform"):
            results = [run(name, budget, seed) for seed in seeds]
            measured[name] = [width for width, _ in results]
            counts[name] = [count for _, count in results]
        expected = plan.expected_width
        print(f"at_{budget}.plan_expected_width {_fmt(expected)} width")
        print(f"at_{budget}.plan_sampling_width {plan.sampling_width:.3f} width")
        for name, widths in measured.items():
            print(f"at_{budget}.{name}.printed_width_median {statistics.median(widths):.3f} width")
            print(f"at_{budget}.{name}.comparisons_median {statistics.median(counts[name]):g} n")
        balanced = statistics.median(measured["balanced"])
        ratio = math.nan if expected is None else expected / balanced
        met = bool(np.isfinite(ratio)) and abs(ratio - 1.0) <= TOLERANCE
        print(
            f"at_{budget}.ratio plan/balanced {ratio:.3f} (target within ±{TOLERANCE:.0%}: "
            f"{'PASS' if met else 'MISS'})"
        )
    return 0


def _fmt(value: float | None) -> str:
    return "nan" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
