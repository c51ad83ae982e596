"""Reliability figures as the report shows them, and the quality gates (SPEC §8).

The figures come from the artefact's ``validation.analysis`` — computed once, from the runner's
one consistent fit, when the artefact was written — so report and artefact cannot disagree.
Only artefacts older than schema 1.1 (no such block) get them recomputed here, the same way.
A gate never PASSes on an undefined figure or on a figure with reasons against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry, reliability_figures
from eng5_np.request.budget import MIN_COMPARISONS_PER_ESSAY


class GateStatus(StrEnum):
    """Outcome of a quality gate."""

    PASS = "PASS"
    WARN = "WARN"


@dataclass(frozen=True)
class NotComputable:
    """A check that could not be computed, and why."""

    reason: str

    def __str__(self) -> str:
        return f"not computable: {self.reason}"


@dataclass(frozen=True)
class QualityThresholds:
    """The quality gates' thresholds (SPEC §8 defaults)."""

    min_ssr: float = 0.80
    min_comparisons_per_essay: int = MIN_COMPARISONS_PER_ESSAY


@dataclass(frozen=True)
class Gate:
    """One quality gate: what it asks, what was observed, PASS or WARN."""

    name: str
    requirement: str
    observed: str
    status: GateStatus


@dataclass(frozen=True)
class CountSpread:
    """Successful comparisons per essay over every input essay (0 included)."""

    minimum: int
    median: float
    maximum: int


@dataclass(frozen=True)
class ReliabilityView:
    """SSR and split-half as the report shows them, with the reasons and failed steps."""

    ssr: float | NotComputable
    split_half: float | NotComputable
    reasons: tuple[str, ...]
    errors: tuple[str, ...]


def stored_reliability(
    artefact: Mapping[str, Any],
    outcomes: Sequence[ComparisonOutcome],
    nothing: NotComputable | None,
) -> ReliabilityView:
    """The artefact's recorded figures; recomputed from the same fit for pre-1.1 artefacts."""
    stored = artefact["validation"].get("analysis")
    if stored is not None:
        reasons = tuple(str(r) for r in stored["reasons"])
        errors = tuple(str(e) for e in stored["errors"])
        why = NotComputable("; ".join((*reasons, *errors)) or "not recorded")
        ssr, split = stored["scale_separation_reliability"], stored["split_half_reliability"]
        return ReliabilityView(
            why if ssr is None else float(ssr), why if split is None else float(split),
            reasons, errors,
        )  # fmt: skip
    if nothing is not None:
        return ReliabilityView(nothing, nothing, (), ())
    fit = fit_bradley_terry(outcomes)
    figures = reliability_figures(fit, outcomes, list(fit.theta))
    why = NotComputable("; ".join(figures.reasons) or "undefined")
    return ReliabilityView(
        why if figures.scale_separation_reliability is None
        else figures.scale_separation_reliability,
        why if figures.split_half_reliability is None else figures.split_half_reliability,
        figures.reasons,
        (),
    )  # fmt: skip


def quality_gates(
    ssr: float | NotComputable,
    reasons: Sequence[str],
    spread: CountSpread,
    limits: QualityThresholds,
) -> tuple[Gate, ...]:
    """The quality gates; SSR never PASSes on an undefined figure or with reasons against it."""
    requirement = f"≥ {limits.min_ssr:.2f}"
    name = "scale separation reliability"
    if isinstance(ssr, NotComputable):
        ssr_gate = Gate(name, requirement, str(ssr), GateStatus.WARN)
    elif reasons:
        ssr_gate = Gate(name, requirement, f"{ssr:.3f}; {'; '.join(reasons)}", GateStatus.WARN)
    else:
        status = GateStatus.PASS if ssr >= limits.min_ssr else GateStatus.WARN
        ssr_gate = Gate(name, requirement, f"{ssr:.3f}", status)
    minimum = limits.min_comparisons_per_essay
    count_gate = Gate(
        "comparisons per essay",
        f"≥ {minimum} for every essay",
        f"min {spread.minimum}, median {spread.median:g}, max {spread.maximum}",
        GateStatus.PASS if spread.minimum >= minimum else GateStatus.WARN,
    )
    return (ssr_gate, count_gate)
