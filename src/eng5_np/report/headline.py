"""The figures a researcher came for, first (issue 15): τ-b [interval], inversions, anchors that
never won, SSR and comparisons per essay — each with its gate.

Pure: the stored checks (:mod:`eng5_np.report.checks`) in, rows out. The terminal summary,
``report.md`` and ``report.html`` all open with these rows, so the three can never show
different numbers; every number is the artefact's stored figure, only formatted here.

The τ-b, inversion and zero-win targets are the platform researchers' (SPEC §12); the SSR and
comparisons-per-essay gates are the quality gates of SPEC §8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eng5_np.report.checks import AlignmentCheck, RunChecks
from eng5_np.report.gates import Gate, GateStatus, NotComputable

TARGET_TAU = 0.90
TARGET_MAX_INVERSIONS = 1
"""The platform researchers' targets (SPEC §12): τ ≥ 0.90, ≤ 1 inversion, no zero-win anchor."""
NO_VALUE = "—"
HEADLINE_HEADING = "Headline figures"
HEADLINE_HEADERS = ("figure", "value", "target", "status")


@dataclass(frozen=True)
class HeadlineRow:
    """One headline figure: what, its stored value, its gate and PASS/WARN."""

    figure: str
    value: str
    target: str
    status: GateStatus


def tau_text(tau: float | NotComputable, interval: tuple[float, float] | None) -> str:
    """``0.889 [0.833, 1.000]``; the bare τ-b without an interval; or why it is missing."""
    if isinstance(tau, NotComputable):
        return str(tau)
    if interval is None:
        return f"{tau:.3f} (no interval)"
    return f"{tau:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"


def headline_rows(checks: RunChecks, name: Callable[[str], str]) -> tuple[HeadlineRow, ...]:
    """The headline rows of a run; ``name`` turns a wire id into its display name.

    The SSR row shows the figure alone; why its gate warns (separated essays, …) is in
    ``checks.reliability_reasons``, which every view lists right after these rows.
    """
    ssr_gate = _gate(checks, "scale separation reliability")
    count_gate = _gate(checks, "comparisons per essay")
    ssr = checks.ssr
    ssr_text = str(ssr) if isinstance(ssr, NotComputable) else f"{ssr:.3f}"
    if checks.reliability_reasons and not isinstance(ssr, NotComputable):
        ssr_text += " (caveat below)"
    return (
        *_alignment_rows(checks.alignment, name),
        HeadlineRow("scale separation (SSR)", ssr_text, ssr_gate.requirement, ssr_gate.status),
        HeadlineRow(
            "comparisons per essay",
            count_gate.observed,
            count_gate.requirement.replace(" for every essay", " per essay"),
            count_gate.status,
        ),
    )


def headline_notes(checks: RunChecks) -> tuple[str, ...]:
    """The lines to print right after the headline rows: why the SSR gate warns."""
    return tuple(f"SSR caveat: {reason}" for reason in checks.reliability_reasons)


def _gate(checks: RunChecks, gate_name: str) -> Gate:
    return next(gate for gate in checks.gates if gate.name == gate_name)


def _alignment_rows(
    alignment: AlignmentCheck | NotComputable, name: Callable[[str], str]
) -> tuple[HeadlineRow, ...]:
    if isinstance(alignment, NotComputable):
        why = str(alignment)
        return (
            HeadlineRow("Kendall's τ-b [95% CI]", why, f"≥ {TARGET_TAU:.2f}", GateStatus.WARN),
            HeadlineRow("inversions", NO_VALUE, f"≤ {TARGET_MAX_INVERSIONS}", GateStatus.WARN),
            HeadlineRow("anchors that never won", NO_VALUE, "none", GateStatus.WARN),
        )
    tau = alignment.kendall_tau
    defined = not isinstance(tau, NotComputable)
    inversions = len(alignment.inversions)
    never = [name(essay_id) for essay_id in alignment.never_winning]
    return (
        HeadlineRow(
            f"Kendall's τ-b [{alignment.confidence:.0%} CI]",
            tau_text(tau, alignment.tau_ci95),
            f"≥ {TARGET_TAU:.2f}",
            _status(not isinstance(tau, NotComputable) and tau >= TARGET_TAU),
        ),
        HeadlineRow(
            "inversions",
            # Without a τ-b there is no order to invert: a count would read as "none".
            str(inversions) if defined else NO_VALUE,
            f"≤ {TARGET_MAX_INVERSIONS}",
            _status(defined and inversions <= TARGET_MAX_INVERSIONS),
        ),
        HeadlineRow(
            "anchors that never won", ", ".join(never) or "none", "none", _status(not never)
        ),
    )


def _status(passed: bool) -> GateStatus:
    return GateStatus.PASS if passed else GateStatus.WARN
