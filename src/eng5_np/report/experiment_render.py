"""The experiment and compare reports as Markdown and self-contained HTML (SPEC §8, §12).

Renderers only: every number and sentence comes from :mod:`eng5_np.report.experiment_view`
and :mod:`eng5_np.report.compare_view`. The HTML pages use the run report's stylesheet and an
inline SVG (no script, no external asset); all text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.report import compare_view, compare_view_differences, experiment_view
from eng5_np.report.compare_view import Comparison
from eng5_np.report.experiment_view import ExperimentView
from eng5_np.report.html import STYLE, escape, render_table
from eng5_np.report.interval_plot import IntervalRow, interval_svg
from eng5_np.report.markdown import cell
from eng5_np.report.markdown import render_table as markdown_table
from eng5_np.report.tables import Table
from eng5_np.report.wording import SIMULATED_BANNER

EXPERIMENT_MARKDOWN = "experiment.md"
EXPERIMENT_HTML = "experiment.html"
COMPARE_MARKDOWN = "compare.md"
COMPARE_HTML = "compare.html"
TAU_TARGET = 0.90
"""The researchers' target for τ (SPEC §12), drawn as a reference line."""
BEST_STYLE = ".best { background: #dafbe1; font-weight: bold; } td.num { white-space: nowrap; }"


