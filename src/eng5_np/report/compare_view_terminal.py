"""The comparison in the terminal (rich), readable at 80 columns.

Two tables keyed by row number (the run names are in the settings table: beside the figures
a long name folded mid-word at 80 columns), with short headers (the legend under the table
spells them out), then each row's difference to the best row with its interval. A ★ marks a
best value only where the data show it differs from every other row, as in the Markdown report.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from eng5_np.report.compare_view import (
    NO_VALUE,
    TAU_ONE_RUN,
    TAU_REPEATS,
    Comparison,
    common_sentence,
    results_table,
    settings_table,
)
from eng5_np.report.compare_view_differences import difference_notes, differences_long_table
from eng5_np.report.tables import Table

ALIGNMENT_COLUMNS = (TAU_ONE_RUN, TAU_REPEATS, "inversions", "zero-win anchors")
"""Result columns of the first table; the rest go in the second."""
SHORT_HEADERS = {
    TAU_ONE_RUN: "τ-b 1 run [CI]",
    TAU_REPEATS: "τ-b repeats [t CI]",
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
    "first · ★ best and different from every other row beyond chance · Δ: row minus best"
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
    shown = [results.headers.index(h) for h in ALIGNMENT_COLUMNS]
    # A τ-b column no row fills (one-run or repeats) is left out.
    taus = {results.headers.index(TAU_ONE_RUN), results.headers.index(TAU_REPEATS)}
    used = [i for i in shown if i not in taus or any(row[i] != NO_VALUE for row in results.rows)]
    alignment = [0, *used]
    others = [i for i in range(len(results.headers)) if i not in shown]
    # Keyed by row number like the second table: the run names are in the settings table.
    first = _columns(results, alignment)
    second = _columns(results, others)
    console.print(_rich(first, "Anchor alignment", first.headers))
    console.print(_rich(second, "Reliability, position bias and cost", second.headers))
    console.print(LEGEND, markup=False, highlight=False)
    differences = differences_long_table(comparison)
    console.print(_rich(differences, "Differences to the best row", differences.headers))
    for line in difference_notes(comparison):
        console.print(line, markup=False, highlight=False)
