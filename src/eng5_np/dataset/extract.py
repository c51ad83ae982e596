"""Text extraction for essay files: what is uploaded is always plain UTF-8 text.

.txt/.md are decoded as strict UTF-8 (a leading BOM is dropped), .docx via python-docx
(paragraph text, one paragraph per line), .pdf via pypdf (page text, pages separated by a
blank line). Every failure is an :class:`ExtractionError` whose message names the problem in
words a user can act on; the caller adds the file name.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf"})

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
"""Files larger than this are refused before they are read (SPEC §10: upload size bounded)."""


class ExtractionError(ValueError):
    """A file could not be turned into non-empty UTF-8 text."""


def extract_text(path: Path, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str:
    """Return the plain text of ``path``; raise :class:`ExtractionError` when impossible."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ExtractionError(
            f"unsupported file type {suffix or '(none)'}; use .txt, .md, .docx or .pdf"
        )
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("file is empty")
    if size > max_bytes:
        raise ExtractionError(f"file is {size} bytes, more than the limit of {max_bytes} bytes")
    if suffix in {".txt", ".md"}:
        text = _decode_utf8(path.read_bytes())
    elif suffix == ".docx":
        text = _docx_text(path)
    else:
        text = _pdf_text(path)
    text = _normalise(text)
    if not text.strip():
        raise ExtractionError("file contains no text")
    return text


def _decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8"
        ) from None


def _docx_text(path: Path) -> str:
    import docx  # python-docx; imported lazily because it is slow to import

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionError(f"not a readable .docx file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # python-docx raises assorted errors on corrupt packages
        raise ExtractionError(f"not a readable .docx file ({type(exc).__name__})") from None
    paragraphs: list[str] = [p.text for p in document.paragraphs]
    return "\n".join(paragraphs)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise ExtractionError("the .pdf is encrypted; export an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise ExtractionError(f"not a readable .pdf file ({exc})") from None
    except ExtractionError:
        raise
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise ExtractionError(f"not a readable .pdf file ({type(exc).__name__})") from None
    return "\n\n".join(page.strip() for page in pages)


def _normalise(text: str) -> str:
    """Unify line endings and trim trailing whitespace so checksums are stable."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"