def _html_page(title: str, body: Sequence[str]) -> str:
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}{BEST_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


def _html_banner(level: str, title: str, detail: str) -> str:
    return f'<div class="banner {level}"><strong>{escape(title)}</strong>{escape(detail)}</div>'


def _paragraphs(lines: Sequence[str], css: str = "") -> list[str]:
    attribute = f' class="{css}"' if css else ""
    return [f"<p{attribute}>{escape(line)}</p>" for line in lines]


def _write(folder: Path, pairs: Sequence[tuple[str, str]]) -> tuple[Path, ...]:
    paths = []
    for name, text in pairs:
        atomic_write_bytes(folder / name, text.encode("utf-8"))
        paths.append(folder / name)
    return tuple(paths)


# --- experiment (repeats) -------------------------------------------------------------------


def _tau_rows(view: ExperimentView) -> list[IntervalRow]:
    rows = [
        IntervalRow(f"{r.name} (one run)", r.summary.tau, r.summary.tau_ci)
        for r in view.repeats
        if r.summary is not None and r.status == "complete"
    ]
    tau = view.aggregate.tau
    rows.append(IntervalRow("mean (t across repeats)", tau.mean, tau.ci95, summary=True))
    return rows


def _experiment_sections(view: ExperimentView) -> list[tuple[str, Table | None, list[str]]]:
    """(heading, table, sentences) of the experiment report, in order."""
    given = tuple((k, v) for k, v in view.settings if v != "default")
    defaults = [k for k, v in view.settings if v == "default"]
    settings = Table(("setting", "value"), given)
    default_line = [f"Left at their defaults: {', '.join(defaults)}."] if defaults else []
    sections: list[tuple[str, Table | None, list[str]]] = [
        ("Summary", None, experiment_view.summary_lines(view)),
        ("Settings shared by every repeat", settings, default_line),
        ("Repeats", experiment_view.repeats_table(view), []),
        ("Repeat batches", experiment_view.ids_table(view), []),
        ("Across repeats", experiment_view.aggregate_table(view), [experiment_view.METHOD_NOTE]),
    ]
    never = experiment_view.never_won_table(view)
    sections.append(
        ("Anchors that never won", never if never.rows else None, [] if never.rows else ["None."])
    )
    sections.append(("Rank stability per essay", experiment_view.stability_table(view), []))
    return sections


def render_experiment_markdown(view: ExperimentView) -> str:
    """``experiment.md``."""
    lines = [f"# Experiment: {cell(view.label)}", ""]
    if view.simulated:
        lines += [f"> **{cell(SIMULATED_BANNER.upper())}**", ""]
    for heading, table, sentences in _experiment_sections(view):
        lines += [f"## {heading}", ""]
        lines += [item for sentence in sentences for item in (cell(sentence), "")]
        if table is not None:
            lines += markdown_table(table)
    return "\n".join(lines).rstrip() + "\n"


def render_experiment_html(view: ExperimentView) -> str:
    """``experiment.html``: the same sections, with a plot of τ per repeat and the mean."""
    body: list[str] = []
    if view.simulated:
        body.append(_html_banner("danger", SIMULATED_BANNER, "results rehearse the plumbing"))
    for heading, table, sentences in _experiment_sections(view):
        body.append(f"<h2>{escape(heading)}</h2>")
        body += _paragraphs(sentences, "caption" if heading == "Across repeats" else "")
        if heading == "Across repeats":
            body.append(
                interval_svg(
                    _tau_rows(view),
                    title=(
                        "τ-b of each repeat with that run's own interval (points), and the mean "
                        "with the t-interval across repeats (diamond)"
                    ),
                    axis_label="Kendall's τ-b (anchor grades vs θ)",
                    target=TAU_TARGET,
                )
            )
        if table is not None:
            body.append(render_table(table))
    return _html_page(f"Experiment: {view.label}", body)


def write_experiment_reports(folder: Path, view: ExperimentView) -> tuple[Path, ...]:
    """Write ``experiment.md`` and ``experiment.html`` into the experiment folder."""
    return _write(
        folder,
        [
            (EXPERIMENT_MARKDOWN, render_experiment_markdown(view)),
            (EXPERIMENT_HTML, render_experiment_html(view)),
        ],
    )


# --- compare --------------------------------------------------------------------------------


def _sources(comparison: Comparison) -> Table:
    return Table(
        ("#", "run", "source"),
        tuple((str(i), row.name, row.source) for i, row in enumerate(comparison.rows, start=1)),
    )


def render_compare_markdown(comparison: Comparison) -> str:
    """``compare.md``."""
    lines = ["# Runs compared", ""]
    if any(row.settings.get("stack", "").endswith("/simulated") for row in comparison.rows):
        lines += [f"> **{cell(SIMULATED_BANNER.upper())}** (in at least one run)", ""]
    lines += [cell(compare_view.common_sentence(comparison)), ""]
    lines += [
        "## Settings that differ",
        "",
        *markdown_table(compare_view.settings_table(comparison)),
    ]
    lines += ["## Results", "", *markdown_table(compare_view.results_table(comparison))]
    lines += [item for note in compare_view.notes(comparison) for item in (f"- {cell(note)}",)]
    lines += [
        "",
        "## Differences to the best row",
        "",
        *markdown_table(compare_view_differences.differences_table(comparison)),
    ]
    lines += [f"- {cell(note)}" for note in compare_view_differences.difference_notes(comparison)]
    lines += ["", "## Sources", "", *markdown_table(_sources(comparison))]
    return "\n".join(lines).rstrip() + "\n"


def _results_html(comparison: Comparison) -> str:
    """The results table with the best value of each column highlighted."""
    table = compare_view.results_table(comparison, mark="")
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = []
    for index, row in enumerate(table.rows):
        cells = [f'<td class="num">{escape(row[0])}</td>']
        for column, text in zip(compare_view.COLUMNS, row[1:], strict=True):
            best = index in comparison.best.get(column.header, frozenset())
            css = "num best" if best else "num"
            mark = f" {compare_view.BEST_MARK}" if best else ""
            cells.append(f'<td class="{css}">{escape(text.strip())}{mark}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_compare_html(comparison: Comparison) -> str:
    """``compare.html``: settings, results (best marked), a plot of τ with its interval."""
    body: list[str] = []
    if any(row.settings.get("stack", "").endswith("/simulated") for row in comparison.rows):
        body.append(
            _html_banner("danger", SIMULATED_BANNER, "at least one run used the simulated judge")
        )
    body += _paragraphs([compare_view.common_sentence(comparison)])
    body += ["<h2>Settings that differ</h2>", render_table(compare_view.settings_table(comparison))]
    body += ["<h2>Results</h2>", _results_html(comparison)]
    body.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in compare_view.notes(comparison)))
    body.append("</ul>")
    body += [
        "<h2>Differences to the best row</h2>",
        render_table(compare_view_differences.differences_table(comparison)),
        *_paragraphs(compare_view_differences.difference_notes(comparison)),
    ]
    for kind, heading, title in (
        (
            compare_view.ONE_RUN,
            "Kendall's τ-b of single runs, each with its own 95% interval",
            "τ-b of one run with that run's interval (sampling of its comparisons)",
        ),
        (
            compare_view.REPEATS,
            "Mean Kendall's τ-b of repeats, with the 95% t-interval across repeats",
            "mean τ-b of repeats with the t-interval across repeats (run-to-run spread)",
        ),
    ):
        rows = [
            IntervalRow(f"#{i} {row.name}", row.tau, row.tau_ci, summary=kind != "one run")
            for i, row in enumerate(comparison.rows, start=1)
            if row.tau_kind == kind
        ]
        if rows:
            body += [
                f"<h2>{escape(heading)}</h2>",
                interval_svg(
                    rows,
                    title=title,
                    axis_label="Kendall's τ-b (anchor grades vs θ)",
                    target=TAU_TARGET,
                ),
            ]
    body += ["<h2>Sources</h2>", render_table(_sources(comparison))]
    return _html_page("Runs compared", body)


def write_compare_reports(folder: Path, comparison: Comparison) -> tuple[Path, ...]:
    """Write ``compare.md`` and ``compare.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return _write(
        folder,
        [
            (COMPARE_MARKDOWN, render_compare_markdown(comparison)),
            (COMPARE_HTML, render_compare_html(comparison)),
        ],
    )
