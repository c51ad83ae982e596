"""An inline SVG of point estimates with their intervals, one row each (τ per run or repeat).

No script, no external asset: the SVG is part of the self-contained compare and experiment
pages. A row without an interval is drawn as a point alone; a row without a value is listed
with "not available" so a missing figure is visible, not silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from eng5_np.report.html import escape

LABEL_WIDTH = 230
PLOT_WIDTH = 480
ROW_HEIGHT = 24
TOP = 30
BOTTOM = 44
POINT_COLOUR = "#0969da"
SUMMARY_COLOUR = "#cf222e"
TARGET_COLOUR = "#1a7f37"
MAX_LABEL = 30
"""Characters of a row label that fit the label column; the full label is its tooltip."""


@dataclass(frozen=True)
class IntervalRow:
    """One row of the plot."""

    label: str
    value: float | None
    interval: tuple[float, float] | None
    summary: bool = False
    """Drawn as the summary (a diamond in another colour), e.g. the mean across repeats."""


def _axis(rows: Sequence[IntervalRow], floor: float, ceiling: float) -> tuple[float, float]:
    """The axis range: the data's span, widened to tenths and kept within [floor, ceiling]."""
    points = [v for r in rows if r.value is not None for v in (r.value, *(r.interval or ()))]
    if not points:
        return floor, ceiling
    low = max(floor, math.floor((min(points) - 0.05) * 10) / 10)
    high = min(ceiling, math.ceil((max(points) + 0.05) * 10) / 10)
    if high - low < 0.2:
        low, high = max(floor, low - 0.1), min(ceiling, high + 0.1)
    return low, high


def interval_svg(
    rows: Sequence[IntervalRow],
    *,
    title: str,
    axis_label: str,
    floor: float = -1.0,
    ceiling: float = 1.0,
    target: float | None = None,
) -> str:
    """The plot as one ``<svg>`` element; ``target`` draws a dashed reference line."""
    low, high = _axis(rows, floor, ceiling)
    width = LABEL_WIDTH + PLOT_WIDTH + 40
    bottom = TOP + ROW_HEIGHT * len(rows)
    height = bottom + BOTTOM

    def x(value: float) -> float:
        return LABEL_WIDTH + (value - low) / (high - low) * PLOT_WIDTH

    parts = [
        f'<svg role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    step = 0.1 if high - low <= 1.0 else 0.25
    tick = math.ceil(low / step - 1e-9) * step
    while tick <= high + 1e-9:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{TOP - 8}" x2="{tx:.1f}" y2="{bottom}" stroke="#eaeef2"/>'
            f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle">{round(tick, 2) + 0.0:g}'
            "</text>"
        )
        tick += step
    if target is not None and low <= target <= high:
        parts.append(
            f'<line x1="{x(target):.1f}" y1="{TOP - 8}" x2="{x(target):.1f}" y2="{bottom}" '
            f'stroke="{TARGET_COLOUR}" stroke-dasharray="4 3"/>'
            f'<text x="{x(target) - 4:.1f}" y="{TOP - 12}" fill="{TARGET_COLOUR}" '
            f'text-anchor="end">target {target:g}</text>'
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{bottom}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y2="{bottom}" '
        'stroke="#57606a"/>'
        f'<text x="{LABEL_WIDTH + PLOT_WIDTH / 2}" y="{bottom + 36}" text-anchor="middle">'
        f"{escape(axis_label)}</text>"
    )
    for index, row in enumerate(rows):
        y = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        colour = SUMMARY_COLOUR if row.summary else POINT_COLOUR
        weight = ' font-weight="bold"' if row.summary else ""
        short = row.label if len(row.label) <= MAX_LABEL else row.label[: MAX_LABEL - 1] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 4:.1f}" text-anchor="end"{weight}>'
            f"{escape(short)}<title>{escape(row.label)}</title></text>"
        )
        if row.value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 6}" y="{y + 4:.1f}" fill="#57606a">not available</text>'
            )
            continue
        tip = f"{row.label}: {row.value:.3f}"
        if row.interval is not None:
            lo, hi = row.interval
            tip += f" [{lo:.3f}, {hi:.3f}]"
            parts.append(
                f'<line x1="{x(max(lo, low)):.1f}" y1="{y:.1f}" x2="{x(min(hi, high)):.1f}" '
                f'y2="{y:.1f}" stroke="{colour}" stroke-width="2"/>'
            )
            for end in (max(lo, low), min(hi, high)):
                parts.append(
                    f'<line x1="{x(end):.1f}" y1="{y - 5:.1f}" x2="{x(end):.1f}" y2="{y + 5:.1f}" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
        cx = x(row.value)
        if row.summary:
            parts.append(
                f'<polygon points="{cx:.1f},{y - 6:.1f} {cx + 6:.1f},{y:.1f} {cx:.1f},{y + 6:.1f} '
                f'{cx - 6:.1f},{y:.1f}" fill="{colour}"><title>{escape(tip)}</title></polygon>'
            )
        else:
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="5" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)
