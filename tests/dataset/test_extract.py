"""Text extraction (SPEC §3): real .txt/.md/.docx/.pdf files in, plain UTF-8 text out."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from eng5_np.dataset.extract import ExtractionError, extract_text

PARAGRAPHS = (
    "Mobile phones should not be banned in school.",
    "They help students look things up and stay in touch with their families.",
)


def write_docx(path: Path, paragraphs: tuple[str, ...]) -> Path:
    """A real .docx written with python-docx."""
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def write_pdf(path: Path, pages: tuple[tuple[str, ...], ...]) -> Path:
    """A real .pdf written with fpdf2, one page per entry, one line per string."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.output(str(path))
    return path


def test_txt_is_decoded_and_normalised(tmp_path: Path) -> None:
    path = tmp_path / "essay.txt"
    path.write_bytes("\ufeffFirst line   \r\nSecond línë\rThird\n\n\n".encode())
    assert extract_text(path) == "First line\nSecond línë\nThird\n"


def test_md_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "essay.MD"
    path.write_text("# Title\n\nBody text.", encoding="utf-8")
    assert extract_text(path) == "# Title\n\nBody text.\n"


def test_docx_paragraphs_become_lines(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "essay.docx", PARAGRAPHS)
    assert extract_text(path) == "\n".join(PARAGRAPHS) + "\n"


def test_pdf_text_of_every_page_is_returned(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "essay.pdf", ((PARAGRAPHS[0],), (PARAGRAPHS[1],)))
    text = extract_text(path)
    assert PARAGRAPHS[0] in text
    assert PARAGRAPHS[1] in text
    assert text.index(PARAGRAPHS[0]) < text.index(PARAGRAPHS[1])
    assert "\n\n" in text, "pages are separated by a blank line"


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ExtractionError, match="file is empty"):
        extract_text(path)


def test_whitespace_only_file_has_no_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match="no text"):
        extract_text(path)


def test_non_utf8_text_names_the_byte_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 culture".encode("latin-1"))
    with pytest.raises(ExtractionError) as info:
        extract_text(path)
    message = str(info.value)
    assert "not valid UTF-8" in message
    assert "0xe9" in message
    assert "offset 3" in message
    assert "UTF-8" in message


@pytest.mark.parametrize("name", ["essay.rtf", "essay", "essay.doc"])
def test_unsupported_type_is_refused_with_the_supported_list(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("text", encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"unsupported file type.*\.txt, \.md, \.docx"):
        extract_text(path)


def test_garbage_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.docx"
    path.write_bytes(b"this is not a zip archive at all")
    with pytest.raises(ExtractionError, match=r"not a readable \.docx"):
        extract_text(path)


def test_zip_that_is_not_a_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ExtractionError, match=r"not a readable \.docx"):
        extract_text(path)


def test_truncated_docx_is_refused(tmp_path: Path) -> None:
    good = write_docx(tmp_path / "good.docx", PARAGRAPHS)
    path = tmp_path / "truncated.docx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ExtractionError, match=r"not a readable \.docx"):
        extract_text(path)


def test_docx_without_text_is_refused(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "blank.docx", ("", "   "))
    with pytest.raises(ExtractionError, match="no text"):
        extract_text(path)


def test_corrupt_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(ExtractionError, match=r"not a readable \.pdf"):
        extract_text(path)


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text("word " * 100, encoding="utf-8")
    with pytest.raises(ExtractionError) as info:
        extract_text(path, max_bytes=100)
    assert str(info.value) == "file is 500 bytes, more than the limit of 100 bytes"


def test_file_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "exact.txt"
    path.write_text("x" * 99 + "\n", encoding="utf-8")
    assert extract_text(path, max_bytes=100) == "x" * 99 + "\n"
