"""The comparison in the terminal (rich), readable at 80 columns.

The runs with the settings that differ, then the results in two tables keyed by row number
with short headers (the legend under the table spells them out). The best value of a column carries
``★``, as in the Markdown report.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from eng5_np.report.compare_view import Comparison, common_sentence, results_table, settings_table
from eng5_np.report.wording import Table

ALIGNMENT_COLUMNS = ("τ-b [95% CI]", "inversions", "zero-win anchors")
"""Result columns of the first table; the rest go in the second."""
SHORT_HEADERS = {
    "runs": "ok/runs",
    "zero-win anchors": "0-win",
    "comparisons": "comps",
    "failures": "fails",
    "split-half": "split",
    "Essay A wins": "A wins",
}
LEGEND = (
    "inversions: anchor pairs whose θ order contradicts their grades · 0-win: anchors that "
    "never won · ok/runs: complete runs of the row · A wins: share won by the essay shown "
    "first · ★ best value of a column"
)


def _rich(table: Table, title: str, headers: tuple[str, ...]) -> RichTable:
    rich_table = RichTable(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for index, header in enumerate(headers):
        numeric = index in table.numeric
        rich_table.add_column(
            header,
            justify="right" if numeric else "left",
            # Numbers, row keys and run names are never folded: `pilot-…-na / me-1` (issue 14).
            no_wrap=numeric or index == 0 or header == "run",
            overflow="fold",
        )
    for row in table.rows:
        rich_table.add_row(*row)
    return rich_table


def _columns(table: Table, wanted: list[int]) -> Table:
    """A table of some columns of ``table``, with the short headers."""
    headers = tuple(SHORT_HEADERS.get(table.headers[i], table.headers[i]) for i in wanted)
    rows = tuple(tuple(row[i] for i in wanted) for row in table.rows)
    return Table(headers, rows, frozenset(range(1, len(headers))))


def render_comparison(console: Console, comparison: Comparison) -> None:
    """Print the settings that differ and the results, in tables that fit 80 columns."""
    settings = settings_table(comparison)
    console.print(_rich(settings, "Runs and the settings that differ", settings.headers))
    console.print(common_sentence(comparison), markup=False, highlight=False)
    results = results_table(comparison)
    alignment = [0] + [results.headers.index(h) for h in ALIGNMENT_COLUMNS]
    others = [i for i in range(len(results.headers)) if i not in alignment[1:]]
    # Keyed by row number like the second table: the run names are in the first table, and
    # beside the figures a long name had to fold mid-word at 80 columns.
    first = _columns(results, alignment)
    second = _columns(results, others)
    console.print(_rich(first, "Anchor alignment", first.headers))
    console.print(_rich(second, "Reliability, position bias and cost", second.headers))
    console.print(LEGEND, markup=False, highlight=False)
