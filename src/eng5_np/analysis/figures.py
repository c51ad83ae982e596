"""The per-run figures beside the fit: counts, infit, rank correlation, position bias (SPEC §8).

Pure: the comparison records of a run (the artefact's ``llm_comparisons`` shape), who is an
anchor, and the run's one Bradley–Terry fit in; a frozen :class:`ComparisonFigures` out. The
fit is an input, never refitted here: every figure of a run rests on the same θ and SE, the ones
``bt_summary`` and the ``alignment`` block carry (issue 14 item 2: one report once printed two
τ from two fits of the same data).

- :func:`read_outcomes`: the successful records as outcomes, and the tally by status (a
  "succeeded" record naming no consistent winner is counted as unusable and left out — the
  same outcomes feed the fit, these figures and the alignment);
- per essay: successful and failed comparisons, wins, θ and SE of the fit, infit (information-
  weighted mean square, :func:`~eng5_np.analysis.reliability.infit`) and the misfit flag
  (infit above mean + :data:`MISFIT_SD` sample SDs, three essays or more);
- successful comparisons per essay: minimum, median, maximum over every named essay (0 for an
  essay that took part in none);
- Spearman's ρ between the runner's θ and the service's θ over the essays that have both
  (Pearson's r of the average ranks; equals ``scipy.stats.spearmanr``, checked in
  ``tests/analysis/test_analysis_figures.py``);
- position bias and order consistency (:mod:`~eng5_np.analysis.bias`).

A figure that cannot be computed is ``None`` and ``not_computable`` names it with the reason.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.bias import PositionBias, position_bias
from eng5_np.analysis.bradley_terry import BTFit
from eng5_np.analysis.comparisons import ComparisonOutcome, win_counts
from eng5_np.analysis.reliability import flag_misfits, infit

MISFIT_SD = 2.0
"""Infit above mean + this many sample SDs is flagged (SPEC §8)."""


@dataclass(frozen=True)
class ComparisonTally:
    """Comparison records by status, with failures counted per error code."""

    total: int
    succeeded: int
    failed: int
    error_codes: tuple[tuple[str, int], ...]
    """(error code, count), most frequent first."""
    unusable: int
    """Succeeded records whose winner/loser are not the two compared essays (left out)."""


@dataclass(frozen=True)
class CountSpread:
    """Successful comparisons per essay over every named essay (0 included)."""

    minimum: int
    median: float
    maximum: int


@dataclass(frozen=True)
class EssayFigures:
    """One essay's counts, its θ and SE in the run's fit, and its infit."""

    essay_id: str
    is_anchor: bool
    comparisons: int
    """Successful comparisons it took part in."""
    failed: int
    wins: int
    theta: float | None
    """None when the essay took part in no successful comparison."""
    standard_error: float | None
    infit: float | None
    misfit: bool


@dataclass(frozen=True)
class ComparisonFigures:
    """Every figure of :func:`comparison_figures`, ``None`` where not computable."""

    tally: ComparisonTally
    essays: tuple[EssayFigures, ...]
    count_spread: CountSpread | None
    infit_cutoff: float | None
    """mean + 2 SD of the infit values; None with fewer than three essays."""
    rank_correlation: float | None
    position_bias: PositionBias | None
    not_computable: dict[str, str] = field(default_factory=dict)
    """Figure name (``rank_correlation``, ``infit``, ``position_bias``, …) → why it is None."""


def read_outcomes(
    records: Sequence[Mapping[str, Any]],
) -> tuple[list[ComparisonOutcome], ComparisonTally]:
    """The successful records as outcomes (unusable ones left out), and the tally."""
    outcomes: list[ComparisonOutcome] = []
    errors: Counter[str] = Counter()
    unusable = 0
    for record in records:
        if record["status"] != "succeeded":
            errors[str(record.get("error_code") or "no error code")] += 1
            continue
        try:
            outcomes.append(
                ComparisonOutcome(
                    record["essay_a_id"],
                    record["essay_b_id"],
                    record["winner_id"],
                    record["loser_id"],
                )
            )
        except ValueError:
            unusable += 1  # a "succeeded" record without a consistent winner cannot be fitted
    failed = sum(errors.values())
    tally = ComparisonTally(
        total=len(records),
        succeeded=len(records) - failed,
        failed=failed,
        error_codes=tuple(sorted(errors.items(), key=lambda item: (-item[1], item[0]))),
        unusable=unusable,
    )
    return outcomes, tally


def comparison_figures(
    records: Sequence[Mapping[str, Any]],
    roles: Mapping[str, bool],
    fit: BTFit | None,
    service_theta: Mapping[str, float],
    read: tuple[Sequence[ComparisonOutcome], ComparisonTally] | None = None,
) -> ComparisonFigures:
    """The figures of the module docstring from ``records`` and the run's one ``fit``.

    ``roles`` maps every essay the run names (inputs and any other compared id) to
    "is an anchor"; ids compared but not in ``roles`` are listed as students. ``fit`` is the
    fit of :func:`read_outcomes`' outcomes (None when there was nothing to fit);
    ``service_theta`` the CJ service's θ by essay id (empty without a result); ``read`` what
    :func:`read_outcomes` gave for ``records``, when the caller has it already.
    """
    outcomes, tally = read if read is not None else read_outcomes(records)
    why: dict[str, str] = {}
    theta = fit.theta if fit is not None else {}
    by_infit: dict[str, float] = {}
    cutoff: float | None = None
    if fit is None:
        why["infit"] = why["rank_correlation"] = "no Bradley–Terry fit"
    else:
        by_infit = infit(outcomes, theta)
        if len(by_infit) >= 3:
            values = np.array(list(by_infit.values()), dtype=np.float64)
            cutoff = float(values.mean() + MISFIT_SD * values.std(ddof=1))
        else:
            why["infit_cutoff"] = "needs three essays"
    flagged = set(flag_misfits(by_infit, sd_threshold=MISFIT_SD))
    essays = _essays(records, outcomes, roles, fit, by_infit, flagged)
    counts = [essay.comparisons for essay in essays]
    spread = (
        CountSpread(min(counts), float(statistics.median(counts)), max(counts)) if counts else None
    )
    if spread is None:
        why["comparisons_per_essay"] = "the run names no essay"
    correlation = None
    if fit is not None:
        correlation, reason = rank_correlation(theta, service_theta)
        if reason is not None:
            why["rank_correlation"] = reason
    bias = position_bias(outcomes) if outcomes else None
    if bias is None:
        why["position_bias"] = "no successful comparison"
    return ComparisonFigures(tally, essays, spread, cutoff, correlation, bias, why)


def rank_correlation(
    runner: Mapping[str, float], service: Mapping[str, float]
) -> tuple[float | None, str | None]:
    """Spearman's ρ of the runner's and the service's θ over shared essays, or (None, why)."""
    if not service:
        return None, "the CJ service reported no θ (no result in the artefact)"
    shared = sorted(set(runner) & set(service))
    if len(shared) < 3:
        return None, f"only {len(shared)} essay(s) have both θ values; needs 3"
    ours = [runner[essay_id] for essay_id in shared]
    theirs = [service[essay_id] for essay_id in shared]
    if len(set(ours)) == 1 or len(set(theirs)) == 1:
        return None, "one of the two scales is constant"
    # Spearman's ρ is Pearson's r of the ranks (ties share their mean rank). Done in numpy:
    # importing scipy.stats for it cost the end of a run about a second.
    value = float(np.corrcoef(average_ranks(ours), average_ranks(theirs))[0, 1])
    return (None, "undefined (NaN)") if math.isnan(value) else (value, None)


