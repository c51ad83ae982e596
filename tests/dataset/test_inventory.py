"""Dataset inventory (SPEC §3) on the bundled sample and on broken copies of it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from fpdf import FPDF

from eng5_np.dataset.ids import ID_PATTERN, EssayRole
from eng5_np.dataset.inventory import Inventory, build_inventory
from eng5_np.errors import DatasetError
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName
from eng5_np.settings import bundled_sample_dataset

LEGACY = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
NATIONAL = GRADE_SCALES[GradeScaleName.NATIONAL_9_STEP]
WIRE_ID = "6a1f3c52-0d7e-4b8a-9c3e-5f2a1b0c9d8e"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A private copy of the bundled sample dataset, safe to break."""
    return Path(shutil.copytree(bundled_sample_dataset(), tmp_path / "dataset"))


def inventory_of(dataset_dir: Path, **kwargs: int) -> Inventory:
    """Inventory on the legacy scale with a fixed wire id."""
    return build_inventory(dataset_dir, LEGACY, WIRE_ID, **kwargs)


def test_sample_dataset_is_usable(dataset: Path) -> None:
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert inventory.warnings == []
    assert len(inventory.anchors) == 9
    assert len(inventory.students) == 14
    assert sorted(a.grade or "" for a in inventory.anchors) == sorted(LEGACY.grades)
    assert all(a.role is EssayRole.ANCHOR for a in inventory.anchors)
    assert all(s.role is EssayRole.STUDENT and s.grade is None for s in inventory.students)
    ids = [e.essay_id for e in inventory.essays]
    assert len(set(ids)) == len(ids)
    assert all(ID_PATTERN.match(i) for i in ids)
    inventory.require_usable()


def test_checksums_and_file_facts_are_real(dataset: Path) -> None:
    inventory = inventory_of(dataset)
    for essay in inventory.essays:
        raw = essay.absolute_path.read_bytes()
        assert essay.file_sha256 == hashlib.sha256(raw).hexdigest()
        assert essay.file_bytes == len(raw)
        assert essay.checksum == hashlib.sha256(essay.text.encode("utf-8")).hexdigest()
        assert essay.source_path == f"{essay.absolute_path.parent.name}/{essay.file_name}"
        assert essay.word_count > 50
    for doc in (inventory.instructions, inventory.prompt):
        assert doc is not None
        assert doc.checksum == hashlib.sha256(doc.content.encode("utf-8")).hexdigest()
        assert doc.content.strip()


def test_docx_and_pdf_essays_are_extracted_not_uploaded_raw(dataset: Path) -> None:
    inventory = inventory_of(dataset)
    binary = [e for e in inventory.essays if e.file_name.endswith((".docx", ".pdf"))]
    assert {Path(e.file_name).suffix for e in binary} == {".docx", ".pdf"}
    for essay in binary:
        assert essay.word_count > 50
        assert not essay.text.startswith(("PK", "%PDF"))
        assert essay.checksum != essay.file_sha256


def test_grades_are_matched_to_files_by_stem(dataset: Path) -> None:
    inventory = inventory_of(dataset)
    by_file = {a.file_name: a for a in inventory.anchors}
    assert by_file["anchor_C-.pdf"].grade == "C-"
    assert by_file["anchor_C+.txt"].grade == "C+"
    assert by_file["anchor_E+.docx"].grade == "E+"
    assert by_file["anchor_C-.pdf"].essay_id != by_file["anchor_C+.txt"].essay_id
    assert by_file["anchor_A.txt"].notes


def test_missing_dataset_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist") as info:
        inventory_of(tmp_path / "nope")
    assert info.value.exit_code == 2


def test_every_problem_is_listed_naming_its_file(dataset: Path) -> None:
    (dataset / "student_essays" / "student_01_phones.txt").write_bytes(b"")
    (dataset / "student_essays" / "student_03_teacher.txt").write_bytes(b"Caf\xe9\n")
    (dataset / "anchor_essays" / "anchor_E+.docx").write_bytes(b"not a docx")
    (dataset / "student_essays" / "notes.rtf").write_text("x", encoding="utf-8")
    csv_path = dataset / "anchors.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines = [
        line.replace("anchor_B,B,", "anchor_B,Z,")
        for line in lines
        if not line.startswith("anchor_A,")
    ]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (dataset / "prompt.md").unlink()

    inventory = inventory_of(dataset)
    problems = "\n".join(inventory.problems)
    assert len(inventory.problems) == 7, problems
    expected = (
        "prompt.md: missing",
        "student_essays/student_01_phones.txt: file is empty",
        "student_essays/student_03_teacher.txt: not valid UTF-8",
        "anchor_essays/anchor_E+.docx: not a readable .docx",
        "student_essays/notes.rtf: unsupported file type",
        "anchor_essays/anchor_A.txt: anchor has no grade in anchors.csv",
        "grade 'Z' of anchor_B is not on eng5_np_legacy_9_step",
    )
    for fragment in expected:
        assert fragment in problems
    assert all("\n" not in p for p in inventory.problems)
    # Unusable files are left out; the rest is still inventoried.
    assert len(inventory.students) == 12
    assert len(inventory.anchors) == 8
    with pytest.raises(DatasetError) as info:
        inventory.require_usable()
    assert info.value.problems == inventory.problems
    assert "(and 6 more, listed above)" in info.value.message


