"""The report's "Anchor alignment" section, read from the artefact's ``alignment`` block.

A function from the artefact to plain data (tables and lines); ``markdown`` and ``html`` only
render it. The block is the runner's own record (SPEC §12), so nothing is recomputed here: an
artefact without the block (older runs, runs without compared anchors) has no section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eng5_np.artefact.essays import EssayDirectory
from eng5_np.reference.grades import get_scale
from eng5_np.report.alignment_plot import AlignmentPlot, AnchorPoint
from eng5_np.report.gates import NotComputable
from eng5_np.report.headline import TARGET_MAX_INVERSIONS, TARGET_TAU, tau_text
from eng5_np.report.tables import Table
from eng5_np.report.wording import NO_VALUE, number

ALIGNMENT_HEADING = "Anchor alignment"
SPREAD_WARNING = 4.0
"""|θ| of an anchor beyond this many logits: the notes warn that the prior set it."""


@dataclass(frozen=True)
class InversionView:
    """One inversion: a heading line and the direct comparisons between its two anchors."""

    title: str
    comparisons: Table | None
    """None when the two anchors never met directly (the inversion is indirect)."""


@dataclass(frozen=True)
class AlignmentSection:
    """Everything the section shows."""

    intro: str
    summary: Table
    anchors: Table
    inversions: tuple[InversionView, ...]
    gaps: Table | None
    notes: tuple[str, ...]
    plot: AlignmentPlot
    """θ ± SE against the expert grade (drawn in the HTML report)."""


def alignment_section(artefact: Mapping[str, Any]) -> AlignmentSection | None:
    """The section's data, or None when the artefact has no ``alignment`` block."""
    block = artefact.get("alignment")
    if not isinstance(block, Mapping):
        return None
    # People read display names; the block keeps the opaque wire ids (SPEC §3).
    name = EssayDirectory.from_artefact(artefact).display_name
    grade_of = {a["essay_id"]: a["grade"] for a in block["anchors"]}
    never_won = [f"{name(e)} ({grade_of.get(e, '?')})" for e in block["never_won"]]
    # Which essay was shown as "Essay A" and which as "Essay B", by comparison sequence.
    wanted = {d["sequence"] for i in block["inversions"] for d in i["direct"]}
    shown = {
        r["sequence"]: (r["essay_a_id"], r["essay_b_id"])
        for r in artefact["llm_comparisons"]
        if r["sequence"] in wanted
    }
    notes = [*block["reasons"], *_spread_warning(block["anchors"])]
    return AlignmentSection(
        intro=(
            f"The anchors' expert grades ({block['grade_scale']}) against θ from the runner's "
            f"own Bradley–Terry fit of the successful comparisons."
        ),
        summary=Table(("figure", "value"), tuple(_summary_rows(block, never_won))),
        anchors=_anchor_table(block["anchors"], name),
        inversions=tuple(_inversion(i, name, shown) for i in block["inversions"]),
        gaps=_gap_table(block["adjacent_gaps"]),
        notes=tuple(notes),
        plot=_plot(block, name),
    )


def _plot(block: Mapping[str, Any], name: Callable[[str], str]) -> AlignmentPlot:
    scale = get_scale(block["grade_scale"])
    placed = [a for a in block["anchors"] if a["theta"] is not None]
    grades = sorted({a["grade"] for a in placed}, key=scale.position)
    return AlignmentPlot(
        grades=tuple(grades),
        points=tuple(
            AnchorPoint(name(a["essay_id"]), a["grade"], float(a["theta"]), a["standard_error"])
            for a in placed
        ),
    )


def block_tau_text(block: Mapping[str, Any]) -> str:
    """``0.889 [0.833, 1.000]`` from the block, or why τ-b is missing."""
    tau = block["kendall_tau_b"]
    interval = block["tau_ci95"]
    return tau_text(
        NotComputable("see the notes below") if tau is None else float(tau),
        None if interval is None else (float(interval[0]), float(interval[1])),
    )


