"""``report.html``: the human report as one self-contained page (SPEC §8).

Inline CSS and an inline SVG plot of the Bradley–Terry scale; no script, no stylesheet link,
no font or image fetched, so it opens the same offline, from a mail attachment or an archive.
Every piece of text from the artefact is escaped with :func:`html.escape` (essay ids, file
names and reasons come from outside the runner).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from eng5_np.report.alignment_plot import alignment_svg
from eng5_np.report.alignment_section import ALIGNMENT_HEADING, AlignmentSection
from eng5_np.report.checks import RunChecks
from eng5_np.report.facts import RunFacts, ScaleRow
from eng5_np.report.gates import GateStatus
from eng5_np.report.headline import HEADLINE_HEADING, headline_notes
from eng5_np.report.judges_section import JUDGES_HEADING, JUDGES_INTRO, judges_table
from eng5_np.report.svg import ticks
from eng5_np.report.tables import (
    Table,
    cost_table,
    error_code_table,
    essay_table,
    headline_table,
    pairs_table,
    projection_table,
    scale_table,
)
from eng5_np.report.wording import (
    ANCHOR_ALIGN_MODE,
    CHECKS_HEADING,
    OVERRIDES_HEADING,
    banners,
    check_rows,
    comparisons_sentence,
    cost_note,
    no_projections_text,
    number,
    run_rows,
    scale_to_show,
)

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1000px;
       color: #1b1f24; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .55rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.banner { padding: .75rem 1rem; margin: .75rem 0; border-radius: 6px; border: 2px solid; }
.banner strong { display: block; font-size: 1.15rem; }
.danger { background: #ffebe9; border-color: #cf222e; color: #82071e; }
.warning { background: #fff8c5; border-color: #bf8700; color: #4d2d00; }
.info { background: #ddf4ff; border-color: #0969da; color: #0a3069; }
.PASS { color: #1a7f37; font-weight: bold; } .WARN { color: #9a6700; font-weight: bold; }
.caption { color: #57606a; } svg { max-width: 100%; height: auto; }
td.whole { white-space: nowrap; } .wide { overflow-x: auto; }
"""

STUDENT_COLOUR = "#0969da"
ANCHOR_COLOUR = "#cf222e"
LABEL_WIDTH = 250
PLOT_WIDTH = 520
ROW_HEIGHT = 18
TOP = 34
BOTTOM = 40
MAX_LABEL = 38
CHECK_HEADERS = ("check", "result")
GATE_CLASSES = frozenset(status.value for status in GateStatus)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(table: Table, status_column: int | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in table.headers)
    body = []
    for row in table.rows:
        cells = []
        for index, value in enumerate(row):
            if index == status_column and value in GATE_CLASSES:
                cells.append(f'<td class="{value}">{_e(value)}</td>')
            elif index in table.numeric:
                cells.append(f'<td class="num">{_e(value)}</td>')
            elif index in table.whole:
                cells.append(f'<td class="whole">{_e(value)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    # A table with unbreakable columns may be wider than the page: it scrolls, never squeezes
    # a label or id into a column of one word per line (issue 14).
    return f'<div class="wide">{table_html}</div>' if table.whole else table_html


def _short(label: str) -> str:
    """A label that fits the label column; the full text is in the element's tooltip."""
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def scale_svg(rows: Sequence[ScaleRow], names: Mapping[str, str] | None = None) -> str:
    """The BT scale as an SVG: θ ± SE per essay in rank order, anchors labelled by grade.

    Essays are labelled by their display names (``names``: wire id → name).
    """
    shown_names = names or {}
    if not rows:
        return ""
    ordered = sorted(rows, key=lambda row: (row.rank, row.essay_id))
    spans = [
        (r.plotted_theta - (r.standard_error or 0), r.plotted_theta + (r.standard_error or 0))
        for r in rows
    ]
    low = min(s[0] for s in spans)
    high = max(s[1] for s in spans)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05
    low, high = low - pad, high + pad
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    height = TOP + ROW_HEIGHT * len(ordered) + BOTTOM
    bottom = TOP + ROW_HEIGHT * len(ordered)

    def x(value: float) -> float:
        return LABEL_WIDTH + (value - low) / (high - low) * PLOT_WIDTH

    parts = [
        f'<svg role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="system-ui, sans-serif" font-size="11">',
        "<title>Bradley–Terry scale: runner θ ± SE per essay</title>",
        f'<circle cx="{LABEL_WIDTH + 6}" cy="14" r="4" fill="{STUDENT_COLOUR}"/>'
        f'<text x="{LABEL_WIDTH + 14}" y="18">student</text>'
        f'<rect x="{LABEL_WIDTH + 76}" y="10" width="8" height="8" fill="{ANCHOR_COLOUR}"/>'
        f'<text x="{LABEL_WIDTH + 90}" y="18">anchor (expert grade)</text>'
        f'<text x="{width - 10}" y="18" text-anchor="end">bars: ± 1 SE</text>',
    ]
    for tick in ticks(low, high):
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{TOP - 6}" x2="{tx:.1f}" y2="{bottom}" '
            f'stroke="{"#8c959f" if tick == 0 else "#eaeef2"}"/>'
            f'<text x="{tx:.1f}" y="{bottom + 14}" text-anchor="middle">{tick:g}</text>'
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{bottom}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y2="{bottom}" '
        'stroke="#57606a"/>'
        f'<text x="{LABEL_WIDTH + PLOT_WIDTH / 2}" y="{bottom + 32}" text-anchor="middle">'
        "θ (logits)</text>"
    )
    for index, row in enumerate(ordered):
        y = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        colour = ANCHOR_COLOUR if row.is_anchor else STUDENT_COLOUR
        se, theta = row.standard_error, row.plotted_theta
        name = shown_names.get(row.essay_id, row.essay_id)
        tip = f"{name}: runner θ {theta:+.3f} ± {number(se)} (service rank {row.rank})"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_e(_short(name))}<title>{_e(name)} ({_e(row.essay_id)})</title></text>"
        )
        if se is not None:
            parts.append(
                f'<line x1="{x(theta - se):.1f}" y1="{y:.1f}" x2="{x(theta + se):.1f}" '
                f'y2="{y:.1f}" stroke="{colour}" stroke-width="1.5"/>'
            )
        cx = x(theta)
        if row.is_anchor:
            marker = (
                f'<rect x="{cx - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">'
                f"<title>{_e(tip)}</title></rect>"
            )
            right = x(theta + (se or 0)) + 6
            marker += (
                f'<text x="{right:.1f}" y="{y + 4:.1f}" fill="{colour}" font-weight="bold">'
                f"{_e(row.anchor_grade or '?')}</text>"
            )
        else:
            marker = (
                f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                f"<title>{_e(tip)}</title></circle>"
            )
        parts.append(marker)
    parts.append("</svg>")
    return "".join(parts)


