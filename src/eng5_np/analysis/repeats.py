"""Statistics across repeats of one batch (SPEC §12 "Repeats"): spread instead of single numbers.

Pure: run summaries (anything with :class:`RunFigures`' attributes) in, a frozen
:class:`RepeatAggregate` out. Called by the experiments (repeats, compare, sweep), which store
the result in ``experiment.json``; the views render it.

**Interval across repeats.** For a figure observed once per repeat (τ-b, SSR, …) the
aggregate gives the mean, the sample standard deviation (n − 1) and a 95 % Student-t
interval for the mean: ``mean ± t(0.975, n − 1) · SD / √n``. It treats the repeats as
independent draws of the whole batch under the same settings, so it measures how much the
*judge* varies from run to run — not the uncertainty from which essays were compared within
one run (that is the alignment block's posterior interval of each run). It needs at least two
repeats with the figure; with one, there is no spread and no interval. Identical repeats (a
deterministic judge) give SD 0 and an interval of zero width: the aggregate says so rather
than hiding it.

**Rank stability.** Essays are matched across repeats by their path in the dataset (wire
ids differ per run; two essays can share a text, so never by checksum). Per essay: its rank
by the runner's θ in each repeat, the mean, the SD and the range (max − min); an essay that
is missing from a repeat's fit is counted in ``repeats_ranked`` so a short row is visible.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class EssayLabel(Protocol):
    """How an essay is named across repeats."""

    @property
    def label(self) -> str: ...
    @property
    def grade(self) -> str | None: ...


class RunFigures(Protocol):
    """One run's stored figures, as an experiment reads them from its artefact.

    :class:`eng5_np.report.run_summary.RunFigures` is one; the statistics here only need these
    attributes, so ``analysis`` does not depend on the layer that reads artefacts.
    """

    @property
    def status(self) -> str: ...
    @property
    def tau(self) -> float | None: ...
    @property
    def inversions(self) -> int | None: ...
    @property
    def never_won(self) -> tuple[str, ...] | None: ...
    @property
    def ssr(self) -> float | None: ...
    @property
    def split_half(self) -> float | None: ...
    @property
    def essay_a_share(self) -> float | None: ...
    @property
    def comparisons(self) -> int: ...
    @property
    def failures(self) -> int: ...
    @property
    def cost_usd(self) -> float: ...
    @property
    def theta(self) -> Mapping[str, float]: ...
    @property
    def essays(self) -> Mapping[str, EssayLabel]: ...


CONFIDENCE = 0.95
TAU_BOUNDS = (-1.0, 1.0)
"""Kendall's τ-b cannot leave −1…1, so neither can its interval."""
COUNT_BOUNDS = (0.0, math.inf)
"""A count (inversions, anchors that never won) is never negative."""


@dataclass(frozen=True)
class Spread:
    """One figure over the repeats that have it."""

    values: tuple[float, ...]
    mean: float | None
    sd: float | None
    """Sample SD (n − 1); None with fewer than two values."""
    ci95: tuple[float, float] | None
    """Student-t 95 % interval of the mean; None with fewer than two values."""
    minimum: float | None
    maximum: float | None
    missing: int
    """Repeats in which the figure was not available."""


@dataclass(frozen=True)
class EssayStability:
    """How one essay's rank moved across the repeats."""

    label: str
    grade: str | None
    ranks: tuple[float, ...]
    mean_rank: float
    sd: float | None
    rank_range: float
    repeats_ranked: int


@dataclass(frozen=True)
class RepeatAggregate:
    """Every figure of a set of repeats, with its spread."""

    repeats: int
    complete: int
    tau: Spread
    inversions: Spread
    never_won_count: Spread
    never_won_anchors: tuple[tuple[str, int], ...]
    """(anchor label, repeats in which it never won), most often first."""
    ssr: Spread
    split_half: Spread
    essay_a_share: Spread
    comparisons: int
    failures: int
    cost_usd: float
    stability: tuple[EssayStability, ...]
    identical: bool
    """True when every repeat produced exactly the same ranks (a deterministic judge)."""


