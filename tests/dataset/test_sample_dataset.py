"""Shape of the bundled sample dataset (SPEC §3), checked without importing the project."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASET = REPO_ROOT / "src" / "eng5_np" / "data" / "sample_dataset"
SOURCES = REPO_ROOT / "scripts" / "sample_sources"
ANCHORS = DATASET / "anchor_essays"
STUDENTS = DATASET / "student_essays"
LEGACY_GRADES = ("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A")
ESSAY_SUFFIXES = frozenset({".txt", ".md", ".docx", ".pdf"})
MIN_WORDS, MAX_WORDS = 100, 800
STUDENT_NAME = re.compile(r"student_\d{2}_[a-z0-9_]+")


def essay_files(folder: Path) -> tuple[Path, ...]:
    """Every essay file in ``folder``, sorted by name."""
    return tuple(sorted(p for p in folder.iterdir() if p.suffix in ESSAY_SUFFIXES))


ALL_ESSAYS = essay_files(ANCHORS) + essay_files(STUDENTS)
BINARY_ESSAYS = tuple(p for p in ALL_ESSAYS if p.suffix in {".docx", ".pdf"})


def extract_text(path: Path) -> str:
    """Plain text of an essay, extracted the way SPEC §3 prescribes for its format."""
    if path.suffix == ".docx":
        return "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return path.read_bytes().decode("utf-8")


def words(text: str) -> list[str]:
    """Whitespace-separated words of ``text``."""
    return text.split()


def read_anchor_rows() -> list[dict[str, str]]:
    """Rows of ``anchors.csv``."""
    with (DATASET / "anchors.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["anchor_id", "grade", "notes"]
        return list(reader)


@pytest.mark.parametrize("name", ["instructions.md", "prompt.md", "README.md"])
def test_top_level_documents_are_non_empty_utf8(name: str) -> None:
    text = (DATASET / name).read_bytes().decode("utf-8")
    assert len(words(text)) >= 50


def test_anchors_csv_covers_each_legacy_grade_once() -> None:
    rows = read_anchor_rows()
    grades = [row["grade"] for row in rows]
    assert sorted(grades) == sorted(LEGACY_GRADES)
    assert all(row["notes"].strip() for row in rows)


def test_anchor_csv_ids_match_anchor_files_by_stem() -> None:
    rows = read_anchor_rows()
    stems = [p.stem for p in essay_files(ANCHORS)]
    assert len(stems) == len(set(stems)) == len(LEGACY_GRADES)
    assert sorted(row["anchor_id"] for row in rows) == sorted(stems)
    for row in rows:
        assert row["anchor_id"] == f"anchor_{row['grade']}"


def test_there_are_enough_well_named_students() -> None:
    students = essay_files(STUDENTS)
    assert len(students) >= 12
    assert len({p.stem for p in students}) == len(students)
    for path in students:
        assert STUDENT_NAME.fullmatch(path.stem), path.name


@pytest.mark.parametrize("folder", [ANCHORS, STUDENTS], ids=["anchors", "students"])
def test_each_folder_has_docx_and_pdf(folder: Path) -> None:
    suffixes = {p.suffix for p in essay_files(folder)}
    assert {".docx", ".pdf"} <= suffixes


def test_dataset_has_markdown_and_only_essay_files() -> None:
    assert any(p.suffix == ".md" for p in ALL_ESSAYS)
    for folder in (ANCHORS, STUDENTS):
        assert {p.suffix for p in folder.iterdir()} <= ESSAY_SUFFIXES


@pytest.mark.parametrize("path", ALL_ESSAYS, ids=lambda p: p.name)
def test_essay_extracts_to_a_plausible_length(path: Path) -> None:
    assert path.stat().st_size > 0
    text = extract_text(path)
    assert MIN_WORDS <= len(words(text)) <= MAX_WORDS, len(words(text))
    # Glued words (a broken extraction) show up as implausibly long tokens.
    longest = max(words(text), key=len)
    assert len(longest) <= 25, longest


@pytest.mark.parametrize("path", BINARY_ESSAYS, ids=lambda p: p.name)
def test_binary_essay_text_matches_its_source(path: Path) -> None:
    source = SOURCES / path.parent.name / f"{path.stem}.txt"
    expected = source.read_text(encoding="utf-8")
    assert words(extract_text(path)) == words(expected)


def test_anchor_length_tracks_the_grade() -> None:
    counts = {p.stem: len(words(extract_text(p))) for p in essay_files(ANCHORS)}
    assert min(counts, key=counts.__getitem__) == "anchor_F+"
    assert max(counts, key=counts.__getitem__) == "anchor_A"


def shingles(text: str, size: int = 5) -> frozenset[tuple[str, ...]]:
    """Lower-cased word ``size``-grams of ``text``."""
    tokens = [re.sub(r"\W", "", w.lower()) for w in words(text)]
    return frozenset(zip(*(tokens[i:] for i in range(size)), strict=False))


def test_no_two_essays_are_near_duplicates() -> None:
    grams = {p.name: shingles(extract_text(p)) for p in ALL_ESSAYS}
    for (name_a, a), (name_b, b) in itertools.combinations(grams.items(), 2):
        overlap = len(a & b) / len(a | b)
        assert overlap < 0.1, (name_a, name_b, overlap)
