"""Per-judge figures of a judge panel: how each judge agrees with the pooled scale.

A panel (``--judge A,B,…``) puts several judges' comparisons on one Bradley–Terry scale. For
each judge, from its successful comparisons alone:

- **infit** — the information-weighted mean square of its residuals against the *pooled* fit
  (the judge-infit of CJ practice): for each comparison x = 1 when essay A won, p = σ(θ_A − θ_B)
  the pooled model's probability of that, and infit = Σ (x − p)² / Σ p(1 − p). About 1: the
  judge decides as the pooled scale expects; well above 1: it often contradicts the scale
  (idiosyncratic, noisy); below 1: more deterministic than the scale. Comparisons of an essay
  without a pooled θ cannot occur (every judged essay has one); with no information
  (Σ p(1 − p) = 0) the figure is None.
- **A-win share** — the share of its comparisons won by the essay shown first (0.5 = no
  position bias).
- **τ-b** — Kendall's τ-b between the anchors' grades and θ *fitted on that judge's comparisons
  only* (:func:`~eng5_np.analysis.fit_bradley_terry`, then
  :func:`~eng5_np.analysis.kendall.kendall_tau_b` of grade position against θ, θ within
  :data:`~eng5_np.analysis.kendall.THETA_TIE` tied): how well that judge alone recovers the
  grade order. None (with the reason) when the judge's comparisons leave its anchors on
  disconnected parts, when fewer than two anchors of different grades have a θ, or without a
  grade scale.

Measured behaviour (``tests/analysis/test_judges.py``: 24 essays with true θ evenly from −3 to
3 logits, every other one an anchor graded by its rank, 600 seeded random pairs dealt
alternately to a judge deciding by Bradley–Terry at twice the true θ and to one tossing a
coin): the consistent judge had infit 0.65 and own-comparisons τ-b 0.88, the coin-tosser infit
1.32 and τ-b 0.19. Reproduce with
``.venv/bin/python -m pytest tests/analysis/test_judges.py -q -s -k measured``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eng5_np.analysis.bradley_terry import fit_bradley_terry
from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.kendall import THETA_TIE, kendall_tau_b
from eng5_np.reference.grades import GradeScale

__all__ = ["JudgeFigures", "judge_figures", "judge_infit"]


@dataclass(frozen=True)
class JudgeFigures:
    """One judge's figures (see the module docstring)."""

    label: str
    comparisons: int
    """Successful comparisons it made."""
    failed: int
    """Comparisons it was given that ended in an error callback."""
    essay_a_win_share: float | None
    infit: float | None
    tau_b: float | None
    anchors_used: int
    """Anchors with a θ in the judge's own fit."""
    reasons: tuple[str, ...] = ()
    """Why a figure is None."""


def judge_infit(outcomes: Sequence[ComparisonOutcome], theta: Mapping[str, float]) -> float | None:
    """Σ (x − p)² / Σ p(1 − p) over ``outcomes`` against ``theta`` (None without information)."""
    squares = 0.0
    information = 0.0
    for outcome in outcomes:
        if outcome.essay_a_id not in theta or outcome.essay_b_id not in theta:
            continue
        gap = theta[outcome.essay_a_id] - theta[outcome.essay_b_id]
        p = 1.0 / (1.0 + math.exp(-gap))
        x = 1.0 if outcome.winner_id == outcome.essay_a_id else 0.0
        squares += (x - p) ** 2
        information += p * (1.0 - p)
    if information <= 0.0:
        return None
    return squares / information


def _own_tau(
    outcomes: Sequence[ComparisonOutcome],
    anchor_grades: Mapping[str, str],
    scale: GradeScale | None,
    reasons: list[str],
) -> tuple[float | None, int]:
    if scale is None:
        reasons.append("no grade scale to align the anchors with")
        return None, 0
    fit = fit_bradley_terry(outcomes)
    grades = {a: g for a, g in anchor_grades.items() if a in fit.theta}
    parts = {i for i, part in enumerate(fit.components) if grades.keys() & part}
    if len(parts) > 1:
        reasons.append("its comparisons leave the anchors on disconnected parts of the graph")
        return None, len(grades)
    used = sorted(grades)
    tau = kendall_tau_b(
        [float(scale.position(grades[a])) for a in used],
        [fit.theta[a] for a in used],
        THETA_TIE,
    )
    if tau is None:
        reasons.append("fewer than two anchors of different grades with a θ in its own fit")
    return tau, len(used)


def judge_figures(
    judged: Sequence[tuple[str, ComparisonOutcome | None]],
    pooled_theta: Mapping[str, float],
    anchor_grades: Mapping[str, str],
    scale: GradeScale | None,
) -> list[JudgeFigures]:
    """Per judge label (in order of first appearance), from ``(label, outcome)`` pairs; an
    outcome None is a failed comparison of that judge."""
    labels = list(dict.fromkeys(label for label, _ in judged))
    figures: list[JudgeFigures] = []
    for label in labels:
        outcomes = [o for name, o in judged if name == label and o is not None]
        failed = sum(1 for name, o in judged if name == label and o is None)
        reasons: list[str] = []
        if not outcomes:
            reasons.append("no successful comparison")
            figures.append(JudgeFigures(label, 0, failed, None, None, None, 0, tuple(reasons)))
            continue
        a_wins = sum(1 for o in outcomes if o.winner_id == o.essay_a_id)
        infit = judge_infit(outcomes, pooled_theta)
        if infit is None:
            reasons.append("no information in its comparisons for an infit")
        tau, anchors = _own_tau(outcomes, anchor_grades, scale, reasons)
        figures.append(
            JudgeFigures(
                label=label,
                comparisons=len(outcomes),
                failed=failed,
                essay_a_win_share=a_wins / len(outcomes),
                infit=infit,
                tau_b=tau,
                anchors_used=anchors,
                reasons=tuple(reasons),
            )
        )
    return figures
