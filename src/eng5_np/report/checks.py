"""Runner-side checks of a run, computed from the raw comparisons in its artefact (SPEC §8).

Pure: an artefact dict in, a typed :class:`RunChecks` out. Every check works on the
*successful* comparisons as recorded in ``llm_comparisons`` — not on the numbers the CJ service
reported — so it is an independent look at the data:

- the runner's Bradley–Terry fit (θ, sum-to-zero posterior SEs) — the same deterministic fit
  that wrote the artefact's ``runner_theta``/``standard_error`` — and its Spearman rank
  correlation with the service's θ;
- scale separation reliability and split-half reliability as the artefact's
  ``validation.analysis`` recorded them from that one fit (recomputed the same way only for
  artefacts older than schema 1.1, which have no such block), with the reasons against them;
- comparisons per essay, infit per essay with misfits flagged above mean + 2 SD;
- position bias and order consistency;
- anchor alignment (Kendall's τ between grade and refit θ, inversions, anchors never winning);
- the quality gates, each PASS or WARN — a gate that cannot be evaluated is a WARN saying why.

A check that cannot be computed is a :class:`NotComputable` with the reason, never a silent gap.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from eng5_np.analysis import (
    AnchorInversion,
    BTFit,
    ComparisonOutcome,
    PositionBias,
    anchor_alignment,
    anchors_never_winning,
    fit_bradley_terry,
    flag_misfits,
    infit,
    position_bias,
    win_counts,
)
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.reference.grades import get_scale
from eng5_np.report.gates import (
    CountSpread,
    Gate,
    NotComputable,
    QualityThresholds,
    quality_gates,
    stored_reliability,
)

T = TypeVar("T")
MISFIT_SD = 2.0
"""Infit above mean + this many SDs is flagged (SPEC §8)."""


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
class EssayCheck:
    """Per-essay counts from the raw comparisons, and its infit."""

    essay_id: str
    is_anchor: bool
    successful: int
    failed: int
    wins: int
    infit: float | None
    misfit: bool


@dataclass(frozen=True)
class RefitCheck:
    """The runner's own Bradley–Terry fit of the successful comparisons."""

    theta: dict[str, float]
    standard_error: dict[str, float]
    components: int
    """Connected components of the comparison graph (θ is only comparable within one)."""
    rank_correlation: float | NotComputable
    """Spearman ρ between the runner's θ and the service's θ over the essays in both."""
    separated: tuple[str, ...] = ()
    """Essays whose maximum-likelihood θ would be infinite (set by the fit's prior)."""
    method: str = ""
    """How the fit was made (``BTFit.method_description``)."""


@dataclass(frozen=True)
class InfitCheck:
    """Infit mean-square per compared essay, and the essays flagged as misfits."""

    by_essay: dict[str, float]
    cutoff: float | None
    """mean + 2 SD of the infit values; None with fewer than three essays."""
    flagged: tuple[str, ...]


@dataclass(frozen=True)
class AlignmentCheck:
    """Anchors' grades against their refit θ."""

    kendall_tau: float | NotComputable
    inversions: tuple[AnchorInversion, ...]
    never_winning: tuple[str, ...]
    anchors_used: int
    not_compared: tuple[str, ...]
    off_scale: tuple[str, ...]
    """Anchors whose grade is not on the run's grade scale (left out)."""


@dataclass(frozen=True)
class RunChecks:
    """Every runner-side check of a run (SPEC §8)."""

    tally: ComparisonTally
    essays: tuple[EssayCheck, ...]
    count_spread: CountSpread
    refit: RefitCheck | NotComputable
    ssr: float | NotComputable
    split_half: float | NotComputable
    infit: InfitCheck | NotComputable
    position_bias: PositionBias | NotComputable
    alignment: AlignmentCheck | NotComputable
    gates: tuple[Gate, ...]
    nothing_to_analyse: str | None
    """Why there is nothing to analyse (no successful comparison), else None."""
    reliability_reasons: tuple[str, ...] = ()
    """Why a reliability figure is not computable or its gate warns (the artefact's reasons)."""
    analysis_errors: tuple[str, ...] = ()
    """Analysis steps that failed when the artefact was written."""
    position_effect: Mapping[str, Any] | None = None
    """The stored ``validation.analysis.position_effect`` block (δ in the model), if any."""