def average_ranks(values: Sequence[float]) -> npt.NDArray[np.float64]:
    """Ranks 1…n of ``values`` (ascending); tied values share the mean of their ranks."""
    array = np.asarray(values, dtype=np.float64)
    order = np.argsort(array, kind="stable")
    ranks = np.empty(len(array), dtype=np.float64)
    ranks[order] = np.arange(1, len(array) + 1, dtype=np.float64)
    _, inverse, counts = np.unique(array, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    mean_ranks: npt.NDArray[np.float64] = (sums / counts)[inverse]
    return mean_ranks


def _essays(
    records: Sequence[Mapping[str, Any]],
    outcomes: Sequence[ComparisonOutcome],
    roles: Mapping[str, bool],
    fit: BTFit | None,
    by_infit: Mapping[str, float],
    flagged: set[str],
) -> tuple[EssayFigures, ...]:
    successful: Counter[str] = Counter()
    for outcome in outcomes:
        successful.update((outcome.essay_a_id, outcome.essay_b_id))
    failed: Counter[str] = Counter()
    for record in records:
        if record["status"] != "succeeded":
            failed.update((record["essay_a_id"], record["essay_b_id"]))
    # Ids compared but not named (ids nobody expected) still get a row: nothing is dropped.
    everyone = dict(roles)
    for essay_id in sorted((set(successful) | set(failed)) - set(roles)):
        everyone[essay_id] = False
    wins = win_counts(outcomes)
    theta = fit.theta if fit is not None else {}
    errors = fit.standard_error if fit is not None else {}
    return tuple(
        EssayFigures(
            essay_id=essay_id,
            is_anchor=is_anchor,
            comparisons=successful[essay_id],
            failed=failed[essay_id],
            wins=wins.get(essay_id, 0),
            theta=theta.get(essay_id),
            standard_error=errors.get(essay_id),
            infit=by_infit.get(essay_id),
            misfit=essay_id in flagged,
        )
        for essay_id, is_anchor in everyone.items()
    )
