"""Is the best run really better? Intervals for the difference to the best row (issue 16).

Pure: per compared row (one run, or an experiment's repeats) its figures and, per run, the
comparisons on the anchors; out: for each figure (τ-b, inversions, SSR) the best row and, for
every other row, an interval for *its value minus the best's*. The best row gets a ★ only when
every one of those intervals excludes 0; otherwise the table says "no detectable difference
at this budget".

Intervals. Rows are independent batches on the same anchors.

- **Across repeats** (both rows have ≥ 2 repeats with the figure): Welch's interval for the
  difference of the repeat means, d ± t(df) · √(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite df. It
  measures how the whole batch varies from repeat to repeat.
- **Bootstrap over comparisons** (otherwise): each run's successful comparisons are resampled
  with replacement :data:`REPLICATES` times (seeded), refitted (:func:`~eng5_np.analysis.
  fit_stack.fit_many`) and the figure recomputed; a row's replicate is the mean over its runs.
  The rows' resamples are independent, so the difference's standard error is
  √(SD₁² + SD₂²) of the replicate figures, and the interval is d ± z · SE. It measures only the
  sampling of comparisons within each run.

Multiplicity. Picking the best of several rows on several figures and then testing it finds
"differences" by chance; every interval of a table is therefore drawn at the Bonferroni level
1 − 0.05 / m, m = figures × (rows − 1), so that on identical judges a ★ appears anywhere in the
table in at most about 5 % of comparisons (Bonferroni is conservative where figures are
correlated). Measured with ``nice -n 10 python benchmarks/bench_compare.py --sweeps 400``
(two-cell sweeps of the sample dataset at 12 comparisons per essay, the local stack's pairing
and judge): on identical judges a ★ anywhere in 0.010 of sweeps (τ-b alone 0.003; with three
repeats per cell, Welch, 0.015); with discrimination 0.3 against 1.5 logits per grade a ★ on
τ-b in 0.180 ± 0.038 of sweeps (the planner predicted 0.180) and on some figure in 0.963.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.fit_stack import FloatArray, figures_of_fits, fit_many

FIGURES: tuple[str, ...] = ("tau_b", "inversions", "ssr")
"""The figures compared, by name."""
HIGHER_IS_BETTER: dict[str, bool] = {"tau_b": True, "inversions": False, "ssr": True}
FAMILY_LEVEL = 0.95
"""Joint confidence of all the intervals of one table (Bonferroni)."""
REPLICATES = 200
"""Bootstrap replicates per run (the SE of a run's figure to about ±5 %)."""
SEED = 20261207
METHOD_REPEATS = "across repeats: Welch t interval of the difference of repeat means"
METHOD_BOOTSTRAP = (
    "bootstrap over comparisons: each run resampled independently, normal interval "
    "d ± z·√(SD₁² + SD₂²)"
)
NO_DIFFERENCE = "no detectable difference at this budget"


@dataclass(frozen=True)
class RunComparisons:
    """One run as the difference intervals need it."""

    outcomes: tuple[ComparisonOutcome, ...]
    anchor_positions: Mapping[str, float]
    """Anchor id → grade position (higher = better) of the anchors on the scale."""


@dataclass(frozen=True)
class RowInput:
    """One compared row: its runs' figures (None = missing) and their comparisons."""

    values: Mapping[str, Sequence[float | None]]
    """Figure name → its value in each run of the row."""
    runs: Sequence[RunComparisons | None]
    """Per run its comparisons (None when the artefact has none usable)."""


@dataclass(frozen=True)
class Difference:
    """One row's figure minus the best row's, with its interval."""

    row: int
    difference: float
    interval: tuple[float, float] | None
    method: str
    excludes_zero: bool


@dataclass(frozen=True)
class FigureVerdict:
    """What the data say about one figure's best row."""

    figure: str
    best: int | None
    """Row index of the best value (None: fewer than two rows have the figure)."""
    detectable: bool
    """True when every other row's difference interval excludes 0 (the ★)."""
    differences: tuple[Difference, ...]
    note: str


@dataclass(frozen=True)
class DifferenceReport:
    """Every figure's verdict and the level its intervals were drawn at."""

    verdicts: tuple[FigureVerdict, ...]
    family_level: float
    interval_level: float
    intervals: int
    replicates: int
    seed: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def verdict(self, figure: str) -> FigureVerdict | None:
        """The verdict of ``figure`` (None when not compared)."""
        return next((v for v in self.verdicts if v.figure == figure), None)

    def as_dict(self) -> dict[str, object]:
        """The JSON form stored in ``compare.json``."""
        return {
            "family_level": self.family_level,
            "interval_level": self.interval_level,
            "intervals": self.intervals,
            "bootstrap_replicates": self.replicates,
            "seed": self.seed,
            "notes": list(self.notes),
            "figures": [
                {
                    "figure": v.figure,
                    "best_row": v.best,
                    "detectable": v.detectable,
                    "note": v.note,
                    "differences": [
                        {
                            "row": d.row,
                            "difference": d.difference,
                            "interval": None if d.interval is None else list(d.interval),
                            "method": d.method,
                            "excludes_zero": d.excludes_zero,
                        }
                        for d in v.differences
                    ],
                }
                for v in self.verdicts
            ],
        }


def _mean(values: Sequence[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None and math.isfinite(v)]
    return statistics.fmean(present) if present else None


def critical_z(level: float) -> float:
    """Two-sided normal critical value for confidence ``level``."""
    from scipy import stats  # imported lazily: scipy.stats is slow to import

    return float(stats.norm.ppf(0.5 + level / 2.0))


def interval_level(figures: int, rows: int, family: float = FAMILY_LEVEL) -> float:
    """Bonferroni level of each interval: 1 − (1 − family) / (figures × (rows − 1))."""
    count = max(1, figures * max(1, rows - 1))
    return 1.0 - (1.0 - family) / count


def compare_differences(
    rows: Sequence[RowInput],
    *,
    replicates: int = REPLICATES,
    seed: int = SEED,
    figures: Sequence[str] = FIGURES,
) -> DifferenceReport:
    """The difference of every row to the best row, per figure (see the module docstring)."""
    means = {f: [_mean(row.values.get(f, ())) for row in rows] for f in figures}
    compared = [f for f in figures if sum(v is not None for v in means[f]) >= 2]
    count = len(compared) * max(1, len(rows) - 1)
    level = interval_level(len(compared), len(rows))
    replicate_cache: dict[int, dict[str, FloatArray] | None] = {}

    def replicate_figures(index: int) -> dict[str, FloatArray] | None:
        if index not in replicate_cache:
            replicate_cache[index] = _row_replicates(rows[index], replicates, seed + 7919 * index)
        return replicate_cache[index]

    verdicts = []
    for figure in figures:
        values = means[figure]
        present = {i: v for i, v in enumerate(values) if v is not None}
        if figure not in compared:
            verdicts.append(FigureVerdict(figure, None, False, (), "fewer than two rows have it"))
            continue
        pick = max if HIGHER_IS_BETTER[figure] else min
        best_value = pick(present.values())
        best = min(i for i, v in present.items() if v == best_value)
        differences = []
        for index, value in present.items():
            if index == best:
                continue
            differences.append(
                _difference(rows, figure, best, index, value - best_value, level, replicate_figures)
            )
        detectable = bool(differences) and all(d.excludes_zero for d in differences)
        note = (
            "the best row differs from every other row beyond chance"
            if detectable
            else NO_DIFFERENCE
        )
        verdicts.append(FigureVerdict(figure, best, detectable, tuple(differences), note))
    return DifferenceReport(tuple(verdicts), FAMILY_LEVEL, level, count, replicates, seed)


def _difference(
    rows: Sequence[RowInput],
    figure: str,
    best: int,
    other: int,
    difference: float,
    level: float,
    replicate_figures: Callable[[int], dict[str, FloatArray] | None],
) -> Difference:
    first = [float(v) for v in rows[best].values.get(figure, ()) if v is not None]
    second = [float(v) for v in rows[other].values.get(figure, ()) if v is not None]
    if len(first) >= 2 and len(second) >= 2:
        interval = _welch(first, second, difference, level)
        return Difference(other, difference, interval, METHOD_REPEATS, _excludes(interval))
    a, b = replicate_figures(best), replicate_figures(other)
    if a is None or b is None:
        return Difference(other, difference, None, "no comparisons to resample", False)
    spread = [_finite_sd(x[figure]) for x in (a, b)]
    if not all(math.isfinite(s) for s in spread):
        return Difference(other, difference, None, "figure undefined in the resamples", False)
    half = critical_z(level) * math.hypot(*spread)
    interval = (difference - half, difference + half)
    return Difference(other, difference, interval, METHOD_BOOTSTRAP, _excludes(interval))


def _excludes(interval: tuple[float, float] | None) -> bool:
    return interval is not None and (interval[0] > 0.0 or interval[1] < 0.0)


def _welch(
    best: Sequence[float], other: Sequence[float], difference: float, level: float
) -> tuple[float, float]:
    from scipy import stats

    v1, v2 = statistics.variance(best) / len(best), statistics.variance(other) / len(other)
    se = math.sqrt(v1 + v2)
    if se == 0.0:
        return (difference, difference)
    df = (v1 + v2) ** 2 / (v1**2 / (len(best) - 1) + v2**2 / (len(other) - 1))
    half = float(stats.t.ppf(0.5 + level / 2.0, df)) * se
    return (difference - half, difference + half)


def _row_replicates(row: RowInput, replicates: int, seed: int) -> dict[str, FloatArray] | None:
    """Per figure, the row's replicate values (mean over its runs of each run's replicate)."""
    runs = [run for run in row.runs if run is not None and run.outcomes]
    if not runs:
        return None
    rng = np.random.default_rng(seed)
    per_run = [run_replicates(run, replicates, rng) for run in runs]
    return {f: _finite_mean(np.stack([r[f] for r in per_run])) for f in FIGURES}


def _finite_mean(stack: FloatArray) -> FloatArray:
    """Column means over the finite values (NaN where a column has none)."""
    finite = np.isfinite(stack)
    counts = finite.sum(axis=0)
    totals = np.where(finite, stack, 0.0).sum(axis=0)
    means: FloatArray = np.full(stack.shape[1], np.nan)
    np.divide(totals, counts, out=means, where=counts > 0)
    return means


def _finite_sd(values: FloatArray) -> float:
    """Sample SD of the finite values (NaN with fewer than two)."""
    finite = values[np.isfinite(values)]
    return float(np.std(finite, ddof=1)) if finite.size >= 2 else math.nan


def run_replicates(
    run: RunComparisons, replicates: int, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """The figures of ``replicates`` resamples of one run's comparisons."""
    essays = sorted({e for o in run.outcomes for e in (o.winner_id, o.loser_id)})
    index = {essay: i for i, essay in enumerate(essays)}
    winners = np.array([index[o.winner_id] for o in run.outcomes], dtype=np.intp)
    losers = np.array([index[o.loser_id] for o in run.outcomes], dtype=np.intp)
    draws = rng.integers(0, len(run.outcomes), size=(replicates, len(run.outcomes)))
    wins = np.zeros((replicates, len(essays), len(essays)))
    reps = np.repeat(np.arange(replicates), len(run.outcomes))
    np.add.at(wins, (reps, winners[draws].ravel(), losers[draws].ravel()), 1.0)
    anchors = [a for a in sorted(run.anchor_positions) if a in index]
    theta, se = fit_many(wins)
    figures = figures_of_fits(
        theta, se, [index[a] for a in anchors], [run.anchor_positions[a] for a in anchors]
    )
    return {f: figures.figure(f) for f in FIGURES}