def compute_checks(
    artefact: Mapping[str, Any], thresholds: QualityThresholds | None = None
) -> RunChecks:
    """Compute every check from the artefact's raw comparisons and its one consistent fit."""
    limits = thresholds or QualityThresholds()
    records: Sequence[Mapping[str, Any]] = artefact["llm_comparisons"]
    outcomes, tally = _outcomes(records)
    directory = EssayDirectory.from_artefact(artefact)
    compared = {r["essay_a_id"] for r in records} | {r["essay_b_id"] for r in records}
    # The anchors that were judged: the run's own (guest) or CJ's registered ones (assignment).
    anchor_grades = directory.anchor_grades(compared | set(directory.essays))
    nothing = _nothing_to_analyse(artefact, tally)

    refit = _refit(outcomes, artefact["bt_summary"]) if nothing is None else NotComputable(nothing)
    infit_check = _infit(outcomes, refit.theta) if isinstance(refit, RefitCheck) else refit
    figures = stored_reliability(
        artefact, outcomes, refit if isinstance(refit, NotComputable) else None
    )
    essays = _essay_checks(directory, records, outcomes, infit_check)
    counts = [essay.successful for essay in essays]
    spread = CountSpread(min(counts), float(statistics.median(counts)), max(counts))
    return RunChecks(
        tally=tally,
        essays=essays,
        count_spread=spread,
        refit=refit,
        ssr=figures.ssr,
        split_half=figures.split_half,
        infit=infit_check,
        position_bias=position_bias(outcomes) if nothing is None else NotComputable(nothing),
        alignment=(
            _alignment(outcomes, refit, anchor_grades, artefact["metadata"]["grade_scale"])
            if isinstance(refit, RefitCheck)
            else refit
        ),
        gates=quality_gates(figures.ssr, figures.reasons, spread, limits),
        nothing_to_analyse=nothing,
        reliability_reasons=figures.reasons,
        analysis_errors=figures.errors,
        position_effect=(artefact["validation"].get("analysis") or {}).get("position_effect"),
    )


def _outcomes(
    records: Sequence[Mapping[str, Any]],
) -> tuple[list[ComparisonOutcome], ComparisonTally]:
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
                    essay_a_id=record["essay_a_id"],
                    essay_b_id=record["essay_b_id"],
                    winner_id=record["winner_id"],
                    loser_id=record["loser_id"],
                )
            )
        except ValueError:
            # A "succeeded" record without a consistent winner cannot enter the fit.
            unusable += 1
    failed = sum(errors.values())
    tally = ComparisonTally(
        total=len(records),
        succeeded=len(records) - failed,
        failed=failed,
        error_codes=tuple(sorted(errors.items(), key=lambda item: (-item[1], item[0]))),
        unusable=unusable,
    )
    return outcomes, tally


def _nothing_to_analyse(artefact: Mapping[str, Any], tally: ComparisonTally) -> str | None:
    if tally.succeeded - tally.unusable > 0:
        return None
    if artefact["metadata"]["runner_mode"] == "dry-run":
        return "dry-run stub: nothing was sent, so there are no comparisons"
    if tally.total == 0:
        return "no comparisons were collected"
    return f"none of the {tally.total} comparison(s) succeeded"


def _guard(compute: Callable[[], T]) -> T | NotComputable:
    """Run one statistic; its documented ValueError (or a fit that fails) → NotComputable."""
    try:
        return compute()
    except (ValueError, RuntimeError) as error:
        return NotComputable(str(error))


def _refit(
    outcomes: Sequence[ComparisonOutcome], bt_summary: Sequence[Mapping[str, Any]]
) -> RefitCheck | NotComputable:
    fit: BTFit | NotComputable = _guard(lambda: fit_bradley_terry(outcomes))
    if isinstance(fit, NotComputable):
        return NotComputable(f"Bradley–Terry fit failed: {fit.reason}")
    service = {e["essay_id"]: float(e["theta"]) for e in bt_summary if e["theta"] is not None}
    return RefitCheck(
        theta=fit.theta,
        standard_error=fit.standard_error,
        components=len(fit.components),
        rank_correlation=_rank_correlation(fit.theta, service),
        separated=fit.separated,
        method=fit.method_description,
    )


