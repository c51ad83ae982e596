"""The runner's analysis of a run's comparisons, every step guarded (SPEC §8, issue 8).

Statistics are computed *after* the collected data is safe on disk, and no step may cost the
run its artefact or change the exit code the collection earned: each step runs inside
:func:`_guarded`, a failure is logged with its traceback and recorded as one line in
``validation.analysis.errors``, and the later steps that need its output are skipped with a
reason. This is where every figure of a run is computed, **once** (issue 14 item 2, issue 15):
:func:`analyse_run` at the end of a run, :func:`analyse_document` for a saved artefact; both
store what they find, and the reports, compare and the experiments only read it. The steps,
in order, all on one set of outcomes and one fit:

1. the successful comparisons as outcomes (:func:`eng5_np.analysis.read_outcomes`);
2. the runner's Bradley–Terry fit, θ net of the judge's first-position effect δ where the data
   inform it (:func:`eng5_np.analysis.position_effect.fit_net_of_position`; the plain
   :func:`eng5_np.analysis.fit_bradley_terry` otherwise), and δ itself;
3. ``bt_summary`` (the service's θ and rank beside the runner's θ and SE of that fit; when
   the service's result never came, the runner's fit alone);
4. ``grade_projections``;
5. scale separation and split-half reliability from the same fit, over ``bt_summary``'s
   essays;
6. the figures beside the fit (:func:`eng5_np.analysis.comparison_figures`);
7. the ``alignment`` block: τ-b with its interval, inversions, anchors that never won — on the
   same fit (:func:`eng5_np.artefact.alignment.align`).

The ``validation.analysis`` block: ``scale_separation_reliability`` and ``split_half_reliability``
(number or null), ``reasons`` (why a figure is null or its gate must warn), ``errors`` (steps
that failed), ``separated`` (essay ids), ``fit_method``, ``prior_sd``, ``components``; and
(since this change, optional in the schema) ``tally``, ``essays`` (per essay: comparisons,
failed, wins, runner θ and SE, infit, misfit), ``comparisons_per_essay``, ``infit_cutoff``,
``rank_correlation``, ``position_bias``, ``position_effect`` (:func:`position_effect_block`)
and ``not_computable`` (figure → why it is null or
absent). An artefact without one of them was written before it existed: the reports say "not
recorded" rather than computing it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eng5_np.analysis import (
    BTFit,
    ComparisonFigures,
    ComparisonOutcome,
    ComparisonTally,
    IntervalSettings,
    comparison_figures,
    read_outcomes,
)
from eng5_np.analysis.position_effect import PositionEffect, fit_net_of_position
from eng5_np.analysis.reliability import scale_separation_reliability
from eng5_np.analysis.reliability_figures import ReliabilityFigures, reliability_figures
from eng5_np.artefact.alignment import align, anchor_grades
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.artefact.judges import judges_block
from eng5_np.artefact.results import build_bt_summary, build_grade_projections
from eng5_np.contracts import AssessmentResultV1
from eng5_np.logs import get_logger
from eng5_np.reference.grades import GradeScale, get_scale

log = get_logger(__name__)
T = TypeVar("T")


@dataclass
class RunAnalysis:
    """What the analysis adds to the artefact: its blocks and ``validation.analysis``."""

    bt_summary: list[dict[str, Any]] = field(default_factory=list)
    grade_projections: list[dict[str, Any]] = field(default_factory=list)
    block: dict[str, Any] = field(default_factory=dict)
    alignment: dict[str, Any] | None = None
    """The ``alignment`` block (None when no anchor took part in a successful comparison)."""


def no_analysis(reason: str, errors: Sequence[str] = ()) -> dict[str, Any]:
    """A ``validation.analysis`` block without figures, saying why."""
    return {
        "scale_separation_reliability": None,
        "split_half_reliability": None,
        "reasons": [reason],
        "errors": list(errors),
        "separated": [],
    }


def analyse_run(
    result: AssessmentResultV1 | None,
    comparisons: Sequence[Mapping[str, Any]],
    directory: EssayDirectory,
    scale: GradeScale,
    *,
    service_grades: bool,
    bootstrap: IntervalSettings | None = None,
    result_never_came: Sequence[str] | None = None,
) -> RunAnalysis:
    """Compute every figure of a run once, every step guarded; never raises (module docstring).

    ``directory`` says who each essay id is (anchors and their grades); ``service_grades``
    whether the service's letter grades mean anything (see :mod:`eng5_np.artefact.results`);
    ``bootstrap`` the τ-b interval's settings (default :class:`IntervalSettings`).
    ``result_never_came``: the batch completed but the service's result did not come (issue
    14); the essay ids sent — the analysis is then the runner's own, from the comparisons
    alone (``theta`` null, ranks and every projection the runner's).
    """
    errors: list[str] = []
    read = _guarded("outcomes", errors, lambda: read_outcomes(comparisons))
    if read is None:
        return RunAnalysis(block=no_analysis("the comparisons could not be read", errors))
    outcomes, fit, effect = _fit(read[0], errors)
    summary = projections = None
    service_or_own = result is not None or result_never_came is not None
    if service_or_own and fit is not None:
        summary = _guarded(
            "bt_summary",
            errors,
            lambda: build_bt_summary(
                result,
                fit,
                directory,
                scale,
                service_grades=service_grades,
                essay_ids=result_never_came or (),
            ),
        )
    if summary is not None:
        projections = _guarded(
            "grade_projections",
            errors,
            lambda: build_grade_projections(result, summary, scale, service_grades=service_grades),
        )
    block = _reliability_block(outcomes, fit, summary, errors, no_result=not service_or_own)
    if effect is not None:
        block["position_effect"] = position_effect_block(effect)
    alignment = _figures(block, comparisons, read, directory, summary or [], scale, fit, bootstrap)
    return RunAnalysis(summary or [], projections or [], block, alignment)


def analyse_document(
    document: Mapping[str, Any], bootstrap: IntervalSettings | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``validation.analysis`` and the ``alignment`` block of a saved artefact, from its data.

    The same steps as :func:`analyse_run` on the document's comparisons, inputs and
    ``bt_summary`` (the service's θ as recorded; ``bt_summary`` itself is not rebuilt).
    """
    errors: list[str] = []
    comparisons: Sequence[Mapping[str, Any]] = document["llm_comparisons"]
    summary: Sequence[Mapping[str, Any]] = document["bt_summary"]
    read = read_outcomes(comparisons)
    outcomes, fit, effect = _fit(read[0], errors)
    block = _reliability_block(outcomes, fit, summary, errors, no_result=not summary)
    if effect is not None:
        block["position_effect"] = position_effect_block(effect)
    directory = EssayDirectory.from_artefact(document)
    scale = get_scale(document["metadata"]["grade_scale"])
    return block, _figures(block, comparisons, read, directory, summary, scale, fit, bootstrap)


def _fit(
    outcomes: list[ComparisonOutcome], errors: list[str]
) -> tuple[list[ComparisonOutcome], BTFit | None, PositionEffect | None]:
    """The run's one fit (θ net of δ where δ is estimated) and δ, or Nones."""
    if not outcomes:
        return outcomes, None, None
    fitted = _guarded("Bradley–Terry fit", errors, lambda: fit_net_of_position(outcomes))
    if fitted is None:
        return outcomes, None, None
    return outcomes, fitted[0], fitted[1]


def position_effect_block(effect: PositionEffect) -> dict[str, Any]:
    """δ for ``validation.analysis.position_effect``: estimate, SE and 95 % interval (null
    when not estimated, with the reason), comparisons and first-position wins."""
    interval = effect.interval
    block: dict[str, Any] = {
        "estimate": _rounded(effect.estimate),
        "standard_error": _rounded(effect.standard_error),
        "interval": None if interval is None else [_rounded(interval[0]), _rounded(interval[1])],
        "comparisons": effect.comparisons,
        "first_position_wins": effect.first_position_wins,
    }
    if effect.reason is not None:
        block["reason"] = effect.reason
    return block


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _reliability_block(
    outcomes: Sequence[ComparisonOutcome],
    fit: BTFit | None,
    summary: Sequence[Mapping[str, Any]] | None,
    errors: list[str],
    *,
    no_result: bool,
) -> dict[str, Any]:
    """SSR and split-half of ``fit`` over ``summary``'s essays, or the reason there are none."""
    if not outcomes:
        return no_analysis("no successful comparison to analyse", errors)
    if fit is None:
        return no_analysis("the Bradley–Terry fit failed", errors)
    if no_result or summary is None:
        reason = (
            "the CJ service sent no result, so there is no bt_summary to report figures for"
            if no_result
            else "bt_summary could not be built"
        )
        return {**no_analysis(reason, errors), **_fit_fields(fit)}
    on_scale = [e["essay_id"] for e in summary if e.get("runner_theta") is not None]
    figures = _guarded(
        "reliability", errors, lambda: _finite(reliability_figures(fit, outcomes, on_scale))
    ) or ReliabilityFigures(None, None, ("the reliability figures failed",))
    return {
        "scale_separation_reliability": figures.scale_separation_reliability,
        "split_half_reliability": figures.split_half_reliability,
        "reasons": list(figures.reasons),
        "errors": errors,
        **_fit_fields(fit),
    }


def _figures(
    block: dict[str, Any],
    comparisons: Sequence[Mapping[str, Any]],
    read: tuple[list[ComparisonOutcome], ComparisonTally],
    directory: EssayDirectory,
    summary: Sequence[Mapping[str, Any]],
    scale: GradeScale,
    fit: BTFit | None,
    bootstrap: IntervalSettings | None,
) -> dict[str, Any] | None:
    """Add the figures beside the fit to ``block``; return the ``alignment`` block."""
    errors: list[str] = block.setdefault("errors", [])
    roles = {essay_id: info.is_anchor for essay_id, info in directory.essays.items()}
    for record in comparisons:
        for essay_id in (record["essay_a_id"], record["essay_b_id"]):
            if essay_id not in roles:
                info = directory.lookup(essay_id)
                roles[essay_id] = info.is_anchor if info is not None else False
    # The service's θ; null when its result never came (issue 14) — no correlation then.
    service = {e["essay_id"]: float(e["theta"]) for e in summary if e.get("theta") is not None}
    figures = _guarded(
        "figures", errors, lambda: comparison_figures(comparisons, roles, fit, service, read)
    )
    if figures is not None:
        block.update(figures_fields(figures))
    if fit is not None:
        judges = _guarded(
            "judge figures", errors, lambda: judges_block(comparisons, fit, directory, scale)
        )
        if judges:
            block["judges"] = judges
    not_computable: dict[str, str] = block.setdefault("not_computable", {})
    aligned = _guarded(
        "anchor alignment",
        errors,
        lambda: align(
            comparisons, anchor_grades(directory, comparisons, summary), scale, bootstrap, fit
        ),
    )
    if aligned is None:
        not_computable["alignment"] = "the anchor alignment failed (see errors)"
        return None
    alignment, why = aligned
    if why is not None:
        not_computable["alignment"] = why
    return alignment


def figures_fields(figures: ComparisonFigures) -> dict[str, Any]:
    """:class:`ComparisonFigures` in the schema's shape of ``validation.analysis``."""
    tally = figures.tally
    bias = figures.position_bias
    spread = figures.count_spread
    fields: dict[str, Any] = {
        "tally": {
            "total": tally.total,
            "succeeded": tally.succeeded,
            "failed": tally.failed,
            "unusable": tally.unusable,
            "error_codes": [{"error_code": c, "count": n} for c, n in tally.error_codes],
        },
        "essays": [
            {
                "essay_id": e.essay_id,
                "is_anchor": e.is_anchor,
                "comparisons": e.comparisons,
                "failed": e.failed,
                "wins": e.wins,
                "runner_theta": e.theta,
                "standard_error": e.standard_error,
                "infit": e.infit,
                "misfit": e.misfit,
            }
            for e in figures.essays
        ],
        "infit_cutoff": figures.infit_cutoff,
        "rank_correlation": figures.rank_correlation,
        "position_bias": None
        if bias is None
        else {
            "comparisons": bias.comparisons,
            "essay_a_wins": bias.essay_a_wins,
            "essay_a_win_share": bias.essay_a_win_share,
            "pairs_judged_both_orders": bias.pairs_judged_both_orders,
            "consistent_pairs": bias.consistent_pairs,
            "consistency_share": bias.consistency_share,
        },
        "not_computable": dict(figures.not_computable),
    }
    if spread is not None:
        fields["comparisons_per_essay"] = {
            "minimum": spread.minimum,
            "median": spread.median,
            "maximum": spread.maximum,
        }
    return fields


def ssr_from_bt_summary(bt_summary: Sequence[Mapping[str, Any]]) -> float | None:
    """SSR recomputed from an artefact's ``runner_theta`` and ``standard_error`` alone.

    The same formula and essays as the stored figure (sample variance, n − 1; every entry with
    a runner θ). ``None`` where it is undefined (fewer than two essays, constant θ).
    """
    fitted = [e for e in bt_summary if e.get("runner_theta") is not None]
    try:
        return scale_separation_reliability(
            {e["essay_id"]: float(e["runner_theta"]) for e in fitted},
            {e["essay_id"]: float(e["standard_error"]) for e in fitted},
        )
    except ValueError:
        return None


def _fit_fields(fit: BTFit) -> dict[str, Any]:
    return {
        "separated": list(fit.separated),
        "fit_method": fit.method_description,
        "prior_sd": fit.prior_sd,
        "components": len(fit.components),
    }


def _finite(figures: ReliabilityFigures) -> ReliabilityFigures:
    """Refuse NaN/∞: JSON cannot carry them and a later write would fail forever."""
    for value in (figures.scale_separation_reliability, figures.split_half_reliability):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"a reliability figure is not finite: {value}")
    return figures


def _guarded(step: str, errors: list[str], compute: Callable[[], T]) -> T | None:
    """Run one step; any exception is logged with its traceback and recorded, never raised."""
    try:
        return compute()
    except Exception as error:
        # Deliberately broad: an analysis bug must not cost the run its artefact (issue 8).
        log.error("analysis.step_failed", step=step, error=repr(error), exc_info=True)
        errors.append(f"{step}: {type(error).__name__}: {error}")
        return None
