"""Runs side by side (SPEC §12 "Compare"): the data of ``eng5-runner compare``.

Pure: groups of run summaries, with the aggregate over each group and the differences between
groups that :func:`eng5_np.experiments.compare.compare_summaries` computed, in; a frozen
:class:`Comparison` out; the terminal, Markdown and HTML views only render it. A group is one
run, or the repeats of one experiment, shown as one row: counts and cost are summed over its
runs, every statistic is the mean over its runs, and τ's interval is the Student-t interval
across the repeats (two or more repeats) or the run's own posterior interval (a single run) —
see :mod:`eng5_np.analysis.repeats`.

Runs are compared only when they share a dataset (``metadata.inventory_hash``) and a grade
scale: τ, inversions and SSR of different essays or scales are different quantities, so
:func:`check_comparable` refuses a mix with :class:`~eng5_np.errors.IncomparableRuns`.

A ★ says only what the data support (issue 16): for τ-b, inversions and SSR every other row
gets an interval for its difference to the best row (:mod:`eng5_np.analysis.differences`:
Welch across repeats, else a bootstrap over each run's comparisons; all intervals of a table
jointly at 95 %, Bonferroni), and the best value is starred only when every one of them
excludes 0 — otherwise the table says "no detectable difference at this budget". Other
columns (cost, failures, …) are shown without a mark. τ-b of one run (its own interval) and
the mean τ-b of repeats (Student t across repeats) are two columns, never one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eng5_np.analysis.differences import DifferenceReport
from eng5_np.analysis.repeats import RepeatAggregate
from eng5_np.errors import IncomparableRuns
from eng5_np.report.run_summary import RunSummary
from eng5_np.report.tables import Table

BEST_MARK = "★"
NO_VALUE = "—"


@dataclass(frozen=True)
class CompareRow:
    """One run, or one experiment's repeats, as a row."""

    name: str
    source: str
    runs: int
    complete: int
    settings: dict[str, str]
    comparisons: int
    failures: int
    cost_usd: float
    tau: float | None
    tau_ci: tuple[float, float] | None
    tau_note: str
    tau_kind: str
    """``one run`` (the run's own interval) or ``repeats`` (t-interval across repeats)."""
    inversions: float | None
    never_won: float | None
    ssr: float | None
    split_half: float | None
    essay_a_share: float | None


@dataclass(frozen=True)
class Column:
    """A result column: header, how a row's value is read and shown, and which is best."""

    header: str
    value: Callable[[CompareRow], float | None]
    show: Callable[[CompareRow], str]
    figure: str | None = None
    """The compared figure (``tau_b``, ``inversions``, ``ssr``) whose ★ this column shows."""


@dataclass(frozen=True)
class Comparison:
    """Everything the compare report shows."""

    rows: tuple[CompareRow, ...]
    differing: tuple[str, ...]
    """Setting labels whose values differ between rows."""
    common: tuple[tuple[str, str], ...]
    """(label, value) of the settings every row shares."""
    inventory_hash: str
    grade_scale: str
    best: dict[str, frozenset[int]]
    """Column header → the row starred (best, and different from every other row)."""
    differences: DifferenceReport | None = None
    """Each figure's best row and every other row's difference to it, with intervals."""


def _fixed(value: float | None, digits: int = 3) -> str:
    return NO_VALUE if value is None else f"{value:.{digits}f}"


def _count(value: float | None) -> str:
    """A count of one run as a whole number; a mean over repeats with one decimal."""
    if value is None:
        return NO_VALUE
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _tau_text(row: CompareRow) -> str:
    if row.tau is None:
        return NO_VALUE
    if row.tau_ci is None:
        return f"{row.tau:.3f}"
    return f"{row.tau:.3f} [{row.tau_ci[0]:.3f}, {row.tau_ci[1]:.3f}]"


def _tau_of(kind: str) -> Callable[[CompareRow], float | None]:
    return lambda r: r.tau if r.tau_kind == kind else None


