"""Anchor grades from ``anchors.csv`` (or ``anchors.xlsx``): columns anchor_id, grade[, notes].

Rows are matched to anchor files by stem, case-insensitively. Reading never stops at the first
bad row: every problem is returned so plan mode can list them all at once.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED_COLUMNS = ("anchor_id", "grade")


@dataclass(frozen=True)
class AnchorGradeRow:
    """One row of the anchor grade table."""

    anchor_id: str
    grade: str
    notes: str = ""
    line: int = 0


@dataclass
class AnchorGradeTable:
    """The rows read from the grade table, plus every problem found reading it."""

    source: Path | None
    rows: dict[str, AnchorGradeRow] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def lookup(self, stem: str) -> AnchorGradeRow | None:
        """The row whose anchor_id equals ``stem`` (case-insensitive), if any."""
        return self.rows.get(stem.casefold())


def find_grade_table(dataset_dir: Path) -> Path | None:
    """``anchors.csv`` if present, else ``anchors.xlsx``, else None."""
    for name in ("anchors.csv", "anchors.xlsx"):
        candidate = dataset_dir / name
        if candidate.is_file():
            return candidate
    return None


def read_grade_table(dataset_dir: Path) -> AnchorGradeTable:
    """Read the anchor grade table of a dataset, collecting problems instead of raising."""
    source = find_grade_table(dataset_dir)
    table = AnchorGradeTable(source=source)
    if source is None:
        table.problems.append(
            "anchors.csv: missing; add a CSV with columns anchor_id,grade[,notes]"
        )
        return table
    try:
        raw_rows = _read_xlsx(source) if source.suffix == ".xlsx" else _read_csv(source)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        table.problems.append(f"{source.name}: cannot be read ({exc})")
        return table
    if not raw_rows:
        table.problems.append(f"{source.name}: has no rows; add one row per anchor essay")
        return table
    header = [h.strip().lower() for h in raw_rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        table.problems.append(
            f"{source.name}: header must contain {', '.join(REQUIRED_COLUMNS)} "
            f"(missing {', '.join(missing)})"
        )
        return table
    id_col, grade_col = header.index("anchor_id"), header.index("grade")
    notes_col = header.index("notes") if "notes" in header else None
    for line, values in enumerate(raw_rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        anchor_id, grade = _cell(values, id_col), _cell(values, grade_col)
        if not anchor_id:
            table.problems.append(f"{source.name}:{line}: anchor_id is empty")
            continue
        key = anchor_id.casefold()
        if key in table.rows:
            table.problems.append(f"{source.name}:{line}: anchor_id {anchor_id!r} appears twice")
            continue
        table.rows[key] = AnchorGradeRow(anchor_id, grade, _cell(values, notes_col), line)
    return table


def _cell(values: list[str], index: int | None) -> str:
    return values[index].strip() if index is not None and index < len(values) else ""


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _read_xlsx(path: Path) -> list[list[str]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises assorted errors (BadZipFile, KeyError, …)
        raise ValueError(f"not a readable .xlsx file ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        return [
            ["" if value is None else str(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