def _rank_correlation(
    refit: Mapping[str, float], service: Mapping[str, float]
) -> float | NotComputable:
    if not service:
        return NotComputable("the CJ service reported no θ (no result in the artefact)")
    shared = sorted(set(refit) & set(service))
    if len(shared) < 3:
        return NotComputable(f"only {len(shared)} essay(s) have both θ values; needs 3")
    ours = [refit[essay_id] for essay_id in shared]
    theirs = [service[essay_id] for essay_id in shared]
    if len(set(ours)) == 1 or len(set(theirs)) == 1:
        return NotComputable("one of the two scales is constant")
    from scipy import stats  # imported lazily: scipy.stats is slow to import

    value = float(stats.spearmanr(ours, theirs).statistic)
    return NotComputable("undefined (NaN)") if np.isnan(value) else value


def _infit(
    outcomes: Sequence[ComparisonOutcome], theta: Mapping[str, float]
) -> InfitCheck | NotComputable:
    values: dict[str, float] | NotComputable = _guard(lambda: infit(outcomes, theta))
    if isinstance(values, NotComputable):
        return values
    cutoff = None
    if len(values) >= 3:
        array = np.array(list(values.values()), dtype=np.float64)
        cutoff = float(array.mean() + MISFIT_SD * array.std(ddof=1))
    flagged = flag_misfits(values, sd_threshold=MISFIT_SD)
    return InfitCheck(by_essay=values, cutoff=cutoff, flagged=tuple(flagged))


def _essay_checks(
    directory: EssayDirectory,
    records: Sequence[Mapping[str, Any]],
    outcomes: Sequence[ComparisonOutcome],
    infit_check: InfitCheck | NotComputable,
) -> tuple[EssayCheck, ...]:
    roles = {essay_id: info.is_anchor for essay_id, info in directory.essays.items()}
    successful: Counter[str] = Counter()
    for outcome in outcomes:
        successful.update((outcome.essay_a_id, outcome.essay_b_id))
    failed: Counter[str] = Counter()
    for record in records:
        if record["status"] != "succeeded":
            failed.update((record["essay_a_id"], record["essay_b_id"]))
    # Ids compared but not among the inputs (CJ's own anchors in an assignment run, or ids
    # nobody expected) still get a row: nothing is silently dropped.
    for essay_id in sorted((set(successful) | set(failed)) - set(roles)):
        info = directory.lookup(essay_id)
        roles[essay_id] = info.is_anchor if info is not None else False
    wins = win_counts(outcomes)
    by_essay = infit_check.by_essay if isinstance(infit_check, InfitCheck) else {}
    flagged = set(infit_check.flagged) if isinstance(infit_check, InfitCheck) else set()
    return tuple(
        EssayCheck(
            essay_id=essay_id,
            is_anchor=is_anchor,
            successful=successful[essay_id],
            failed=failed[essay_id],
            wins=wins.get(essay_id, 0),
            infit=by_essay.get(essay_id),
            misfit=essay_id in flagged,
        )
        for essay_id, is_anchor in roles.items()
    )


def _alignment(
    outcomes: Sequence[ComparisonOutcome],
    refit: RefitCheck,
    anchor_grades: Mapping[str, str],
    scale_name: str,
) -> AlignmentCheck | NotComputable:
    scale = get_scale(scale_name)
    on_scale = {a: g for a, g in anchor_grades.items() if scale.contains(g)}
    off_scale = tuple(sorted(set(anchor_grades) - set(on_scale)))
    if not on_scale:
        return NotComputable(f"no anchor has a grade on {scale_name}")
    result = anchor_alignment(refit.theta, on_scale, scale)
    tau: float | NotComputable = (
        result.kendall_tau
        if result.kendall_tau is not None
        else NotComputable("needs two compared anchors with different grades and θ")
    )
    return AlignmentCheck(
        kendall_tau=tau,
        inversions=result.inversions,
        never_winning=tuple(anchors_never_winning(outcomes, on_scale)),
        anchors_used=result.anchors_used,
        not_compared=result.missing_anchor_ids,
        off_scale=off_scale,
    )
