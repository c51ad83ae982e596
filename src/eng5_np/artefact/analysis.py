"""The runner's analysis of a run's comparisons, every step guarded (SPEC §8, issue 8).

Statistics are computed *after* the collected data is safe on disk, and no step may cost the
run its artefact or change the exit code the collection earned: each step runs inside
:func:`_guarded`, a failure is logged with its traceback and recorded as one line in
``validation.analysis.errors``, and the later steps that need its output are skipped with a
reason. The steps, in order:

1. the successful comparisons as outcomes;
2. the runner's Bradley–Terry fit, θ net of the judge's first-position effect δ where the data
   inform it (:func:`eng5_np.analysis.position_effect.fit_net_of_position`; the plain
   :func:`eng5_np.analysis.fit_bradley_terry` otherwise);
3. ``bt_summary`` (the service's θ and rank beside the runner's θ and SE of that fit; when
   the service's result never came, the runner's fit alone);
4. ``grade_projections``;
5. scale separation and split-half reliability from the same fit.

The ``validation.analysis`` block: ``scale_separation_reliability`` and ``split_half_reliability``
(number or null), ``reasons`` (why a figure is null or its gate must warn), ``errors`` (steps
that failed), ``separated`` (essay ids), ``fit_method``, ``prior_sd``, ``components``,
``position_effect`` (:func:`position_effect_block`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eng5_np.analysis import BTFit
from eng5_np.analysis.position_effect import PositionEffect, fit_net_of_position
from eng5_np.analysis.reliability import scale_separation_reliability
from eng5_np.analysis.reliability_figures import ReliabilityFigures, reliability_figures
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.artefact.results import (
    build_bt_summary,
    build_grade_projections,
    successful_outcomes,
)
from eng5_np.contracts import AssessmentResultV1
from eng5_np.logs import get_logger
from eng5_np.reference.grades import GradeScale

log = get_logger(__name__)
T = TypeVar("T")


@dataclass
class RunAnalysis:
    """What the analysis adds to the artefact: two blocks and ``validation.analysis``."""

    bt_summary: list[dict[str, Any]] = field(default_factory=list)
    grade_projections: list[dict[str, Any]] = field(default_factory=list)
    block: dict[str, Any] = field(default_factory=dict)


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
    result_never_came: Sequence[str] | None = None,
) -> RunAnalysis:
    """Run every analysis step guarded; never raises (see the module docstring).

    ``directory`` says who each essay id is (anchors and their grades); ``service_grades``
    whether the service's letter grades mean anything (see :mod:`eng5_np.artefact.results`).
    ``result_never_came``: the batch completed but the service's result did not come (issue
    14); the essay ids sent — the analysis is then the runner's own, from the comparisons
    alone (``theta`` null, ranks and every projection the runner's).
    """
    errors: list[str] = []
    outcomes = _guarded("outcomes", errors, lambda: successful_outcomes(comparisons))
    if outcomes is None:
        return RunAnalysis(block=no_analysis("the comparisons could not be read", errors))
    if not outcomes:
        return RunAnalysis(block=no_analysis("no successful comparison to analyse", errors))
    fitted = _guarded("Bradley–Terry fit", errors, lambda: fit_net_of_position(outcomes))
    if fitted is None:
        return RunAnalysis(block=no_analysis("the Bradley–Terry fit failed", errors))
    fit, effect = fitted
    effect_fields = {"position_effect": position_effect_block(effect)}
    if result is None and result_never_came is None:
        block = no_analysis(
            "the CJ service sent no result, so there is no bt_summary to report figures for",
            errors,
        )
        return RunAnalysis(block={**block, **_fit_fields(fit), **effect_fields})

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
    if summary is None:
        block = no_analysis("bt_summary could not be built", errors)
        return RunAnalysis(block={**block, **_fit_fields(fit), **effect_fields})
    projections = _guarded(
        "grade_projections",
        errors,
        lambda: build_grade_projections(result, summary, scale, service_grades=service_grades),
    )
    on_scale = [e["essay_id"] for e in summary if e["runner_theta"] is not None]
    figures = _guarded(
        "reliability", errors, lambda: _finite(reliability_figures(fit, outcomes, on_scale))
    )
    if figures is None:
        figures = ReliabilityFigures(None, None, ("the reliability figures failed",))
    block = {
        "scale_separation_reliability": figures.scale_separation_reliability,
        "split_half_reliability": figures.split_half_reliability,
        "reasons": list(figures.reasons),
        "errors": errors,
        **_fit_fields(fit),
        **effect_fields,
    }
    return RunAnalysis(summary, projections or [], block)


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