def _tau_shown(kind: str) -> Callable[[CompareRow], str]:
    return lambda r: _tau_text(r) if r.tau_kind == kind else NO_VALUE


ONE_RUN = "one run"
REPEATS = "repeats"
TAU_ONE_RUN = "τ-b, one run [its 95% CI]"
TAU_REPEATS = "τ-b, mean of repeats [95% t across repeats]"

COLUMNS: tuple[Column, ...] = (
    Column("runs", lambda r: r.runs, lambda r: f"{r.complete}/{r.runs}"),
    Column("comparisons", lambda r: r.comparisons, lambda r: str(r.comparisons)),
    Column("failures", lambda r: r.failures, lambda r: str(r.failures)),
    Column("cost USD", lambda r: r.cost_usd, lambda r: f"{r.cost_usd:.4f}"),
    Column(TAU_ONE_RUN, _tau_of(ONE_RUN), _tau_shown(ONE_RUN), "tau_b"),
    Column(TAU_REPEATS, _tau_of(REPEATS), _tau_shown(REPEATS), "tau_b"),
    Column("inversions", lambda r: r.inversions, lambda r: _count(r.inversions), "inversions"),
    Column("zero-win anchors", lambda r: r.never_won, lambda r: _count(r.never_won)),
    Column("SSR", lambda r: r.ssr, lambda r: _fixed(r.ssr), "ssr"),
    Column("split-half", lambda r: r.split_half, lambda r: _fixed(r.split_half)),
    Column(
        "Essay A wins",
        lambda r: r.essay_a_share,
        lambda r: NO_VALUE if r.essay_a_share is None else f"{r.essay_a_share:.0%}",
    ),
)
"""The result columns, in order."""


def check_comparable(groups: Sequence[tuple[str, Sequence[RunSummary]]]) -> None:
    """Refuse runs of different datasets or grade scales (:class:`IncomparableRuns`, exit 2)."""
    runs = [run for _, members in groups for run in members]
    if not runs:
        raise IncomparableRuns("nothing to compare: no run was found in the given paths")
    first = runs[0]
    for run in runs[1:]:
        if run.inventory_hash != first.inventory_hash:
            raise IncomparableRuns(
                f"{run.path} and {first.path} were run on different datasets (inventory hash "
                f"{run.inventory_hash[:12]}… vs {first.inventory_hash[:12]}…): their τ, "
                "inversions and SSR are not comparable"
            )
        if run.grade_scale != first.grade_scale:
            raise IncomparableRuns(
                f"{run.path} uses grade scale {run.grade_scale}, {first.path} uses "
                f"{first.grade_scale}: their τ and inversions are not comparable"
            )


def compare_row(
    name: str, source: str, runs: Sequence[RunSummary], aggregate: RepeatAggregate
) -> CompareRow:
    """One row for a run (one summary) or an experiment's repeats (several), with the
    aggregate the experiment computed over them."""
    single = runs[0] if len(runs) == 1 else None
    tau, tau_ci = aggregate.tau.mean, aggregate.tau.ci95
    if single is not None:
        tau_ci, note = single.tau_ci, f"one run; τ-b and its interval from the {single.tau_source}"
        kind = ONE_RUN
    else:
        note = f"mean of {len(aggregate.tau.values)} repeats; t-interval across repeats"
        kind = REPEATS
    return CompareRow(
        name=name,
        source=source,
        runs=aggregate.repeats,
        complete=aggregate.complete,
        settings=dict(runs[0].settings),
        comparisons=aggregate.comparisons,
        failures=aggregate.failures,
        cost_usd=aggregate.cost_usd,
        tau=tau,
        tau_ci=tau_ci,
        tau_note=note,
        tau_kind=kind,
        inversions=aggregate.inversions.mean,
        never_won=aggregate.never_won_count.mean,
        ssr=aggregate.ssr.mean,
        split_half=aggregate.split_half.mean,
        essay_a_share=aggregate.essay_a_share.mean,
    )