def test_empty_essay_folders_are_problems(dataset: Path) -> None:
    for path in (dataset / "student_essays").iterdir():
        path.unlink()
    shutil.rmtree(dataset / "anchor_essays")
    inventory = inventory_of(dataset)
    assert inventory.problems == [
        "anchor_essays/: missing; create it and put the essays in it",
        "student_essays/: contains no essays (.txt, .md, .docx, .pdf)",
    ]


def test_hidden_files_and_subfolders_are_ignored(dataset: Path) -> None:
    (dataset / "student_essays" / ".DS_Store").write_bytes(b"\x00\x01")
    (dataset / "student_essays" / "drafts").mkdir()
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert len(inventory.students) == 14


def test_same_stem_in_two_formats_is_a_problem(dataset: Path) -> None:
    shutil.copy(
        dataset / "student_essays" / "student_01_phones.txt",
        dataset / "student_essays" / "Student_01_Phones.md",
    )
    inventory = inventory_of(dataset)
    assert len(inventory.problems) == 1
    assert "same name as" in inventory.problems[0]
    assert "Student_01_Phones.md" in inventory.problems[0]
    assert "student_01_phones.txt" in inventory.problems[0]
    assert len(inventory.students) == 14


def test_anchor_without_grade_value_is_reported(dataset: Path) -> None:
    csv_path = dataset / "anchors.csv"
    text = csv_path.read_text(encoding="utf-8")
    csv_path.write_text(text.replace("anchor_B,B,", "anchor_B,,"), encoding="utf-8")
    inventory = inventory_of(dataset)
    assert len(inventory.problems) == 1
    assert "anchors.csv:" in inventory.problems[0]
    assert "anchor_B" in inventory.problems[0]
    assert "no grade" in inventory.problems[0]


def test_grade_on_the_wrong_scale_suggests_the_option(dataset: Path) -> None:
    inventory = build_inventory(dataset, NATIONAL, WIRE_ID)
    assert len(inventory.problems) == 9
    assert all("--grade-scale" in p for p in inventory.problems)


def test_lower_case_grades_are_normalised(dataset: Path) -> None:
    csv_path = dataset / "anchors.csv"
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8").replace("anchor_C+,C+,", "anchor_C+, c+ ,"),
        encoding="utf-8",
    )
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert {a.file_name: a.grade for a in inventory.anchors}["anchor_C+.txt"] == "C+"


def test_orphan_grade_row_is_a_warning(dataset: Path) -> None:
    with (dataset / "anchors.csv").open("a", encoding="utf-8") as handle:
        handle.write("anchor_Z,A,no file\n")
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert len(inventory.warnings) == 1
    assert "anchor_Z" in inventory.warnings[0]


def test_duplicate_text_is_a_warning(dataset: Path) -> None:
    shutil.copy(
        dataset / "student_essays" / "student_01_phones.txt",
        dataset / "student_essays" / "student_99_copy.txt",
    )
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert inventory.warnings == [
        "student_essays/student_99_copy.txt: same text as student_essays/student_01_phones.txt; "
        "both are kept"
    ]


def test_xlsx_grade_table_is_accepted(dataset: Path) -> None:
    csv_path = dataset / "anchors.csv"
    rows = [line.split(",", 2) for line in csv_path.read_text(encoding="utf-8").splitlines()]
    csv_path.unlink()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(dataset / "anchors.xlsx")
    workbook.close()
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert sorted(a.grade or "" for a in inventory.anchors) == sorted(LEGACY.grades)


def test_new_docx_and_pdf_files_are_inventoried(dataset: Path) -> None:
    sentence = "Volunteering teaches young people responsibility and patience."
    document = docx.Document()
    document.add_paragraph(sentence)
    document.save(str(dataset / "student_essays" / "student_20_volunteer.docx"))
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(w=0, text=sentence)
    pdf.output(str(dataset / "student_essays" / "student_21_volunteer.pdf"))
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    texts = {s.file_name: s.text for s in inventory.students}
    assert texts["student_20_volunteer.docx"] == sentence + "\n"
    assert sentence in texts["student_21_volunteer.pdf"]


def test_oversize_essay_is_a_problem(dataset: Path) -> None:
    inventory = inventory_of(dataset, max_file_bytes=2500)
    assert inventory.problems
    assert all("more than the limit of 2500 bytes" in p for p in inventory.problems)


def test_ids_differ_between_runs_but_inventory_hash_does_not(dataset: Path) -> None:
    first = build_inventory(dataset, LEGACY, WIRE_ID)
    second = build_inventory(dataset, LEGACY, "another-wire-id")
    assert not set(first.essay_by_id()) & set(second.essay_by_id())
    assert first.inventory_hash() == second.inventory_hash()


def test_inventory_hash_changes_with_content_and_grades(dataset: Path) -> None:
    before = inventory_of(dataset).inventory_hash()
    path = dataset / "student_essays" / "student_01_phones.txt"
    path.write_text(path.read_text(encoding="utf-8") + "One more sentence.\n", encoding="utf-8")
    after_text = inventory_of(dataset).inventory_hash()
    assert after_text != before
    csv_path = dataset / "anchors.csv"
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8").replace("anchor_B,B,", "anchor_B,A,"),
        encoding="utf-8",
    )
    assert inventory_of(dataset).inventory_hash() != after_text
