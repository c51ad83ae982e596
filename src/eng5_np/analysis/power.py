"""How many comparisons do I need? Power of compare's τ-b test, by simulation (issue 16).

Model. A run's design is its essays and a list of comparisons: the anchors at their grade
positions, the students spread evenly over the anchors' range (the planner does not know
them), and ⌈n · c / 2⌉ pairs drawn so every essay meets about c others (least-compared first,
random tie-break, never the same pair twice, a coin flip for which is "Essay A"). A judge
with profile effects (:mod:`eng5_np.reference.judge_profiles`; length bias is not simulated:
the planner has no word counts) picks A with probability
lapse/2 + (1 − lapse) · σ(k · (q_A − q_B) + position_bias). Every simulated run is fitted by
:func:`~eng5_np.analysis.fit_stack.fit_many` and τ-b computed as the alignment block does.

- **Expected interval width**: the median width of the interval a run prints — the runner's own
  τ-b interval (:func:`~eng5_np.analysis.tau_interval.tau_b_interval` on the fit net of the
  position effect, as ``artefact/analysis.py`` computes it) — over :data:`INTERVAL_RUNS`
  simulated runs at the chosen budget. Beside it, 2 × 1.96 × the SD of τ-b over the simulated
  runs: the width a 95 % interval would need to cover a run's sampling noise and no more. The
  runner's interval is conservative (coverage 0.945–1.000 in ``benchmarks/bench_coverage.py``),
  so it is wider: until 2026-12-08 the plan quoted the spread as the width to expect, which
  promised a narrower interval than the run then printed. Measured against the widths the local
  stack's designs print (``nice -n 10 python benchmarks/bench_plan_width.py``; figures in
  benchmarks/README.md).
- **Comparisons needed to detect a τ-b difference δ**: a judge whose order is the grades'
  against one with adjacent anchor pairs swapped until its true τ-b is at least δ lower; the
  power at a budget is the share of simulated pairs of runs in which compare would star the
  better one: d > z · √(SE₁² + SE₂²), z at compare's Bonferroni level for two rows and three
  figures (:func:`~eng5_np.analysis.differences.interval_level`), SE the bootstrap SE compare
  computes for such a run (its mean over a few simulated runs). The smallest c in
  :data:`CANDIDATES` (and all pairs) with power ≥ 0.8 is reported, found by bisection.
- **A sweep's power** (:func:`sweep_star_share`): the same test on simulated sweeps of the
  cells' judges, best cell against each other one: the share of sweeps whose τ-b gets a ★.

Bounded: :data:`SIMULATED_RUNS` runs per judge and budget, fixed seed. Measured with
``nice -n 10 python benchmarks/bench_compare.py --sweeps 400``: one plan of the sample dataset
took 2.87 s; for two-cell sweeps at 12 comparisons per essay it predicted a ★ on τ-b in 0.015
of null sweeps (measured 0.003) and 0.180 of sweeps with discrimination 0.3 against 1.5
(measured 0.180 ± 0.038, through the local stack's own pairing and judge).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.differences import FIGURES, critical_z, interval_level
from eng5_np.analysis.fit_stack import FloatArray, figures_of_fits, fit_many
from eng5_np.analysis.kendall import kendall_tau_b
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.analysis.tau_interval import tau_b_interval
from eng5_np.reference.judge_profiles import JudgeParameters

SIMULATED_RUNS = 200
"""Simulated runs per judge and budget (power to about ±3 %)."""
PAIRINGS = 20
"""Distinct pairings per judge and budget (each serves runs / 20 simulated runs)."""
BOOTSTRAP_RUNS = 5
BOOTSTRAP_REPLICATES = 100
"""compare's SE of a run is estimated on this many simulated runs × resamples per judge."""
INTERVAL_RUNS = 40
"""Simulated runs whose printed τ-b interval the plan's expected width is the median of."""
SEED = 20261207
TARGET_POWER = 0.8
DEFAULT_DETECT_DIFFERENCE = 0.1
CANDIDATES: tuple[int, ...] = (4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 64)
"""Comparisons per essay tried when searching for the budget that reaches the target power."""


