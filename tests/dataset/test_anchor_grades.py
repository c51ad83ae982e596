"""Anchor grade table (SPEC §3): anchors.csv or anchors.xlsx, every problem collected."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from eng5_np.dataset.anchor_grades import find_grade_table, read_grade_table


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A real .xlsx written with openpyxl, rows on the first sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    workbook.close()
    return path


def test_csv_rows_are_read_with_notes_and_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "anchors.csv").write_text(
        "\ufeffAnchor_ID , Grade,notes\nanchor_A,A,excellent\n\nanchor_C+, C+ \n",
        encoding="utf-8",
    )
    table = read_grade_table(tmp_path)
    assert table.problems == []
    assert table.source == tmp_path / "anchors.csv"
    row_a = table.lookup("ANCHOR_a")
    assert row_a is not None
    assert (row_a.anchor_id, row_a.grade, row_a.notes, row_a.line) == (
        "anchor_A",
        "A",
        "excellent",
        2,
    )
    row_c = table.lookup("anchor_C+")
    assert row_c is not None
    assert (row_c.grade, row_c.notes, row_c.line) == ("C+", "", 4)
    assert table.lookup("anchor_C-") is None


def test_missing_table_is_a_problem(tmp_path: Path) -> None:
    table = read_grade_table(tmp_path)
    assert table.source is None
    assert table.problems == [
        "anchors.csv: missing; add a CSV with columns anchor_id,grade[,notes]"
    ]


def test_csv_wins_over_xlsx(tmp_path: Path) -> None:
    (tmp_path / "anchors.csv").write_text("anchor_id,grade\n", encoding="utf-8")
    write_xlsx(tmp_path / "anchors.xlsx", [["anchor_id", "grade"]])
    assert find_grade_table(tmp_path) == tmp_path / "anchors.csv"


def test_missing_columns_are_named(tmp_path: Path) -> None:
    (tmp_path / "anchors.csv").write_text("id,mark\nanchor_A,A\n", encoding="utf-8")
    table = read_grade_table(tmp_path)
    assert table.problems == [
        "anchors.csv: header must contain anchor_id, grade (missing anchor_id, grade)"
    ]


def test_empty_csv_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "anchors.csv").write_bytes(b"")
    assert read_grade_table(tmp_path).problems == [
        "anchors.csv: has no rows; add one row per anchor essay"
    ]


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    (tmp_path / "anchors.csv").write_text(
        "anchor_id,grade\n,A\nanchor_B,B\nANCHOR_b,C+\nanchor_D-,D-\n", encoding="utf-8"
    )
    table = read_grade_table(tmp_path)
    assert table.problems == [
        "anchors.csv:2: anchor_id is empty",
        "anchors.csv:4: anchor_id 'ANCHOR_b' appears twice",
    ]
    assert sorted(table.rows) == ["anchor_b", "anchor_d-"]


def test_non_utf8_csv_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "anchors.csv").write_bytes("anchor_id,grade\nanchor_\xe9,A\n".encode("latin-1"))
    table = read_grade_table(tmp_path)
    assert len(table.problems) == 1
    assert table.problems[0].startswith("anchors.csv: cannot be read")


def test_xlsx_is_accepted(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "anchors.xlsx",
        [["anchor_id", "grade", "notes"], ["anchor_A", "A", None], ["anchor_5", 5, "numeric"]],
    )
    table = read_grade_table(tmp_path)
    assert table.problems == []
    assert table.source == tmp_path / "anchors.xlsx"
    row_a, row_5 = table.lookup("anchor_a"), table.lookup("anchor_5")
    assert row_a is not None
    assert row_5 is not None
    assert (row_a.grade, row_a.notes) == ("A", "")
    assert (row_5.grade, row_5.notes, row_5.line) == ("5", "numeric", 3)


def test_corrupt_xlsx_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "anchors.xlsx").write_bytes(b"not a spreadsheet")
    table = read_grade_table(tmp_path)
    assert len(table.problems) == 1
    assert table.problems[0].startswith("anchors.xlsx: cannot be read")