def build_comparison(
    groups: Sequence[tuple[str, str, Sequence[RunSummary], RepeatAggregate]],
    differences: DifferenceReport | None,
) -> Comparison:
    """The comparison of ``(name, source, runs, aggregate)`` groups with the differences
    between them, both computed by :func:`eng5_np.experiments.compare.compare_summaries`;
    call :func:`check_comparable` first."""
    rows = tuple(compare_row(*group) for group in groups)
    labels = list(rows[0].settings) if rows else []
    for row in rows[1:]:
        labels += [label for label in row.settings if label not in labels]
    differing = tuple(
        label for label in labels if len({row.settings.get(label, "default") for row in rows}) > 1
    )
    common = tuple(
        (label, rows[0].settings.get(label, "default"))
        for label in labels
        if label not in differing
    )
    first = groups[0][2][0] if groups and groups[0][2] else None
    report = differences if rows else None
    return Comparison(
        rows=rows,
        differing=differing,
        common=common,
        inventory_hash=first.inventory_hash if first else "",
        grade_scale=first.grade_scale if first else "",
        best={c.header: _starred(c, rows, report) for c in COLUMNS if c.figure is not None},
        differences=report,
    )


def _starred(
    column: Column, rows: Sequence[CompareRow], report: DifferenceReport | None
) -> frozenset[int]:
    """The best row of the column's figure, when its differences to all others exclude 0."""
    verdict = None if report is None or column.figure is None else report.verdict(column.figure)
    if verdict is None or not verdict.detectable or verdict.best is None:
        return frozenset()
    if column.value(rows[verdict.best]) is None:
        return frozenset()  # the other τ-b column holds this row's value
    return frozenset({verdict.best})


def settings_table(comparison: Comparison) -> Table:
    """Per row, the settings that differ between rows (the row name alone when none differ)."""
    headers = ("#", "run", *comparison.differing)
    rows = tuple(
        (
            str(index),
            row.name,
            *(row.settings.get(label, "default") for label in comparison.differing),
        )
        for index, row in enumerate(comparison.rows, start=1)
    )
    return Table(headers, rows)


def results_table(comparison: Comparison, mark: str = BEST_MARK) -> Table:
    """Per row, every result column; the best value of a column carries ``mark``."""
    rows = []
    for index, row in enumerate(comparison.rows):
        cells = [str(index + 1)]
        for column in COLUMNS:
            text = column.show(row)
            if index in comparison.best.get(column.header, frozenset()):
                text = f"{text} {mark}"
            cells.append(text)
        rows.append(tuple(cells))
    numeric = frozenset(range(1, len(COLUMNS) + 1))
    return Table(("#", *(column.header for column in COLUMNS)), tuple(rows), numeric)


def common_sentence(comparison: Comparison) -> str:
    """The settings all rows share, as one line."""
    if not comparison.common:
        return "Every setting differs between the rows."
    given = [f"{label} {value}" for label, value in comparison.common if value != "default"]
    defaults = [label for label, value in comparison.common if value == "default"]
    text = "Shared by every row: " + ("; ".join(given) or "no setting given")
    if defaults:
        text += f"; left at their defaults: {', '.join(defaults)}"
    return text + "."


def notes(comparison: Comparison) -> list[str]:
    """How to read the table: where τ and its interval come from, and what ★ means."""
    lines = [
        f"Dataset inventory {comparison.inventory_hash[:12]}…, grade scale "
        f"{comparison.grade_scale}.",
        f"{BEST_MARK} marks the best τ-b, inversions or SSR only where its difference to every "
        "other row has an interval excluding 0 (the differences table).",
        "A row of several runs (an experiment's repeats) sums comparisons, failures and cost and "
        "averages the statistics; its τ interval is the Student-t interval across repeats.",
    ]
    lines += [f"#{i}: {row.tau_note}" for i, row in enumerate(comparison.rows, start=1)]
    return lines
