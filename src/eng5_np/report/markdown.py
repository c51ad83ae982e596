"""``report.md``: the human report as Markdown (SPEC §8).

Every piece of text from the artefact goes through :func:`cell` — HTML-escaped (Markdown
viewers render raw HTML) with pipes and line breaks neutralised so a hostile essay id or file
name cannot break a table or inject markup.
"""

from __future__ import annotations

import html

from eng5_np.report.checks import RunChecks
from eng5_np.report.facts import RunFacts
from eng5_np.report.wording import (
    CHECKS_HEADING,
    NO_PROJECTIONS,
    Table,
    banners,
    check_rows,
    comparisons_sentence,
    cost_table,
    error_code_table,
    essay_table,
    gates_table,
    pairs_table,
    projection_table,
    run_rows,
    scale_table,
    scale_to_show,
)

CHECK_HEADERS = ("check", "result")


def cell(text: object) -> str:
    """Text made safe for a Markdown table cell or paragraph."""
    escaped = html.escape(str(text), quote=False)
    return " ".join(escaped.replace("|", "\\|").split())


def _table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(table.headers) + " |",
        "|"
        + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.headers)))
        + "|",
    ]
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in table.rows)
    return [*lines, ""]


def render_markdown(facts: RunFacts, checks: RunChecks) -> str:
    """The whole Markdown report."""
    lines = [f"# CJ run report: {cell(facts.batch_label)}", ""]
    for banner in banners(facts, checks):
        lines += [f"> **{cell(banner.title.upper())}** — {cell(banner.detail)}", ""]
    lines += ["## Run", "", *_table(pairs_table(run_rows(facts)))]
    lines += ["## Quality gates", "", *_table(gates_table(checks))]
    lines += ["## Cost and tokens", "", *_table(cost_table(facts))]
    lines += ["## Comparisons", "", cell(comparisons_sentence(checks)), ""]
    if checks.tally.error_codes:
        lines += _table(error_code_table(checks))
    scale, caption = scale_to_show(facts, checks)
    lines += ["## Bradley–Terry scale", "", cell(caption), ""]
    if scale:
        lines += _table(scale_table(scale))
    lines += ["## Grade projections", ""]
    lines += _table(projection_table(facts)) if facts.projections else [NO_PROJECTIONS, ""]
    lines += [f"## {CHECKS_HEADING}", "", *_table(pairs_table(check_rows(checks), CHECK_HEADERS))]
    lines += ["### Per essay", "", *_table(essay_table(facts, checks))]
    return "\n".join(lines).rstrip() + "\n"


render_table = _table
"""Public name of the table renderer, for the other Markdown reports (compare, experiment)."""
