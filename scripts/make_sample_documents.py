"""Generate the .docx and .pdf essays of the bundled sample dataset from plain-text sources.

The sources live in ``scripts/sample_sources/<folder>/<stem>.txt`` (outside the dataset, so the
dataset holds each essay exactly once). A source's first paragraph is the essay title; paragraphs
are separated by blank lines. Output is byte-for-byte reproducible: document dates and zip entry
times are fixed.

Usage::

    python scripts/make_sample_documents.py           # (re)write the binaries
    python scripts/make_sample_documents.py --check   # exit 1 if any binary is missing or stale
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from fpdf import FPDF, XPos, YPos

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES_DIR = REPO_ROOT / "scripts" / "sample_sources"
DATASET_DIR = REPO_ROOT / "src" / "eng5_np" / "data" / "sample_dataset"

# A fixed timestamp keeps regenerated files identical, so a rerun shows no diff in git.
FIXED_TIME = datetime(2024, 9, 1, 8, 0, 0, tzinfo=UTC)
ZIP_TIME = (2024, 9, 1, 8, 0, 0)
AUTHOR = "eng5-runner sample dataset"


@dataclass(frozen=True)
class SampleDocument:
    """One essay rendered as a binary document: ``<folder>/<stem>.<kind>``."""

    folder: str
    stem: str
    kind: str  # "docx" or "pdf"

    @property
    def source(self) -> Path:
        """Plain-text source of the essay."""
        return SOURCES_DIR / self.folder / f"{self.stem}.txt"

    @property
    def target(self) -> Path:
        """Where the rendered document goes inside the dataset."""
        return DATASET_DIR / self.folder / f"{self.stem}.{self.kind}"


DOCUMENTS: tuple[SampleDocument, ...] = (
    SampleDocument("anchor_essays", "anchor_E+", "docx"),
    SampleDocument("anchor_essays", "anchor_C-", "pdf"),
    SampleDocument("student_essays", "student_04_beach_litter", "docx"),
    SampleDocument("student_essays", "student_09_fast_fashion", "pdf"),
    SampleDocument("student_essays", "student_12_citizen_science", "docx"),
    SampleDocument("student_essays", "student_14_mental_health", "pdf"),
)


def read_source(path: Path) -> tuple[str, list[str]]:
    """Return ``(title, paragraphs)`` of a source; lines inside a paragraph are joined."""
    text = path.read_text(encoding="utf-8")
    blocks = [" ".join(block.split()) for block in text.split("\n\n")]
    blocks = [block for block in blocks if block]
    if len(blocks) < 2:
        raise ValueError(f"{path}: need a title and at least one paragraph")
    return blocks[0], blocks[1:]


def render_docx(title: str, paragraphs: list[str]) -> bytes:
    """Render an essay as a .docx with fixed metadata and zip timestamps."""
    document = Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    props = document.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = title
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times so identical content gives identical bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def render_pdf(title: str, paragraphs: list[str]) -> bytes:
    """Render an essay as an A4 PDF with a core font (latin-1 text only)."""
    for block in (title, *paragraphs):
        # Core PDF fonts cover latin-1 only; fail loudly instead of writing '?' glyphs.
        block.encode("latin-1")
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_author(AUTHOR)
    pdf.set_title(title)
    pdf.set_margins(left=25, top=25, right=25)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        # Left alignment: justified text uses word spacing that some extractors glue together.
        pdf.multi_cell(0, 6, paragraph, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    return bytes(pdf.output())


def render(document: SampleDocument) -> bytes:
    """Render one sample document from its source."""
    title, paragraphs = read_source(document.source)
    if document.kind == "docx":
        return render_docx(title, paragraphs)
    if document.kind == "pdf":
        return render_pdf(title, paragraphs)
    raise ValueError(f"unknown document kind {document.kind!r}")


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) every sample document; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="verify the binaries are up to date, write nothing"
    )
    args = parser.parse_args(argv)
    stale: list[Path] = []
    for document in DOCUMENTS:
        data = render(document)
        relative = document.target.relative_to(REPO_ROOT)
        if args.check:
            if not document.target.is_file() or document.target.read_bytes() != data:
                stale.append(relative)
            continue
        document.target.parent.mkdir(parents=True, exist_ok=True)
        document.target.write_bytes(data)
        print(f"wrote {relative} ({len(data)} bytes)")
    if stale:
        for path in stale:
            print(f"stale or missing: {path}", file=sys.stderr)
        print("run: python scripts/make_sample_documents.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
