"""The run's figures as the artefact stores them: the one place that knows where each lives.

Every reader outside the writing path (the public API's :class:`~eng5_np.artefact.model.Artefact`,
``eng5-runner export``) reads a run's figures through :func:`read_figures`, so a figure that
moves inside the artefact is a change here only. Nothing is computed: a figure the artefact
does not hold (an older schema, a dry-run, a step that failed) is ``None`` — "not recorded" —
never a recomputation that might differ from what the run's reports printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunFigures:
    """A run's headline figures; ``None`` = not recorded in this artefact."""

    tau_b: float | None
    """Kendall's τ-b between the anchors' expert grades and their runner θ (``alignment``)."""
    tau_b_interval: tuple[float, float] | None
    """The stored interval for τ-b (``alignment.tau_ci95``), low and high."""
    inversions: int | None
    """Pairs of anchors whose θ order contradicts their grades (``alignment.inversions``)."""
    anchors_never_won: int | None
    """Anchors that won none of their comparisons (``alignment.never_won``)."""
    ssr: float | None
    """Scale separation reliability (``validation.analysis``)."""
    split_half: float | None
    """Split-half reliability (``validation.analysis``)."""
    position_bias_share: float | None
    """Share of successful comparisons won by the essay shown as Essay A, when stored."""
    position_effect: float | None
    """The judge's first-position effect δ in the Bradley–Terry model, logits, when stored
    (``validation.analysis.position_effect.estimate``)."""
    position_effect_interval: tuple[float, float] | None
    """Its stored interval, low and high."""
    cost_usd: float | None
    """Total cost of the comparisons (``costs.total_usd``)."""
    comparisons_failed: int | None
    """Comparison records with status failed (``validation.analysis.tally``)."""


@dataclass(frozen=True)
class EssayFigures:
    """One essay's stored figures (``validation.analysis.essays[]``); None = not recorded."""

    wins: int | None
    """Successful comparisons it won."""
    infit: float | None
    """Infit mean square of the run's one fit."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _block(document: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    """The nested object at ``keys``, or an empty mapping when any level is missing."""
    node: object = document
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _count(value: object) -> int | None:
    return len(value) if isinstance(value, list) else None


def _interval(value: object) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    low, high = _number(value[0]), _number(value[1])
    return (low, high) if low is not None and high is not None else None


def read_figures(document: Mapping[str, Any]) -> RunFigures:
    """The figures stored in an artefact document (a parsed ``assessment_run.*.json``)."""
    alignment = _block(document, "alignment")
    analysis = _block(document, "validation", "analysis")
    bias = _block(analysis, "position_bias")
    effect = _block(analysis, "position_effect")
    return RunFigures(
        tau_b=_number(alignment.get("kendall_tau_b")),
        tau_b_interval=_interval(alignment.get("tau_ci95")),
        inversions=_count(alignment.get("inversions")),
        anchors_never_won=_count(alignment.get("never_won")),
        ssr=_number(analysis.get("scale_separation_reliability")),
        split_half=_number(analysis.get("split_half_reliability")),
        position_bias_share=_number(bias.get("essay_a_win_share")),
        position_effect=_number(effect.get("estimate")),
        position_effect_interval=_interval(effect.get("interval")),
        cost_usd=_number(_block(document, "costs").get("total_usd")),
        comparisons_failed=_integer(_block(analysis, "tally").get("failed")),
    )


def read_essay_figures(document: Mapping[str, Any]) -> dict[str, EssayFigures]:
    """Each essay's stored figures by essay id; an artefact that stores none gives ``{}``."""
    entries = _block(document, "validation", "analysis").get("essays")
    found: dict[str, EssayFigures] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and "essay_id" in entry:
            found[str(entry["essay_id"])] = EssayFigures(
                wins=_integer(entry.get("wins")), infit=_number(entry.get("infit"))
            )
    return found
