"""The anchor-alignment plot: each anchor's θ ± SE against its expert grade (inline SVG).

Grades run left to right from the lowest present to the highest, θ (the runner's fit, as the
``alignment`` block stored it) bottom to top: anchors in grade order climb from left to right,
and an inversion shows as a point below one of a lower grade. Anchors sharing a grade are
spread side by side so none hides another. No script, nothing fetched: the SVG is part of the
self-contained ``report.html``; every label is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eng5_np.report.svg import ticks

WIDTH = 720
HEIGHT = 380
LEFT = 70
RIGHT = 20
TOP = 36
BOTTOM = 56
SPREAD = 14
"""Pixels between anchors of one grade."""
COLOUR = "#cf222e"
MAX_LABEL = 40


@dataclass(frozen=True)
class AnchorPoint:
    """One anchor on the plot."""

    label: str
    grade: str
    theta: float
    standard_error: float | None


@dataclass(frozen=True)
class AlignmentPlot:
    """The plot's data: the grades on the x axis (lowest first) and the anchors with a θ."""

    grades: tuple[str, ...]
    points: tuple[AnchorPoint, ...]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def alignment_svg(plot: AlignmentPlot) -> str:
    """The plot as one ``<svg>`` element ("" without an anchor to draw)."""
    if not plot.points or not plot.grades:
        return ""
    spans = [
        (p.theta - (p.standard_error or 0.0), p.theta + (p.standard_error or 0.0))
        for p in plot.points
    ]
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.06
    low, high = low - pad, high + pad
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    column = inner_w / len(plot.grades)

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * inner_h

    parts = [
        f'<svg role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="system-ui, sans-serif" font-size="11">',
        "<title>Anchors: runner θ ± SE against the expert grade</title>",
        f'<text x="{LEFT}" y="18" font-weight="bold">Anchors: runner θ ± 1 SE against the '
        "expert grade</text>",
    ]
    for tick in ticks(low, high):
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            f'stroke="{"#8c959f" if tick == 0 else "#eaeef2"}"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    base = TOP + inner_h
    parts.append(
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#57606a"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#57606a"/>'
        f'<text x="{LEFT + inner_w / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
        "expert grade (lowest left)</text>"
        f'<text x="16" y="{TOP + inner_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {TOP + inner_h / 2:.1f})">θ (logits)</text>'
    )
    for index, grade in enumerate(plot.grades):
        cx = LEFT + column * (index + 0.5)
        parts.append(
            f'<text x="{cx:.1f}" y="{base + 16}" text-anchor="middle" font-weight="bold">'
            f"{_e(grade)}</text>"
        )
        parts.extend(_points(plot.points, grade, cx, y))
    parts.append("</svg>")
    return "".join(parts)


def _points(
    points: Sequence[AnchorPoint], grade: str, centre: float, y: Callable[[float], float]
) -> list[str]:
    mine = sorted((p for p in points if p.grade == grade), key=lambda p: (-p.theta, p.label))
    out = []
    for index, point in enumerate(mine):
        x = centre + (index - (len(mine) - 1) / 2) * SPREAD
        se = point.standard_error
        label = point.label if len(point.label) <= MAX_LABEL else point.label[: MAX_LABEL - 1] + "…"
        tip = f"{label} ({grade}): θ {point.theta:+.3f}" + ("" if se is None else f" ± {se:.3f}")
        if se is not None:
            out.append(
                f'<line x1="{x:.1f}" y1="{y(point.theta - se):.1f}" x2="{x:.1f}" '
                f'y2="{y(point.theta + se):.1f}" stroke="{COLOUR}" stroke-width="1.5"/>'
            )
        out.append(
            f'<circle cx="{x:.1f}" cy="{y(point.theta):.1f}" r="4" fill="{COLOUR}">'
            f"<title>{_e(tip)}</title></circle>"
        )
    return out
