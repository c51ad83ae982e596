"""Compare's differences to the best row, as tables and sentences, and ``compare.json``.

Renders what :func:`eng5_np.analysis.differences.compare_differences` stored in a
:class:`~eng5_np.report.compare_view.Comparison`: per row and figure its difference to the
best row with the interval, ``best ★`` where the best differs from every other row beyond
chance, ``best (not detectably)`` where it does not.
"""

from __future__ import annotations

from eng5_np.analysis.differences import FIGURES, NO_DIFFERENCE, FigureVerdict
from eng5_np.report.compare_view import BEST_MARK, NO_VALUE, ONE_RUN, Comparison
from eng5_np.report.tables import Table

FIGURE_LABELS = {"tau_b": "τ-b", "inversions": "inversions", "ssr": "SSR"}


def differences_table(comparison: Comparison) -> Table:
    """Per row and figure: its difference to the best row [interval], or ``best``."""
    report = comparison.differences
    headers = ("#", "run", *(f"Δ {FIGURE_LABELS[f]} to best [CI]" for f in FIGURES))
    rows = []
    for index, row in enumerate(comparison.rows):
        cells = [str(index + 1), row.name]
        for figure in FIGURES:
            verdict = None if report is None else report.verdict(figure)
            cells.append(_difference_text(verdict, index))
        rows.append(tuple(cells))
    return Table(headers, tuple(rows), frozenset({2, 3, 4}))


def differences_long_table(comparison: Comparison) -> Table:
    """The differences one line per row and figure (narrow: for the terminal).

    Keyed by row number, like the terminal's other result tables: the run names stand in the
    settings table, and beside the figures a long name folded at 80 columns.
    """
    report = comparison.differences
    rows = []
    for figure in FIGURES:
        verdict = None if report is None else report.verdict(figure)
        if verdict is None or verdict.best is None:
            continue
        for index in range(len(comparison.rows)):
            text = _difference_text(verdict, index)
            if text != NO_VALUE:
                rows.append((str(index + 1), FIGURE_LABELS[figure], text))
    return Table(("#", "figure", "Δ to best [CI]"), tuple(rows), frozenset({2}))


def _difference_text(verdict: FigureVerdict | None, index: int) -> str:
    if verdict is None or verdict.best is None:
        return NO_VALUE
    if index == verdict.best:
        return f"best {BEST_MARK}" if verdict.detectable else "best (not detectably)"
    found = next((d for d in verdict.differences if d.row == index), None)
    if found is None:
        return NO_VALUE
    if found.interval is None:
        return f"{found.difference:+.3f} (no interval: {found.method})"
    low, high = found.interval
    return f"{found.difference:+.3f} [{low:+.3f}, {high:+.3f}]"


def difference_notes(comparison: Comparison) -> list[str]:
    """How the difference intervals were drawn, and each figure's verdict."""
    report = comparison.differences
    if report is None or not report.intervals:
        return []
    lines = [
        f"Difference intervals: {report.intervals} in this table, each at "
        f"{report.interval_level:.2%} so that all hold jointly at {report.family_level:.0%} "
        "(Bonferroni); across repeats when both rows have two or more, else a bootstrap over "
        f"each run's comparisons ({report.replicates} replicates, seed {report.seed}).",
    ]
    for verdict in report.verdicts:
        if verdict.best is None:
            continue
        label = FIGURE_LABELS[verdict.figure]
        if verdict.detectable:
            lines.append(f"{label}: row #{verdict.best + 1} is best beyond chance.")
        else:
            lines.append(f"{label}: {NO_DIFFERENCE} (best value in row #{verdict.best + 1}).")
    return lines


def comparison_record(comparison: Comparison) -> dict[str, object]:
    """``compare.json``: every row's figures and the stored difference intervals."""
    return {
        "kind": "compare",
        "inventory_hash": comparison.inventory_hash,
        "grade_scale": comparison.grade_scale,
        "rows": [
            {
                "row": index,
                "name": row.name,
                "source": row.source,
                "runs": row.runs,
                "complete": row.complete,
                "settings": row.settings,
                "comparisons": row.comparisons,
                "failures": row.failures,
                "cost_usd": row.cost_usd,
                "tau_b": row.tau,
                "tau_b_interval": None if row.tau_ci is None else list(row.tau_ci),
                "tau_b_interval_kind": (
                    "one run: the run's own interval"
                    if row.tau_kind == ONE_RUN
                    else "across repeats: Student t interval of the mean"
                ),
                "inversions": row.inversions,
                "ssr": row.ssr,
                "split_half": row.split_half,
                "essay_a_share": row.essay_a_share,
            }
            for index, row in enumerate(comparison.rows)
        ],
        "differences": None if comparison.differences is None else comparison.differences.as_dict(),
        "starred": {header: sorted(rows) for header, rows in comparison.best.items()},
    }
