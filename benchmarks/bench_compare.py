"""compare's ★ on simulated sweeps: how often on identical judges, how often on a real difference.

Simulated at the analysis level, not through Kafka: every cell of a sweep is one run of the
sample dataset's 23 essays on the local stack's own design — pairs from
``localstack.pairing.plan_pairs`` at the default budget (12 comparisons per essay), judged
with the probabilities of ``localstack.judge.SimulatedJudge`` under the cell's judge profile
(anchors at their grade, students placed by the text heuristic). Each run's comparisons go
through ``analysis.differences.compare_differences`` exactly as ``compare`` calls it.

- **null sweeps**: two cells with the same profile (the built-in one): the share of sweeps
  with a ★ anywhere (τ-b, inversions or SSR) should be ≤ 0.05;
- **real-difference sweeps**: two cells whose profiles differ in discrimination (0.3 vs 1.5
  logits per grade): the share with a ★ on τ-b, beside the share the planner
  (``analysis.power.sweep_star_share``) predicted for the same cells and budget.

The same two scenarios with three repeats per cell exercise the across-repeats (Welch) path.
Also timed: one ``plan_power`` call (the plan's "how many comparisons" estimate).
"""

from __future__ import annotations

import argparse
import math
import random
import time

import numpy as np

from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.differences import RowInput, RunComparisons, compare_differences
from eng5_np.analysis.fit_stack import figures_of_fits, fit_many
from eng5_np.analysis.power import Design, plan_power, sweep_star_share
from eng5_np.localstack.judge import SimulatedJudge
from eng5_np.localstack.judge_types import JudgeEssay
from eng5_np.localstack.pairing import default_budget, plan_pairs
from eng5_np.modes.common import load_inventory, new_wire_batch_id
from eng5_np.reference.judge_profiles import JudgeParameters
from eng5_np.settings import RunSettings

WEAK = JudgeParameters(discrimination=0.3)
STRONG = JudgeParameters(discrimination=1.5)
SEED = 20261207


def _essays() -> tuple[list[JudgeEssay], Design]:
    settings = RunSettings()
    inventory = load_inventory(settings, new_wire_batch_id())
    scale = inventory.grade_scale
    essays = [
        JudgeEssay(f"anchor-{i}", a.text, anchor_position=scale.position(a.grade or ""))
        for i, a in enumerate(inventory.anchors)
    ]
    essays += [JudgeEssay(f"student-{i}", s.text) for i, s in enumerate(inventory.students)]
    positions = tuple(
        float(e.anchor_position or 0) for e in essays if e.anchor_position is not None
    )
    return essays, Design(positions, len(inventory.students))


def _run(
    essays: list[JudgeEssay], judge: SimulatedJudge, seed: str, rng: np.random.Generator
) -> tuple[dict[str, float | None], RunComparisons]:
    by_id = {e.essay_id: e for e in essays}
    anchors = {e.essay_id for e in essays if e.anchor_position is not None}
    pairs = plan_pairs(by_id, anchors, budget=default_budget(len(essays)), seed=seed)
    outcomes = []
    for pair in pairs:
        a, b = by_id[pair.essay_a_id], by_id[pair.essay_b_id]
        a_wins = rng.random() < judge.win_probability(a, b)
        winner, loser = (a, b) if a_wins else (b, a)
        outcomes.append(ComparisonOutcome(a.essay_id, b.essay_id, winner.essay_id, loser.essay_id))
    positions = {
        e.essay_id: float(e.anchor_position) for e in essays if e.anchor_position is not None
    }
    run = RunComparisons(tuple(outcomes), positions)
    ids = sorted({e for o in outcomes for e in (o.winner_id, o.loser_id)})
    index = {essay: i for i, essay in enumerate(ids)}
    wins = np.zeros((1, len(ids), len(ids)))
    for o in outcomes:
        wins[0, index[o.winner_id], index[o.loser_id]] += 1
    theta, se = fit_many(wins)
    used = [a for a in sorted(positions) if a in index]
    figures = figures_of_fits(theta, se, [index[a] for a in used], [positions[a] for a in used])
    values = {
        name: (None if math.isnan(v) else float(v))
        for name, v in (
            ("tau_b", figures.tau_b[0]),
            ("inversions", figures.inversions[0]),
            ("ssr", figures.ssr[0]),
        )
    }
    return values, run