@dataclass(frozen=True)
class Design:
    """The essays of a run on the latent scale, anchors first."""

    anchor_positions: tuple[float, ...]
    students: int

    @property
    def essays(self) -> int:
        """Anchors plus students."""
        return len(self.anchor_positions) + self.students

    def latent(self, anchor_latent: Sequence[float] | None = None) -> FloatArray:
        """Latent positions: the anchors' (or ``anchor_latent``), students spread evenly."""
        anchors = np.asarray(anchor_latent or self.anchor_positions, dtype=np.float64)
        low, high = min(self.anchor_positions), max(self.anchor_positions)
        students = np.linspace(low, high, self.students) if self.students else np.zeros(0)
        return np.concatenate([anchors, students])

    def comparisons_for(self, per_essay: float) -> int:
        """⌈n · c / 2⌉, capped at all pairs."""
        n = self.essays
        return min(n * (n - 1) // 2, math.ceil(n * per_essay / 2))


def balanced_pairs(essays: int, comparisons: int, rng: np.random.Generator) -> np.ndarray:
    """``(comparisons, 2)`` distinct pairs, each essay about equally often (shown first: A)."""
    counts = np.zeros(essays)
    used = np.eye(essays, dtype=bool)
    pairs = []
    for _ in range(min(comparisons, essays * (essays - 1) // 2)):
        open_ = ~used.all(axis=1)
        keys = np.where(open_, counts + rng.random(essays) * 0.5, np.inf)
        focus = int(np.argmin(keys))
        partner_keys = np.where(used[focus], np.inf, counts + rng.random(essays) * 0.5)
        partner = int(np.argmin(partner_keys))
        used[focus, partner] = used[partner, focus] = True
        counts[focus] += 1
        counts[partner] += 1
        pairs.append((focus, partner) if rng.random() < 0.5 else (partner, focus))
    return np.array(pairs, dtype=np.intp).reshape(-1, 2)


def first_wins_probability(
    latent: FloatArray, pairs: np.ndarray, judge: JudgeParameters
) -> FloatArray:
    """P(A wins) per pair ``(A, B)``: lapse/2 + (1 − lapse) · σ(k · (q_A − q_B) + bias)."""
    logit = judge.discrimination * (latent[pairs[:, 0]] - latent[pairs[:, 1]])
    logit = logit + judge.position_bias
    p: FloatArray = judge.lapse_rate / 2.0 + (1.0 - judge.lapse_rate) / (1.0 + np.exp(-logit))
    return p


def simulate_wins(
    latent: FloatArray,
    pairs: np.ndarray,
    judge: JudgeParameters,
    runs: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Win matrices ``(runs, n, n)`` of ``runs`` judgements of ``pairs`` by ``judge``."""
    a, b = pairs[:, 0], pairs[:, 1]
    a_wins = rng.random((runs, len(pairs))) < first_wins_probability(latent, pairs, judge)
    winners = np.where(a_wins, a, b)
    losers = np.where(a_wins, b, a)
    wins = np.zeros((runs, len(latent), len(latent)))
    reps = np.repeat(np.arange(runs), len(pairs))
    np.add.at(wins, (reps, winners.ravel(), losers.ravel()), 1.0)
    return wins


@dataclass(frozen=True)
class SimulatedTau:
    """τ-b of simulated runs, and the bootstrap SE compare would give such a run."""

    values: FloatArray
    bootstrap_se: float
    """Mean over :data:`BOOTSTRAP_RUNS` simulated runs of the SD of τ-b over
    :data:`BOOTSTRAP_REPLICATES` resamples of that run's comparisons (compare's SE)."""


def simulated_tau(
    design: Design,
    judge: JudgeParameters,
    per_essay: float,
    rng: np.random.Generator,
    *,
    anchor_latent: Sequence[float] | None = None,
    runs: int = SIMULATED_RUNS,
) -> SimulatedTau:
    """τ-b of ``runs`` simulated runs on :data:`PAIRINGS` pairings (batches draw anew)."""
    latent = design.latent(anchor_latent)
    count = design.comparisons_for(per_essay)
    stacks = []
    pairings = min(runs, PAIRINGS)
    for share in np.array_split(np.arange(runs), pairings):
        pairs = balanced_pairs(design.essays, count, rng)
        stacks.append(simulate_wins(latent, pairs, judge, len(share), rng))
    wins = np.concatenate(stacks)
    theta, se = fit_many(wins)
    anchors = list(range(len(design.anchor_positions)))
    figures = figures_of_fits(theta, se, anchors, design.anchor_positions)
    spreads = [_bootstrap_sd(run, anchors, design, rng) for run in wins[:BOOTSTRAP_RUNS]]
    finite = [s for s in spreads if math.isfinite(s)]
    return SimulatedTau(figures.tau_b, float(np.mean(finite)) if finite else math.nan)


def _bootstrap_sd(
    wins: FloatArray, anchors: Sequence[int], design: Design, rng: np.random.Generator
) -> float:
    """SD of τ-b over resamples of one run's comparisons, as compare resamples them."""
    cells = wins.ravel()
    total = int(cells.sum())
    draws = rng.multinomial(total, cells / total, size=BOOTSTRAP_REPLICATES).astype(np.float64)
    theta, se = fit_many(draws.reshape(BOOTSTRAP_REPLICATES, *wins.shape))
    taus = figures_of_fits(theta, se, anchors, design.anchor_positions).tau_b
    taus = taus[np.isfinite(taus)]
    return float(np.std(taus, ddof=1)) if taus.size >= 2 else math.nan


def swapped_order(positions: Sequence[float], difference: float) -> tuple[list[float], float]:
    """Anchor latent positions with adjacent pairs swapped until τ-b drops by ≥ ``difference``.

    Each step swaps two anchors adjacent in the current latent order that are still in grade
    order (one discordant pair more), sweeping the even positions, then the odd ones, as a
    bubble sort towards the reversed order would: 0.1 on 9 distinct grades takes two swaps
    (0.111), and any difference up to 2 can be reached. Returns the positions and the true
    τ-b difference reached.
    """
    latent = [float(p) for p in positions]
    ranking = sorted(range(len(latent)), key=lambda i: (latent[i], i))
    reached = 0.0
    slots = [*range(0, len(ranking) - 1, 2), *range(1, len(ranking) - 1, 2)]
    for _ in range(len(ranking) ** 2):  # a full reversal needs n(n-1)/2 swaps
        if reached >= difference or not slots:
            break
        swapped = False
        for slot in slots:
            i, j = ranking[slot], ranking[slot + 1]
            if positions[i] < positions[j]:
                latent[i], latent[j] = latent[j], latent[i]
                ranking[slot], ranking[slot + 1] = j, i
                tau = kendall_tau_b(list(positions), latent)
                reached = 1.0 - (tau if tau is not None else 1.0)
                swapped = True
                if reached >= difference:
                    break
        if not swapped:
            break
    return latent, reached


def two_run_level() -> float:
    """compare's per-interval level for two rows and its three figures."""
    return interval_level(len(FIGURES), 2)


@dataclass(frozen=True)
class PowerPlan:
    """What the planner found for one design and budget."""

    per_essay: float
    """Comparisons per essay at the chosen budget."""
    comparisons: int
    tau_mean: float
    """Mean τ-b of simulated runs at the budget (the judge's order = the grades)."""
    expected_width: float | None
    """Median width of the τ-b interval the run prints, over :data:`INTERVAL_RUNS` simulated
    runs (None when fewer than half of them print an interval)."""
    sampling_width: float
    """2 × 1.96 × SD of τ-b at the budget: what τ-b's sampling noise alone calls for."""
    detect_difference: float
    reached_difference: float
    """The true τ-b difference simulated (adjacent swaps cannot hit every δ exactly)."""
    power: float
    """Share of simulated run pairs at the budget in which compare stars the better judge."""
    needed_per_essay: int | None
    """Smallest comparisons per essay reaching :data:`TARGET_POWER` (None: none tried did)."""
    needed_comparisons: int | None
    simulated_runs: int
    seed: int
    judge: JudgeParameters = field(default_factory=JudgeParameters)
    """The simulated judge the plan assumed."""

    @property
    def budget_enough(self) -> bool:
        """True when the chosen budget reaches the target power."""
        return self.power >= TARGET_POWER


def _power(
    design: Design,
    judge: JudgeParameters,
    swapped: Sequence[float],
    per_essay: float,
    rng: np.random.Generator,
    runs: int,
) -> tuple[float, FloatArray]:
    better = simulated_tau(design, judge, per_essay, rng, runs=runs)
    worse = simulated_tau(design, judge, per_essay, rng, anchor_latent=swapped, runs=runs)
    se = math.hypot(better.bootstrap_se, worse.bootstrap_se)
    z = critical_z(two_run_level())
    return float(np.mean((better.values - worse.values) > z * se)), better.values


def _needed(
    design: Design,
    judge: JudgeParameters,
    swapped: Sequence[float],
    rng: np.random.Generator,
    runs: int,
) -> int | None:
    """Smallest candidate comparisons per essay with power ≥ the target, None if even all
    pairs fall short. Power grows with the budget, so the candidates are bisected: all pairs
    first (most plans stop there), then about log₂(candidates) more evaluations."""
    most = design.essays - 1
    candidates = sorted({c for c in CANDIDATES if c < most} | {most})
    if _power(design, judge, swapped, candidates[-1], rng, runs)[0] < TARGET_POWER:
        return None
    low, high = 0, len(candidates) - 1  # candidates[high] reaches the target
    while low < high:
        middle = (low + high) // 2
        if _power(design, judge, swapped, candidates[middle], rng, runs)[0] >= TARGET_POWER:
            high = middle
        else:
            low = middle + 1
    return candidates[high]


def plan_power(
    design: Design,
    per_essay: float,
    *,
    judge: JudgeParameters | None = None,
    detect_difference: float = DEFAULT_DETECT_DIFFERENCE,
    runs: int = SIMULATED_RUNS,
    seed: int = SEED,
) -> PowerPlan:
    """Expected τ-b interval width at ``per_essay`` and the budget needed to detect a difference."""
    if not 0.0 < detect_difference <= 2.0:
        raise ValueError(f"the difference to detect must lie in (0, 2], got {detect_difference}")
    judge = judge or JudgeParameters()
    rng = np.random.default_rng(seed)
    swapped, reached = swapped_order(design.anchor_positions, detect_difference)
    power, taus = _power(design, judge, swapped, per_essay, rng, runs)
    needed = _needed(design, judge, swapped, rng, runs)
    return PowerPlan(
        per_essay=per_essay,
        comparisons=design.comparisons_for(per_essay),
        tau_mean=float(np.nanmean(taus)),
        expected_width=printed_width(design, judge, per_essay, rng),
        sampling_width=2.0 * 1.959964 * float(np.nanstd(taus, ddof=1)),
        detect_difference=detect_difference,
        reached_difference=reached,
        power=power,
        needed_per_essay=needed,
        needed_comparisons=None if needed is None else design.comparisons_for(needed),
        simulated_runs=runs,
        seed=seed,
        judge=judge,
    )


def printed_width(
    design: Design,
    judge: JudgeParameters,
    per_essay: float,
    rng: np.random.Generator,
    runs: int = INTERVAL_RUNS,
) -> float | None:
    """Median width of the τ-b interval a run prints, over ``runs`` simulated runs.

    Each run draws its own pairing and judgements (A shown first, as drawn), fits θ net of the
    position effect and computes the runner's interval, exactly as the artefact's analysis
    does. None when fewer than half of the runs print an interval.
    """
    latent = design.latent()
    count = design.comparisons_for(per_essay)
    ids = [f"E{i:03d}" for i in range(design.essays)]
    positions = {ids[i]: round(p) for i, p in enumerate(design.anchor_positions)}
    widths: list[float] = []
    for _ in range(runs):
        pairs = balanced_pairs(design.essays, count, rng)
        a_wins = rng.random(len(pairs)) < first_wins_probability(latent, pairs, judge)
        outcomes = [
            ComparisonOutcome(ids[i], ids[j], ids[i] if won else ids[j], ids[j] if won else ids[i])
            for (i, j), won in zip(pairs.tolist(), a_wins.tolist(), strict=True)
        ]
        fit, _ = fit_net_of_position(outcomes)
        interval = tau_b_interval(outcomes, positions, fit=fit)
        if interval.low is not None and interval.high is not None:
            widths.append(interval.high - interval.low)
    return float(np.median(widths)) if 2 * len(widths) >= runs else None


def sweep_star_share(
    design: Design,
    judges: Sequence[JudgeParameters],
    per_essay: float,
    *,
    runs: int = SIMULATED_RUNS,
    seed: int = SEED,
) -> float:
    """Predicted share of sweeps of these cells' judges whose τ-b column gets a ★."""
    if len(judges) < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    simulated = [simulated_tau(design, j, per_essay, rng, runs=runs) for j in judges]
    taus = np.stack([s.values for s in simulated])
    spread = [s.bootstrap_se for s in simulated]
    z = critical_z(interval_level(len(FIGURES), len(judges)))
    best = np.argmax(taus, axis=0)
    starred = 0
    for run in range(taus.shape[1]):
        b = best[run]
        others = [c for c in range(len(judges)) if c != b]
        if all(taus[b, run] - taus[c, run] > z * math.hypot(spread[b], spread[c]) for c in others):
            starred += 1
    return float(starred / taus.shape[1])
