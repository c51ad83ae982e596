"""Runner-side checks of a run, read from the figures its artefact stored (SPEC §8).

Pure: an artefact dict in, a typed :class:`RunChecks` out. Nothing is computed here: every
figure was computed once, from the run's one Bradley–Terry fit, when the artefact was written
(:mod:`eng5_np.artefact.analysis`) and is read from ``validation.analysis`` and the
``alignment`` block:

- the runner's fit (θ, SEs, components, separated essays, method) and its Spearman rank
  correlation with the service's θ;
- scale separation and split-half reliability, with the reasons against them;
- comparisons per essay, infit per essay with misfits flagged above mean + 2 SD;
- position bias and order consistency;
- anchor alignment (τ-b, inversions, anchors that never won: the ``alignment`` block, the same
  numbers as the report's alignment section);
- the quality gates, each PASS or WARN — a gate that cannot be evaluated is a WARN saying why.

A figure the artefact does not hold is a :class:`NotComputable`: with the stored reason, or
"not recorded" when the artefact was written before the figure was stored — never recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eng5_np.analysis import ComparisonTally, CountSpread, PositionBias
from eng5_np.report.gates import (
    NOT_RECORDED,
    Gate,
    NotComputable,
    QualityThresholds,
    quality_gates,
    stored_reliability,
)


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
    """The runner's own Bradley–Terry fit of the successful comparisons, as stored."""

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
class InversionPair:
    """Two anchors whose θ order contradicts their grades (from the ``alignment`` block)."""

    higher_grade_anchor_id: str
    lower_grade_anchor_id: str
    higher_grade: str
    lower_grade: str


@dataclass(frozen=True)
class AlignmentCheck:
    """Anchors' grades against the run's θ: the ``alignment`` block's figures."""

    kendall_tau: float | NotComputable
    tau_ci95: tuple[float, float] | None
    confidence: float
    """The interval's confidence level (0.95)."""
    inversions: tuple[InversionPair, ...]
    never_winning: tuple[str, ...]
    anchors_used: int
    not_compared: tuple[str, ...]


@dataclass(frozen=True)
class RunChecks:
    """Every runner-side check of a run (SPEC §8)."""

    tally: ComparisonTally | NotComputable
    essays: tuple[EssayCheck, ...]
    count_spread: CountSpread | NotComputable
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
    """Read every check from the artefact's stored figures (see the module docstring)."""
    limits = thresholds or QualityThresholds()
    stored: Mapping[str, Any] = artefact["validation"].get("analysis") or {}
    why: Mapping[str, str] = stored.get("not_computable") or {}
    mode = artefact["metadata"]["runner_mode"]
    tally = _tally(stored, mode)
    nothing = _nothing_to_analyse(mode, tally)
    essays = tuple(_essay(e) for e in stored.get("essays") or ())
    figures = stored_reliability(artefact)
    spread = _spread(stored, why)
    return RunChecks(
        tally=tally,
        essays=essays,
        count_spread=spread,
        refit=_refit(stored, why, nothing),
        ssr=figures.ssr,
        split_half=figures.split_half,
        infit=_infit(stored, why, essays, nothing),
        position_bias=_bias(stored, why, nothing),
        alignment=_alignment(artefact.get("alignment"), why, nothing),
        gates=quality_gates(figures.ssr, figures.reasons, spread, limits),
        nothing_to_analyse=nothing,
        reliability_reasons=figures.reasons,
        analysis_errors=figures.errors,
        position_effect=(artefact["validation"].get("analysis") or {}).get("position_effect"),
    )


def _missing(name: str, why: Mapping[str, str], nothing: str | None) -> NotComputable:
    if nothing is not None:
        return NotComputable(nothing)
    return NotComputable(why.get(name, NOT_RECORDED))


def _tally(stored: Mapping[str, Any], mode: str) -> ComparisonTally | NotComputable:
    block = stored.get("tally")
    if block is None:
        # A dry-run sends nothing: zero comparisons is what happened, not a figure.
        return ComparisonTally(0, 0, 0, (), 0) if mode == "dry-run" else NotComputable(NOT_RECORDED)
    return ComparisonTally(
        total=int(block["total"]),
        succeeded=int(block["succeeded"]),
        failed=int(block["failed"]),
        error_codes=tuple((str(c["error_code"]), int(c["count"])) for c in block["error_codes"]),
        unusable=int(block["unusable"]),
    )


