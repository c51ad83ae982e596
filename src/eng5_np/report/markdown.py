"""``report.md``: the human report as Markdown (SPEC §8).

Every piece of text from the artefact goes through :func:`cell` — HTML-escaped (Markdown
viewers render raw HTML) with pipes and line breaks neutralised so a hostile essay id or file
name cannot break a table or inject markup.
"""

from __future__ import annotations

import html
import re

from eng5_np.report.alignment_section import ALIGNMENT_HEADING, AlignmentSection
from eng5_np.report.checks import RunChecks
from eng5_np.report.facts import RunFacts
from eng5_np.report.headline import HEADLINE_HEADING, headline_notes
from eng5_np.report.judges_section import JUDGES_HEADING, JUDGES_INTRO, judges_table
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
    run_rows,
    scale_to_show,
)

CHECK_HEADERS = ("check", "result")
_BACKTICKS = re.compile(r"`+")


def _longest_backtick_run(text: str) -> int:
    runs = [len(run) for run in text.split("\n") for run in _BACKTICKS.findall(run)]
    return max(runs, default=0)


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


def alignment_lines(section: AlignmentSection) -> list[str]:
    """The "Anchor alignment" section."""
    lines = [f"## {ALIGNMENT_HEADING}", "", cell(section.intro), ""]
    lines += [*_table(section.summary), *_table(section.anchors)]
    for inversion in section.inversions:
        lines += [f"### Inversion: {cell(inversion.title)}", ""]
        if inversion.comparisons is not None:
            lines += _table(inversion.comparisons)
    if section.gaps is not None:
        lines += ["### Gaps between adjacent grades", "", *_table(section.gaps)]
    if section.notes:
        lines += ["Notes:", "", *(f"- {cell(note)}" for note in section.notes), ""]
    return lines


def render_markdown(
    facts: RunFacts, checks: RunChecks, alignment: AlignmentSection | None = None
) -> str:
    """The whole Markdown report; an anchor-align run shows its alignment first."""
    lines = [f"# CJ run report: {cell(facts.batch_label)}", ""]
    for banner in banners(facts, checks):
        lines += [f"> **{cell(banner.title.upper())}** — {cell(banner.detail)}", ""]
    lines += [f"## {HEADLINE_HEADING}", "", *_table(headline_table(checks, facts))]
    lines += [*(f"- {cell(facts.named(note))}" for note in headline_notes(checks)), ""]
    first = alignment is not None and facts.mode == ANCHOR_ALIGN_MODE
    if first and alignment is not None:
        lines += alignment_lines(alignment)
    lines += ["## Run", "", *_table(pairs_table(run_rows(facts)))]
    lines += ["## Cost and tokens", "", cell(cost_note(facts)), "", *_table(cost_table(facts))]
    lines += ["## Comparisons", "", cell(comparisons_sentence(checks)), ""]
    codes = error_code_table(checks)
    if codes is not None:
        lines += _table(codes)
    judges = judges_table(facts.judges)
    if judges is not None:
        lines += [f"## {JUDGES_HEADING}", "", cell(JUDGES_INTRO), "", *_table(judges)]
    scale, caption = scale_to_show(facts, checks)
    lines += ["## Bradley–Terry scale", "", cell(caption), ""]
    if scale:
        lines += _table(scale_table(scale, facts))
    if alignment is not None and not first:
        lines += alignment_lines(alignment)
    lines += ["## Grade projections", ""]
    lines += (
        _table(projection_table(facts)) if facts.projections else [no_projections_text(facts), ""]
    )
    lines += [
        f"## {CHECKS_HEADING}",
        "",
        *_table(pairs_table(check_rows(checks, facts), CHECK_HEADERS)),
    ]
    lines += ["### Per essay", "", *_table(essay_table(facts, checks))]
    if facts.overrides:
        lines += [f"## {OVERRIDES_HEADING}", ""]
        for o in facts.overrides:
            fence = "`" * max(3, _longest_backtick_run(o.text) + 1)
            lines += [
                f"**{cell(o.kind)}** — {cell(o.path)}, sha256 {o.sha256}",
                "",
                fence,
                o.text,
                fence,
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


render_table = _table
"""Public name of the table renderer, for the other Markdown reports (compare, experiment)."""
