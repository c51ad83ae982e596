"""Comparisons and essays from plain tables, for ``eng5-runner analyse`` (issue 16).

Comparisons: a CSV file with a header row and at least the columns ``essay_a``, ``essay_b``
(the essay shown first and second) and ``winner`` (the id of the essay that won) — or the
artefact's names for them, ``essay_a_id``, ``essay_b_id``, ``winner_id``; other columns
are ignored, except ``status``: when present, only rows whose status is ``succeeded`` are
comparisons (a failed comparison has no winner). Rows keep their file order (the sequence).
Essays (``--essays``): a CSV file with the columns ``essay_id``, ``role`` (``anchor`` or
``student``) and ``grade`` (an anchor's grade; empty for students). Human CJ data and other
tools' outputs written in this shape get the runner's analysis.

The ``comparisons`` and ``essays`` tables of ``eng5-runner export`` are read as they are, as CSV
or Parquet (a ``.parquet`` file, read with ``pyarrow``): their ``expert_grade`` column is the
grade, and their ``run`` column splits a table of several runs into one analysis per run, each
with the essays of its own run. Every problem is one :class:`~eng5_np.errors.UsageError` naming
the file, the row or column, and what to do (exit 2).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eng5_np.analysis.alignment import JudgedComparison
from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.errors import UsageError

COMPARISON_COLUMNS = ("essay_a", "essay_b", "winner")
ESSAY_COLUMNS = ("essay_id", "role", "grade")
ROLES = ("anchor", "student")
SUCCEEDED = "succeeded"
ALIASES = {
    "essay_a_id": "essay_a",
    "essay_b_id": "essay_b",
    "winner_id": "winner",
    "expert_grade": "grade",
}
"""The artefact's (and ``export``'s) column names, read as the minimal columns."""
RUN = "run"
"""``export``'s column naming the run a row belongs to."""


@dataclass(frozen=True)
class EssayTable:
    """The essays file: anchors with their grades, and every essay id it names."""

    anchor_grades: dict[str, str]
    essay_ids: frozenset[str]


def read_comparison_runs(path: Path) -> list[tuple[str | None, list[JudgedComparison]]]:
    """The successful comparisons of a table, per run (``run`` column) in order of first row;
    one group named None when the table has no ``run`` column."""
    runs: dict[str | None, list[JudgedComparison]] = {}
    for line, row in _rows(path, COMPARISON_COLUMNS):
        run = (row[RUN] or "").strip() if RUN in row else None
        runs.setdefault(run, [])
        judged = _judged(path, line, row)
        if judged is not None:
            runs[run].append(judged)
    for run, judged_in_run in runs.items():
        if not judged_in_run:
            where = "the file" if run is None else f"run {run!r}"
            raise _bad(path, f"no successful comparison in {where}")
    if not runs:
        raise _bad(path, "no successful comparison in the file")
    return list(runs.items())


def read_comparisons(path: Path) -> list[JudgedComparison]:
    """The successful comparisons of a comparisons table, in file order (module docstring)."""
    judged = [
        found
        for line, row in _rows(path, COMPARISON_COLUMNS)
        if (found := _judged(path, line, row)) is not None
    ]
    if not judged:
        raise _bad(path, "no successful comparison in the file")
    return judged


def _judged(path: Path, line: int, row: Mapping[str, str | None]) -> JudgedComparison | None:
    """One row as a comparison; None for a row whose status is not ``succeeded``."""
    if "status" in row and (row["status"] or "").strip() != SUCCEEDED:
        return None
    first, second, winner = ((row[column] or "").strip() for column in COMPARISON_COLUMNS)
    if not first or not second:
        raise _bad(path, f"row {line}: essay_a and essay_b must both name an essay")
    if first == second:
        raise _bad(path, f"row {line}: essay_a and essay_b are the same essay {first!r}")
    if winner not in (first, second):
        raise _bad(
            path,
            f"row {line}: column winner is {winner!r}, neither essay_a ({first!r}) nor "
            f"essay_b ({second!r})",
        )
    loser = second if winner == first else first
    return JudgedComparison(line, ComparisonOutcome(first, second, winner, loser))


def read_essays(path: Path, run: str | None = None) -> EssayTable:
    """Anchor grades and essay ids from an essays table (module docstring); with ``run``,
    only that run's rows when the table has a ``run`` column."""
    grades: dict[str, str] = {}
    ids: set[str] = set()
    for line, row in _rows(path, ESSAY_COLUMNS):
        if run is not None and RUN in row and (row[RUN] or "").strip() != run:
            continue
        essay = (row["essay_id"] or "").strip()
        role = (row["role"] or "").strip().lower()
        grade = (row["grade"] or "").strip()
        if not essay:
            raise _bad(path, f"row {line}: column essay_id is empty")
        if essay in ids:
            raise _bad(path, f"row {line}: essay_id {essay!r} appears twice")
        if role not in ROLES:
            raise _bad(path, f"row {line}: column role is {role!r}, expected anchor or student")
        if role == "anchor" and not grade:
            raise _bad(path, f"row {line}: anchor {essay!r} has no grade in column grade")
        ids.add(essay)
        if role == "anchor":
            grades[essay] = grade
    return EssayTable(grades, frozenset(ids))


def check_known(
    comparisons: Sequence[JudgedComparison], essays: EssayTable, path: Path, essays_path: Path
) -> None:
    """Every essay a comparison names must be in the essays file."""
    named = {essay for c in comparisons for essay in c.outcome.pair}
    unknown = sorted(named - essays.essay_ids)
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise UsageError(
            f"{path}: {len(unknown)} essay id(s) are not in {essays_path}: {shown}",
            advice=f"Add them to {essays_path} (essay_id,role,grade).",
        )


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, Mapping[str, str | None]]]:
    if path.suffix.lower() == ".parquet":
        yield from _parquet_rows(path, required)
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in reader.fieldnames or ()]
            columns = [
                ALIASES[c] if c in ALIASES and ALIASES[c] not in columns else c for c in columns
            ]
            missing = [c for c in required if c not in columns]
            if missing:
                raise _bad(
                    path,
                    f"missing column(s) {', '.join(missing)} (has: {', '.join(columns) or 'none'})",
                )
            reader.fieldnames = columns
            yield from enumerate(reader, start=2)
    except OSError as error:
        raise _bad(path, f"cannot be read ({error.strerror or error})") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise _bad(path, f"is not a UTF-8 CSV file ({error})") from None


def _parquet_rows(
    path: Path, required: Sequence[str]
) -> Iterator[tuple[int, Mapping[str, str | None]]]:
    """A Parquet table's rows as text cells (row numbers from 1), columns as in a CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise _bad(path, f"cannot be read as Parquet ({error})") from None
    names = list(table.column_names)
    columns = [ALIASES[c] if c in ALIASES and ALIASES[c] not in names else c for c in names]
    missing = [c for c in required if c not in columns]
    if missing:
        raise _bad(
            path, f"missing column(s) {', '.join(missing)} (has: {', '.join(columns) or 'none'})"
        )
    for number, record in enumerate(table.to_pylist(), start=1):
        yield (
            number,
            {
                column: None if value is None else str(value)
                for column, value in zip(columns, record.values(), strict=True)
            },
        )


def _bad(path: Path, problem: str) -> UsageError:
    return UsageError(
        f"{path}: {problem}",
        advice="Comparisons: CSV or Parquet with columns essay_a,essay_b,winner; essays: "
        "essay_id,role,grade (export's tables as written; see `eng5-runner analyse --help`).",
    )
