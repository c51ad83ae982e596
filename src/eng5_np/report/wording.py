"""What both reports say, as plain text: banners, check lines, notes, the scale to show.

The markdown and HTML renderers differ only in markup; every sentence and number comes from
here (the tables' cells from :mod:`eng5_np.report.tables`) so the two reports can never
disagree. Text is unescaped: each renderer escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eng5_np.analysis import SPLIT_HALF_SEED
from eng5_np.report.checks import (
    AlignmentCheck,
    InfitCheck,
    RefitCheck,
    RunChecks,
)
from eng5_np.report.facts import RunFacts, ScaleRow
from eng5_np.report.gates import NotComputable
from eng5_np.report.headline import tau_text

SIMULATED_BANNER = "Simulated judge: not LLM judgements"
ANCHOR_ALIGN_MODE = "anchor-align"
NO_VALUE = "—"
"""Shown for a figure that does not exist (not a zero)."""
CHANGED_BANNER = "Changed artefact: these figures cannot be vouched for"


RESULT_NEVER_CAME = "The CJ service's result never came"
RESULT_NEVER_CAME_DETAIL = (
    "the batch completed and every comparison is here, but the service never sent its result: "
    "there is no service θ; ranks, θ, standard errors and grade projections are the runner's "
    "own, from the comparisons and the anchors it knows"
)


@dataclass(frozen=True)
class Banner:
    """A prominent notice at the top of a report."""

    level: str
    """``danger`` (simulated judge, failed), ``warning`` (partial data) or ``info``."""
    title: str
    detail: str


def banners(facts: RunFacts, checks: RunChecks) -> list[Banner]:
    """The notices a reader must not miss, most important first."""
    found: list[Banner] = []
    if facts.changed is not None:
        found.append(Banner("danger", CHANGED_BANNER, facts.changed))
    if facts.simulated:
        found.append(Banner("danger", SIMULATED_BANNER, facts.stack_description))
    status = facts.status
    if status.failed_reason is not None:
        found.append(Banner("danger", "Run failed", status.reason))
    elif status.partial_data and not facts.is_dry_run:
        found.append(Banner("warning", "Partial data: the run did not complete", status.reason))
    if status.service_result_missing:
        found.append(Banner("warning", RESULT_NEVER_CAME, RESULT_NEVER_CAME_DETAIL))
    if checks.nothing_to_analyse is not None:
        found.append(Banner("info", "Nothing to analyse", checks.nothing_to_analyse))
    if status.pairing_design == "adaptive":
        found.append(Banner("info", "Adaptive pairing", ADAPTIVE_NOTE))
    return found


ADAPTIVE_NOTE = (
    "the CJ service chose pairs adaptively (similar essays together), which inflates scale "
    "separation reliability and shrinks SEs (Bramley & Vitello 2019): this run's SSR is not "
    "comparable with a non-adaptive run's; the design's precision measured against a known "
    "truth is in benchmarks/README.md (bench_designs.py)"
)


def number(value: float | None, digits: int = 3) -> str:
    """A float with fixed decimals, or an em dash when absent."""
    return NO_VALUE if value is None else f"{value:.{digits}f}"


def shown(value: float | NotComputable, digits: int = 3) -> str:
    """A statistic, or "not computable: <why>"."""
    return str(value) if isinstance(value, NotComputable) else f"{value:.{digits}f}"


def run_rows(facts: RunFacts) -> list[tuple[str, str]]:
    """The run metadata as (label, value) rows."""
    dirty = {True: " (dirty tree)", False: "", None: ""}[facts.git_dirty]
    rows = [
        ("batch label", facts.batch_label),
        ("wire batch id", facts.wire_batch_id),
        ("mode", facts.mode),
        ("status", facts.status.headline),
        ("stack", f"{facts.stack_kind} · judge: {facts.stack_judge}"),
        ("stack description", facts.stack_description),
        *([("judge identity", facts.judge_identity)] if facts.judge_identity else []),
        *([("judge profile", facts.judge_profile)] if facts.judge_profile else []),
        ("grade scale", facts.grade_scale),
        ("course", facts.course_code),
        ("generated at", facts.generated_at),
        ("runner", f"{facts.runner_version} · git {facts.git_sha}{dirty}"),
    ]
    if facts.request_position is not None:
        rows.append(("request published at", facts.request_position))
    status = facts.status
    if status.stop_reason:
        rows.append(("stopped because", status.stop_reason))
    if status.batch_stop:
        rows.append(("CJ stopped the batch", status.batch_stop))
    if status.elapsed_seconds is not None:
        limit = f" of {status.timeout_seconds:g} s allowed" if status.timeout_seconds else ""
        rows.append(("collection time", f"{status.elapsed_seconds:.1f} s{limit}"))
    events = " · ".join(f"{name} {count}" for name, count in sorted(status.observed_events.items()))
    rows.append(("events observed", events))
    rows.extend((f"option {name}", value) for name, value in facts.options)
    rows.extend((f"excluded {facts.name(essay_id)}", reason) for essay_id, reason in facts.excluded)
    if facts.run_kind:
        rows.insert(3, ("run kind", facts.run_kind))
    rows.extend(
        (f"judge {o.kind}", f"{o.path} (sha256 {o.sha256[:12]}…, full text below)")
        for o in facts.overrides
    )
    return rows


def check_rows(checks: RunChecks, facts: RunFacts) -> list[tuple[str, str]]:
    """Each runner-side check as (check, result) — "not computable: <why>" when it is not.

    Essays are named by their display names (``facts``), never by their opaque wire ids.
    """
    return [(label, facts.named(value)) for label, value in _check_rows(checks)]


def _check_rows(checks: RunChecks) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    refit = checks.refit
    if isinstance(refit, RefitCheck):
        parts = f"{len(refit.theta)} essays fitted"
        if refit.components > 1:
            parts += f"; WARNING: the comparison graph has {refit.components} disconnected parts"
        rows.append(("runner's Bradley–Terry fit", parts))
        if refit.method:
            rows.append(("fit method", refit.method))
        if refit.separated:
            rows.append(("separated essays (θ set by the prior)", ", ".join(refit.separated)))
        rows.append(
            ("rank correlation, runner θ vs service θ (Spearman ρ)", shown(refit.rank_correlation))
        )
    else:
        rows.append(("runner's Bradley–Terry fit", str(refit)))
    rows.append(("scale separation reliability (runner θ and SE, one fit)", shown(checks.ssr)))
    rows.append(
        (
            f"split-half reliability (Spearman–Brown, seed {SPLIT_HALF_SEED})",
            shown(checks.split_half),
        )
    )
    rows.extend(("reliability caveat", reason) for reason in checks.reliability_reasons)
    rows.extend(("analysis step failed", error) for error in checks.analysis_errors)
    spread = checks.count_spread
    rows.append(
        (
            "successful comparisons per essay",
            str(spread)
            if isinstance(spread, NotComputable)
            else f"min {spread.minimum} · median {spread.median:g} · max {spread.maximum}",
        )
    )
    rows.extend(_bias_rows(checks))
    rows.extend(_alignment_rows(checks.alignment))
    rows.extend(_infit_rows(checks.infit))
    return rows


def _bias_rows(checks: RunChecks) -> list[tuple[str, str]]:
    rows = _share_rows(checks)
    effect = checks.position_effect
    if effect is not None:
        rows.append(("first-position effect δ in the model (logits; 0 = none)", _delta(effect)))
    return rows


def _share_rows(checks: RunChecks) -> list[tuple[str, str]]:
    bias = checks.position_bias
    if isinstance(bias, NotComputable):
        return [("position bias", str(bias))]
    share = number(bias.essay_a_win_share)
    rows = [
        (
            'position bias (share of "Essay A" wins; 0.5 = none)',
            f"{share} ({bias.essay_a_wins} of {bias.comparisons})",
        )
    ]
    if bias.consistency_share is None:
        consistency = "not computable: no pair was judged in both orders"
    else:
        consistency = (
            f"{number(bias.consistency_share)} ({bias.consistent_pairs} of "
            f"{bias.pairs_judged_both_orders} pairs kept their winner)"
        )
    rows.append(("order consistency (pairs judged both ways round)", consistency))
    return rows


def _delta(effect: Mapping[str, Any]) -> str:
    """``0.412 [0.105, 0.719]`` (δ with its 95 % interval), or why δ was not estimated."""
    interval = effect["interval"]
    if effect["estimate"] is None or interval is None:
        return str(effect.get("reason") or "not estimated; θ assumes δ = 0")
    return (
        f"{effect['estimate']:.3f} [{interval[0]:.3f}, {interval[1]:.3f}] "
        "(95% interval; θ reported net of it)"
    )


def _alignment_rows(alignment: AlignmentCheck | NotComputable) -> list[tuple[str, str]]:
    if isinstance(alignment, NotComputable):
        return [("anchor alignment", str(alignment))]
    inversions = "; ".join(
        f"{i.higher_grade_anchor_id} ({i.higher_grade}) below {i.lower_grade_anchor_id} "
        f"({i.lower_grade})"
        for i in alignment.inversions
    )
    # Without τ there is no grade order to contradict: "none" would read as a pass.
    inversion_row = (
        ("anchor inversions", NO_VALUE)
        if isinstance(alignment.kendall_tau, NotComputable)
        else (f"anchor inversions ({len(alignment.inversions)})", inversions or "none")
    )
    rows = [
        (
            f"anchor alignment (Kendall's τ-b, {alignment.anchors_used} anchors)",
            tau_text(alignment.kendall_tau, alignment.tau_ci95),
        ),
        inversion_row,
        ("anchors that never won", ", ".join(alignment.never_winning) or "none"),
    ]
    if alignment.not_compared:
        rows.append(("anchors never compared", ", ".join(alignment.not_compared)))
    return rows


def _infit_rows(infit: InfitCheck | NotComputable) -> list[tuple[str, str]]:
    if isinstance(infit, NotComputable):
        return [("infit", str(infit))]
    cutoff = "not computable: needs three essays" if infit.cutoff is None else f"{infit.cutoff:.3f}"
    return [
        ("infit misfit cutoff (mean + 2 SD)", cutoff),
        (f"essays flagged as misfits ({len(infit.flagged)})", ", ".join(infit.flagged) or "none"),
    ]


def scale_to_show(facts: RunFacts, checks: RunChecks) -> tuple[tuple[ScaleRow, ...], str]:
    """The scale rows to table and plot, and a caption saying where they come from.

    The service's scale when the artefact has a result; otherwise (timeout, failure) the
    runner's own fit of whatever comparisons arrived, as the artefact stores it
    (``validation.analysis.essays``), so a partial run still shows its scale.
    """
    if facts.scale and facts.status.service_result_missing:
        return facts.scale, (
            "The CJ service's result never came: rank, runner θ, SE and comparison counts "
            "from the runner's own fit of the successful comparisons (no service θ)."
        )
    if facts.scale:
        return facts.scale, (
            "Service θ and rank as the CJ service reported them; runner θ, SE and comparison "
            "counts from the runner's own fit of the successful comparisons (one fit: the plot "
            "and every reliability figure use runner θ with its SE)."
        )
    refit = checks.refit
    if not isinstance(refit, RefitCheck):
        return (), f"No scale: the artefact has no result and the runner's fit is {refit}."
    grades = {e.essay_id: e.grade for e in facts.essays if e.is_anchor}
    counts = {e.essay_id: e.successful for e in checks.essays}
    ordered = sorted(refit.theta, key=lambda essay_id: (-refit.theta[essay_id], essay_id))
    rows = tuple(
        ScaleRow(
            essay_id=essay_id,
            theta=refit.theta[essay_id],
            runner_theta=refit.theta[essay_id],
            standard_error=refit.standard_error[essay_id],
            rank=rank,
            comparison_count=counts.get(essay_id, 0),
            is_anchor=essay_id in grades,
            anchor_grade=grades.get(essay_id),
            grade_projection=None,
        )
        for rank, essay_id in enumerate(ordered, start=1)
    )
    return rows, (
        "The artefact has no result from the CJ service: θ, SE and rank below are from the "
        "runner's own fit of the comparisons that arrived, as the artefact stores it."
    )


def cost_note(facts: RunFacts) -> str:
    """What the cost figures are: estimates at the named model's prices, never money spent."""
    if facts.simulated:
        return (
            "Estimated cost: what these comparisons would cost with the named model at the "
            "model manifest's prices. The judge was simulated: no money was spent."
        )
    note = (
        "Estimated cost: the sum of each callback's cost_estimate as the LLM provider reported "
        "it — an estimate, not an invoice."
    )
    unpriced = sum(c.comparisons or 0 for c in facts.costs if not c.priced)
    if unpriced:
        note += (
            f" {unpriced} comparison(s) were judged by an unpriced judge (a model on an "
            "OpenAI-compatible server without --judge-price): their cost is unknown, not $0."
        )
    return note


def comparisons_sentence(checks: RunChecks) -> str:
    """Total, succeeded and failed comparisons in one sentence."""
    tally = checks.tally
    if isinstance(tally, NotComputable):
        return f"Comparisons by status: {tally}."
    text = f"{tally.total} comparisons: {tally.succeeded} succeeded, {tally.failed} failed."
    if tally.unusable:
        text += f" {tally.unusable} succeeded record(s) name no consistent winner: left out."
    return text


NO_PROJECTIONS = "None: the artefact has no result from the CJ service."


def no_projections_text(facts: RunFacts) -> str:
    """Why the grade projections table is empty, in words that match what arrived."""
    if facts.mode == ANCHOR_ALIGN_MODE:
        return "None: an anchor-align run sends no students, so there is nothing to project."
    if facts.scale:
        return "None: the CJ service's result arrived but projected no grades."
    return NO_PROJECTIONS


CHECKS_HEADING = "Runner-side checks (from the raw comparisons)"
OVERRIDES_HEADING = "Judge overrides (the texts sent)"