def alignment_html(section: AlignmentSection) -> list[str]:
    """The "Anchor alignment" section."""
    out = [f"<h2>{_e(ALIGNMENT_HEADING)}</h2>", f'<p class="caption">{_e(section.intro)}</p>']
    out += [_table(section.summary), alignment_svg(section.plot), _table(section.anchors)]
    for inversion in section.inversions:
        out.append(f"<h3>Inversion: {_e(inversion.title)}</h3>")
        if inversion.comparisons is not None:
            out.append(_table(inversion.comparisons))
    if section.gaps is not None:
        out += ["<h3>Gaps between adjacent grades</h3>", _table(section.gaps)]
    if section.notes:
        items = "".join(f"<li>{_e(note)}</li>" for note in section.notes)
        out.append(f"<p>Notes:</p><ul>{items}</ul>")
    return out


def render_html(
    facts: RunFacts, checks: RunChecks, alignment: AlignmentSection | None = None
) -> str:
    """The whole self-contained HTML report; an anchor-align run shows its alignment first."""
    title = f"CJ run report: {facts.batch_label}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    out += [
        f'<div class="banner {_e(banner.level)}"><strong>{_e(banner.title)}</strong>'
        f"{_e(banner.detail)}</div>"
        for banner in banners(facts, checks)
    ]
    out += [f"<h2>{_e(HEADLINE_HEADING)}</h2>", _table(headline_table(checks, facts), 3)]
    out += [f'<p class="caption">{_e(facts.named(note))}</p>' for note in headline_notes(checks)]
    first = alignment is not None and facts.mode == ANCHOR_ALIGN_MODE
    if first and alignment is not None:
        out += alignment_html(alignment)
    out += ["<h2>Run</h2>", _table(pairs_table(run_rows(facts)))]
    out += ["<h2>Cost and tokens</h2>", f"<p>{_e(cost_note(facts))}</p>"]
    out += [_table(cost_table(facts))]
    out += ["<h2>Comparisons</h2>", f"<p>{_e(comparisons_sentence(checks))}</p>"]
    codes = error_code_table(checks)
    if codes is not None:
        out.append(_table(codes))
    judges = judges_table(facts.judges)
    if judges is not None:
        out += [f"<h2>{JUDGES_HEADING}</h2>", f"<p>{_e(JUDGES_INTRO)}</p>", _table(judges)]
    scale, caption = scale_to_show(facts, checks)
    out += ["<h2>Bradley–Terry scale</h2>", f'<p class="caption">{_e(caption)}</p>']
    if scale:
        out += [scale_svg(scale, facts.names), _table(scale_table(scale, facts))]
    if alignment is not None and not first:
        out += alignment_html(alignment)
    out.append("<h2>Grade projections</h2>")
    out.append(
        _table(projection_table(facts))
        if facts.projections
        else f"<p>{_e(no_projections_text(facts))}</p>"
    )
    out += [
        f"<h2>{_e(CHECKS_HEADING)}</h2>",
        _table(pairs_table(check_rows(checks, facts), CHECK_HEADERS)),
    ]
    out += ["<h3>Per essay</h3>", _table(essay_table(facts, checks))]
    if facts.overrides:
        out.append(f"<h2>{_e(OVERRIDES_HEADING)}</h2>")
        out += [
            f"<details><summary>{_e(o.kind)}: {_e(o.path)} · sha256 <code>{_e(o.sha256)}</code>"
            f"</summary><pre>{_e(o.text)}</pre></details>"
            for o in facts.overrides
        ]
    out.append("</body></html>")
    return "\n".join(out) + "\n"


escape = _e
"""Public name of the escaping helper, for the other self-contained pages (compare, experiment)."""
render_table = _table
"""Public name of the table renderer, for the other self-contained pages."""