def _sweeps(
    essays: list[JudgeEssay],
    judges: list[JudgeParameters],
    sweeps: int,
    label: str,
    repeats: int = 1,
) -> tuple[float, float]:
    """Shares of sweeps with a ★ anywhere and with a ★ on τ-b (``repeats`` runs per cell)."""
    built = [SimulatedJudge(seed=0, parameters=j) for j in judges]
    rng = np.random.default_rng(SEED)
    any_star = tau_star = 0
    for sweep in range(sweeps):
        rows = []
        for cell, judge in enumerate(built):
            values: dict[str, list[float | None]] = {}
            runs = []
            for repeat in range(repeats):
                found, run = _run(essays, judge, f"{label}:{sweep}:{cell}:{repeat}", rng)
                for key, value in found.items():
                    values.setdefault(key, []).append(value)
                runs.append(run)
            rows.append(RowInput(values, runs))
        report = compare_differences(rows, seed=SEED + sweep)
        starred = {v.figure for v in report.verdicts if v.detectable}
        any_star += bool(starred)
        tau_star += "tau_b" in starred
    return any_star / sweeps, tau_star / sweeps


def _half_width(share: float, n: int) -> float:
    """95 % normal half-width of a share of n sweeps."""
    return 1.96 * math.sqrt(max(share * (1 - share), 1e-12) / n)


def main() -> None:
    """Run the null and real-difference sweeps and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sweeps", type=int, default=200, help="Simulated sweeps per scenario.")
    parser.add_argument("--quick", action="store_true", help="10 sweeps each (smoke test).")
    args = parser.parse_args()
    sweeps = 10 if args.quick else args.sweeps
    random.seed(SEED)
    essays, design = _essays()
    per_essay = 2 * default_budget(len(essays)) / len(essays)

    started = time.perf_counter()
    plan = plan_power(design, per_essay)
    plan_seconds = time.perf_counter() - started
    runs = 40 if args.quick else 200
    null_predicted = sweep_star_share(design, [JudgeParameters()] * 2, per_essay, runs=runs)
    real_predicted = sweep_star_share(design, [WEAK, STRONG], per_essay, runs=runs)

    started = time.perf_counter()
    null_any, null_tau = _sweeps(essays, [JudgeParameters(), JudgeParameters()], sweeps, "null")
    real_any, real_tau = _sweeps(essays, [WEAK, STRONG], sweeps, "real")
    sweep_seconds = time.perf_counter() - started
    repeated = max(2, sweeps // 2)
    null_rep_any, _ = _sweeps(essays, [JudgeParameters()] * 2, repeated, "null-rep", repeats=3)
    _, real_rep_tau = _sweeps(essays, [WEAK, STRONG], repeated, "real-rep", repeats=3)

    print(f"sweeps {sweeps} per_scenario")
    print(f"comparisons_per_essay {per_essay:.2f} comparisons")
    print(f"null_any_star_share {null_any:.3f} share")
    print(f"null_tau_star_share {null_tau:.3f} share")
    print(f"null_predicted_tau_star_share {null_predicted:.3f} share")
    print(f"real_tau_star_share {real_tau:.3f} share")
    print(f"real_tau_star_share_ci_half {_half_width(real_tau, sweeps):.3f} share")
    print(f"real_predicted_tau_star_share {real_predicted:.3f} share")
    print(f"real_any_star_share {real_any:.3f} share")
    print(f"repeat_sweeps {repeated} per_scenario")
    print(f"null_repeats_any_star_share {null_rep_any:.3f} share")
    print(f"real_repeats_tau_star_share {real_rep_tau:.3f} share")
    print(f"plan_seconds {plan_seconds:.2f} s")
    expected = "nan" if plan.expected_width is None else f"{plan.expected_width:.3f}"
    print(f"plan_expected_width {expected} tau")
    print(f"plan_sampling_width {plan.sampling_width:.3f} tau")
    print(f"plan_power_at_budget {plan.power:.3f} share")
    print(f"sweep_seconds {sweep_seconds:.1f} s")
    verdict = "PASS" if null_any <= 0.05 else "MISS"
    print(f"null_star_at_most_5_percent {null_any:.3f} {verdict}")


if __name__ == "__main__":
    main()
