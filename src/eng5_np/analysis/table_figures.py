"""The runner's figures for any set of comparisons: what ``eng5-runner analyse`` prints.

One code path with a run: the same functions compute the same figures as the artefact —
:func:`~eng5_np.analysis.position_effect.fit_net_of_position` (``bt_summary``'s runner θ and
SE, net of the first-position effect δ, and δ itself: ``validation.analysis.position_effect``),
:func:`~eng5_np.analysis.reliability_figures.reliability_figures` over every fitted essay
(``validation.analysis``), :func:`~eng5_np.analysis.alignment.analyse_alignment` (the
``alignment`` block: τ-b, its interval, inversions with their probabilities), plus the
report's A-win share and order consistency (:func:`~eng5_np.analysis.bias.position_bias`).

Separated essays (their maximum-likelihood θ is ±∞, :mod:`~eng5_np.analysis.separation`) are
given as bounds: ``bound`` is ``">="`` for one above the body of its component (the data say
only that it is at least this high; the prior set the value) and ``"<="`` below it. A scale
whose θ spreads past ±:data:`SPREAD_WARNING` logits gets a warning: CJ scales rarely span more,
so such θ are mostly the prior's doing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eng5_np.analysis.alignment import JudgedComparison, analyse_alignment
from eng5_np.analysis.bias import position_bias
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.analysis.reliability_figures import reliability_figures
from eng5_np.analysis.tau_interval import IntervalSettings
from eng5_np.reference.grades import GradeScale

SPREAD_WARNING = 4.0
"""|θ| beyond this many logits: the scale's spread is mostly the prior's (warning)."""
DIGITS = 6


def table_figures(
    comparisons: Sequence[JudgedComparison],
    anchor_grades: Mapping[str, str],
    scale: GradeScale,
    settings: IntervalSettings | None = None,
) -> dict[str, Any]:
    """Every figure of the report for these comparisons, as one JSON-ready object.

    ``anchor_grades`` must hold grades on ``scale`` (callers check). Keys: ``comparisons``,
    ``tau_b``, ``tau_b_interval``, ``inversions`` (count), ``inversion_list``, ``ssr``,
    ``split_half``, ``order_effect``, ``essay_a_win_share``, ``order_consistency``, ``essays``
    (θ, SE, bound), ``separated``, ``warnings``, ``reasons``.
    """
    outcomes = [c.outcome for c in comparisons]
    fit, effect = fit_net_of_position(outcomes)
    reliability = reliability_figures(fit, outcomes, list(fit.theta))
    alignment = analyse_alignment(comparisons, anchor_grades, scale, settings)
    bias = position_bias(outcomes)
    bounds = fit.separation_bounds
    spread = max((abs(t) for t in fit.theta.values()), default=0.0)
    warnings = []
    if spread > SPREAD_WARNING:
        warnings.append(
            f"θ spreads to ±{spread:.1f} logits (past ±{SPREAD_WARNING:g}): such extremes are "
            "set mostly by the prior, not the comparisons"
        )
    if fit.separated:
        warnings.append(
            f"{len(fit.separated)} essay(s) won or lost everything against the rest: their θ "
            "is a bound (>= or <=), not a measurement"
        )
    interval = alignment.tau_ci95
    return {
        "comparisons": len(outcomes),
        "tau_b": _round(alignment.kendall_tau_b),
        "tau_b_interval": None if interval is None else [_round(v) for v in interval],
        "inversions": len(alignment.inversions),
        "inversion_list": [
            {
                "higher_grade_id": i.higher_grade_id,
                "lower_grade_id": i.lower_grade_id,
                "theta_gap": _round(i.theta_gap),
                "p_expert_order": _round(i.p_expert_order),
            }
            for i in alignment.inversions
        ],
        "ssr": _round(reliability.scale_separation_reliability),
        "split_half": _round(reliability.split_half_reliability),
        "order_effect": {
            "estimate": _round(effect.estimate),
            "interval": None if effect.interval is None else [_round(v) for v in effect.interval],
            "standard_error": _round(effect.standard_error),
            "reason": effect.reason,
        },
        "essay_a_win_share": _round(bias.essay_a_win_share),
        "order_consistency": _round(bias.consistency_share),
        "essays": [
            {
                "essay_id": essay,
                "theta": _round(fit.theta[essay]),
                "se": _round(fit.standard_error[essay]),
                "bound": bounds.get(essay),
            }
            for essay in sorted(fit.theta, key=lambda e: (-fit.theta[e], e))
        ],
        "separated": list(fit.separated),
        "warnings": warnings,
        "reasons": [*reliability.reasons, *alignment.reasons],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DIGITS)