def _summary_rows(block: Mapping[str, Any], never_won: Sequence[str]) -> list[tuple[str, str]]:
    spec = block["bootstrap"]
    tau = block["kendall_tau_b"]
    inversions = len(block["inversions"])
    met = {True: "met", False: "not met"}
    # Without τ-b there is no grade order to contradict: "0 inversions" would read as a pass.
    inversions_shown = NO_VALUE if tau is None else str(inversions)
    inversions_met = (
        "inversions not computable"
        if tau is None
        else f"inversions {met[inversions <= TARGET_MAX_INVERSIONS]}"
    )
    return [
        (f"Kendall's τ-b [{spec['confidence']:.0%} CI]", block_tau_text(block)),
        (
            "interval",
            f"{spec['method']}; {spec['replicates']} replicates, seed {spec['seed']}",
        ),
        ("inversions", inversions_shown),
        ("anchors that never won", ", ".join(never_won) or "none"),
        (
            f"targets: τ-b ≥ {TARGET_TAU:.2f}, ≤ {TARGET_MAX_INVERSIONS} inversion, "
            "no anchor without a win",
            " · ".join(
                (
                    f"τ-b {met[tau is not None and tau >= TARGET_TAU]}",
                    inversions_met,
                    f"every anchor won {met[not never_won]}",
                )
            ),
        ),
    ]


def _spread_warning(anchors: Sequence[Mapping[str, Any]]) -> list[str]:
    spread = max((abs(a["theta"]) for a in anchors if a["theta"] is not None), default=0.0)
    if spread <= SPREAD_WARNING:
        return []
    return [
        f"WARNING: anchor θ spread to ±{spread:.1f} logits (past ±{SPREAD_WARNING:g}): such "
        "extremes are set mostly by the prior, not the comparisons"
    ]


def _theta(anchor: Mapping[str, Any]) -> str:
    """θ, or a bound (``≥ 4.469`` / ``≤ -4.328``) for an anchor the data separate."""
    bound = {">=": "≥ ", "<=": "≤ "}.get(anchor.get("theta_bound") or "", "")
    return f"{bound}{number(anchor['theta'])}"


def _anchor_table(anchors: Sequence[Mapping[str, Any]], name: Callable[[str], str]) -> Table:
    rows = tuple(
        (
            a["grade"],
            name(a["essay_id"]),
            _theta(a),
            number(a["standard_error"]),
            f"{a['wins']}/{a['comparisons']}",
            "—" if a["win_rate"] is None else f"{a['win_rate']:.0%}",
        )
        for a in anchors
    )
    return Table(("grade", "anchor", "θ", "SE", "wins", "win rate"), rows, frozenset({2, 3, 4, 5}))


def _inversion(
    inversion: Mapping[str, Any],
    name: Callable[[str], str],
    shown: Mapping[int, tuple[str, str]],
) -> InversionView:
    title = (
        f"{name(inversion['higher_grade_id'])} ({inversion['higher_grade']}) below "
        f"{name(inversion['lower_grade_id'])} ({inversion['lower_grade']}): "
        f"θ gap {inversion['theta_gap']:.3f}"
    )
    if inversion.get("p_expert_order") is not None:
        # The inversion's own evidence: how likely the judge really puts these two this way.
        title += (
            f"; {name(inversion['lower_grade_id'])} above "
            f"{name(inversion['higher_grade_id'])}: P = {1.0 - inversion['p_expert_order']:.2f}"
        )
    direct = inversion["direct"]
    if not direct:
        return InversionView(f"{title} — they were never compared directly", None)
    unknown = ("—", "—")
    rows = tuple(
        (
            str(d["sequence"]),
            *(name(e) if e != "—" else e for e in shown.get(d["sequence"], unknown)),
            name(d["winner_id"]),
            "—" if d.get("confidence") is None else f"{d['confidence']:g}",
            d.get("justification") or "—",
        )
        for d in direct
    )
    table = Table(
        ("#", "Essay A", "Essay B", "winner", "confidence", "justification"),
        rows,
        frozenset({0, 4}),
    )
    return InversionView(title, table)


def _gap_table(gaps: Sequence[Mapping[str, Any]]) -> Table | None:
    if not gaps:
        return None
    # round first: a gap of -1e-9 (two anchors with the same record) is 0, not "-0.000"
    rows = tuple(
        (f"{g['lower_grade']} → {g['upper_grade']}", f"{round(g['gap'], 3) + 0.0:+.3f}")
        for g in gaps
    )
    return Table(("grades", "θ gap (upper − lower)"), rows, frozenset({1}))