def _nothing_to_analyse(mode: str, tally: ComparisonTally | NotComputable) -> str | None:
    if mode == "dry-run":
        return "dry-run stub: nothing was sent, so there are no comparisons"
    if isinstance(tally, NotComputable) or tally.succeeded - tally.unusable > 0:
        return None
    if tally.total == 0:
        return "no comparisons were collected"
    return f"none of the {tally.total} comparison(s) succeeded"


def _essay(entry: Mapping[str, Any]) -> EssayCheck:
    return EssayCheck(
        essay_id=entry["essay_id"],
        is_anchor=bool(entry["is_anchor"]),
        successful=int(entry["comparisons"]),
        failed=int(entry["failed"]),
        wins=int(entry["wins"]),
        infit=None if entry["infit"] is None else float(entry["infit"]),
        misfit=bool(entry["misfit"]),
    )


def _spread(stored: Mapping[str, Any], why: Mapping[str, str]) -> CountSpread | NotComputable:
    block = stored.get("comparisons_per_essay")
    if block is None:
        return NotComputable(why.get("comparisons_per_essay", NOT_RECORDED))
    return CountSpread(int(block["minimum"]), float(block["median"]), int(block["maximum"]))


def _refit(
    stored: Mapping[str, Any], why: Mapping[str, str], nothing: str | None
) -> RefitCheck | NotComputable:
    if nothing is not None:
        return NotComputable(nothing)
    if "essays" not in stored:
        return NotComputable(NOT_RECORDED)
    if "fit_method" not in stored:
        errors = "; ".join(str(e) for e in stored.get("errors") or ())
        return NotComputable(f"Bradley–Terry fit failed: {errors or 'no fit recorded'}")
    fitted = [e for e in stored["essays"] if e["runner_theta"] is not None]
    correlation = stored.get("rank_correlation")
    return RefitCheck(
        theta={e["essay_id"]: float(e["runner_theta"]) for e in fitted},
        standard_error={e["essay_id"]: float(e["standard_error"]) for e in fitted},
        components=int(stored.get("components", 1)),
        rank_correlation=(
            _missing("rank_correlation", why, None) if correlation is None else float(correlation)
        ),
        separated=tuple(str(e) for e in stored.get("separated") or ()),
        method=str(stored["fit_method"]),
    )


def _infit(
    stored: Mapping[str, Any],
    why: Mapping[str, str],
    essays: Sequence[EssayCheck],
    nothing: str | None,
) -> InfitCheck | NotComputable:
    if nothing is not None or "essays" not in stored or "infit" in why:
        return _missing("infit", why, nothing)
    cutoff = stored.get("infit_cutoff")
    flagged = sorted(
        (e for e in essays if e.misfit and e.infit is not None),
        key=lambda e: (-(e.infit or 0.0), e.essay_id),
    )
    return InfitCheck(
        by_essay={e.essay_id: e.infit for e in essays if e.infit is not None},
        cutoff=None if cutoff is None else float(cutoff),
        flagged=tuple(e.essay_id for e in flagged),
    )


def _bias(
    stored: Mapping[str, Any], why: Mapping[str, str], nothing: str | None
) -> PositionBias | NotComputable:
    block = stored.get("position_bias")
    if block is None:
        return _missing("position_bias", why, nothing)
    return PositionBias(
        comparisons=int(block["comparisons"]),
        essay_a_wins=int(block["essay_a_wins"]),
        pairs_judged_both_orders=int(block["pairs_judged_both_orders"]),
        consistent_pairs=int(block["consistent_pairs"]),
    )


def _alignment(
    block: Any, why: Mapping[str, str], nothing: str | None
) -> AlignmentCheck | NotComputable:
    if not isinstance(block, Mapping):
        return _missing("alignment", why, nothing)
    tau = block["kendall_tau_b"]
    interval = block["tau_ci95"]
    return AlignmentCheck(
        kendall_tau=(
            NotComputable("; ".join(block["reasons"]) or "undefined") if tau is None else tau
        ),
        tau_ci95=None if interval is None else (float(interval[0]), float(interval[1])),
        confidence=float(block["bootstrap"]["confidence"]),
        inversions=tuple(
            InversionPair(
                higher_grade_anchor_id=i["higher_grade_id"],
                lower_grade_anchor_id=i["lower_grade_id"],
                higher_grade=i["higher_grade"],
                lower_grade=i["lower_grade"],
            )
            for i in block["inversions"]
        ),
        never_winning=tuple(block["never_won"]),
        anchors_used=sum(1 for a in block["anchors"] if a["theta"] is not None),
        not_compared=tuple(a["essay_id"] for a in block["anchors"] if a["theta"] is None),
    )