def spread(values: Sequence[float | None], bounds: tuple[float, float] | None = None) -> Spread:
    """Mean, SD, Student-t 95 % interval, min and max of the values that exist.

    ``bounds`` is the range the figure can take (τ-b: −1…1, a share: 0…1); the interval is
    clipped to it, because a t interval of few repeats can reach far past what the figure
    can be (two repeats: ± 12.7 SD / √2).
    """
    present = tuple(float(v) for v in values if v is not None)
    missing = len(values) - len(present)
    if not present:
        return Spread((), None, None, None, None, None, missing)
    mean = statistics.fmean(present)
    if len(present) < 2:
        return Spread(present, mean, None, None, present[0], present[0], missing)
    sd = statistics.stdev(present)
    from scipy import stats  # imported lazily: scipy.stats is slow to import

    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(present) - 1)) * sd / math.sqrt(len(present))
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Spread(present, mean, sd, (low, high), min(present), max(present), missing)


def aggregate_repeats(runs: Sequence[RunFigures]) -> RepeatAggregate:
    """The aggregate of the repeats' summaries (complete ones and others alike)."""
    never_counts: dict[str, int] = {}
    for run in runs:
        for label in run.never_won or ():
            never_counts[label] = never_counts.get(label, 0) + 1
    ranks = [rank_descending(run.theta) for run in runs]
    stability = _stability(runs, ranks)
    return RepeatAggregate(
        repeats=len(runs),
        complete=sum(1 for run in runs if run.status == "complete"),
        tau=spread([run.tau for run in runs], TAU_BOUNDS),
        inversions=spread([run.inversions for run in runs], COUNT_BOUNDS),
        never_won_count=spread(
            [None if run.never_won is None else len(run.never_won) for run in runs],
            COUNT_BOUNDS,
        ),
        never_won_anchors=tuple(sorted(never_counts.items(), key=lambda item: (-item[1], item[0]))),
        ssr=spread([run.ssr for run in runs], (-math.inf, 1.0)),
        split_half=spread([run.split_half for run in runs], (-1.0, 1.0)),
        essay_a_share=spread([run.essay_a_share for run in runs], (0.0, 1.0)),
        comparisons=sum(run.comparisons for run in runs),
        failures=sum(run.failures for run in runs),
        cost_usd=sum(run.cost_usd for run in runs),
        stability=stability,
        identical=len(runs) > 1 and all(rank == ranks[0] for rank in ranks[1:]),
    )


def _stability(
    runs: Sequence[RunFigures], by_run: Sequence[Mapping[str, float]]
) -> tuple[EssayStability, ...]:
    rows: list[EssayStability] = []
    essays = {key: essay for run in runs for key, essay in run.essays.items()}
    for key, essay in essays.items():
        ranks = tuple(ranked[key] for ranked in by_run if key in ranked)
        if not ranks:
            continue
        rows.append(
            EssayStability(
                label=essay.label,
                grade=essay.grade,
                ranks=ranks,
                mean_rank=statistics.fmean(ranks),
                sd=statistics.stdev(ranks) if len(ranks) > 1 else None,
                rank_range=max(ranks) - min(ranks),
                repeats_ranked=len(ranks),
            )
        )
    return tuple(sorted(rows, key=lambda row: (row.mean_rank, row.label)))


def rank_descending(values: Mapping[str, float]) -> dict[str, float]:
    """Rank 1 for the highest value; tied values share the mean of their ranks."""
    ordered = sorted(values.items(), key=lambda item: -item[1])
    ranks: dict[str, float] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][1] == ordered[start][1]:
            end += 1
        shared = (start + end) / 2 + 1
        for key, _ in ordered[start : end + 1]:
            ranks[key] = shared
        start = end + 1
    return ranks
