"""Reliability figures as the report shows them, and the quality gates (SPEC §8).

The figures come from the artefact's ``validation.analysis`` — computed once, from the runner's
one consistent fit, when the artefact was written — so report and artefact cannot disagree.
An artefact without the block (older than schema 1.1) says "not recorded"; nothing is
recomputed here. A gate compares a stored figure with its threshold; it never PASSes on an
undefined figure or on a figure with reasons against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eng5_np.analysis import CountSpread
from eng5_np.request.budget import MIN_COMPARISONS_PER_ESSAY

NOT_RECORDED = "not recorded (the artefact was written before the runner stored this figure)"
"""What a report says for a figure an older artefact lacks."""


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
class ReliabilityView:
    """SSR and split-half as the report shows them, with the reasons and failed steps."""

    ssr: float | NotComputable
    split_half: float | NotComputable
    reasons: tuple[str, ...]
    errors: tuple[str, ...]


def stored_reliability(artefact: Mapping[str, Any]) -> ReliabilityView:
    """The artefact's recorded figures; "not recorded" for an artefact without them."""
    stored = artefact["validation"].get("analysis")
    if stored is None:
        missing = NotComputable(NOT_RECORDED)
        return ReliabilityView(missing, missing, (), ())
    reasons = tuple(str(r) for r in stored["reasons"])
    errors = tuple(str(e) for e in stored["errors"])
    why = NotComputable("; ".join((*reasons, *errors)) or "not recorded")
    ssr, split = stored["scale_separation_reliability"], stored["split_half_reliability"]
    return ReliabilityView(
        why if ssr is None else float(ssr), why if split is None else float(split),
        reasons, errors,
    )  # fmt: skip


def quality_gates(
    ssr: float | NotComputable,
    reasons: Sequence[str],
    spread: CountSpread | NotComputable,
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
    count_name, count_requirement = "comparisons per essay", f"≥ {minimum} for every essay"
    if isinstance(spread, NotComputable):
        count_gate = Gate(count_name, count_requirement, str(spread), GateStatus.WARN)
    else:
        count_gate = Gate(
            count_name,
            count_requirement,
            f"min {spread.minimum}, median {spread.median:g}, max {spread.maximum}",
            GateStatus.PASS if spread.minimum >= minimum else GateStatus.WARN,
        )
    return (ssr_gate, count_gate)
