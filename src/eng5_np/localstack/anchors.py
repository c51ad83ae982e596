"""The reference CJ service's anchor registry: expert grade by SHA-256 of the anchor text.

The platform keeps its own registry of graded anchors; the local stack stands in for it by
reading a dataset folder (``anchors.csv`` + ``anchor_essays/``) once at start. A request's
essay is an anchor when the SHA-256 of its text (as fetched from the Content Service) is
in the registry, so matching works for any run — whatever essay ids the runner derived,
also for a run started from another terminal.

The checksum must be of the text exactly as the runner uploads it: the extracted text
(:func:`eng5_np.dataset.extract_text`) encoded as UTF-8, the same as
:func:`eng5_np.dataset.inventory.sha256_text`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from eng5_np.dataset.anchor_grades import read_grade_table
from eng5_np.dataset.extract import SUPPORTED_SUFFIXES, ExtractionError, extract_text
from eng5_np.dataset.inventory import ANCHOR_DIR
from eng5_np.hashing import sha256_text

__all__ = ["AnchorEntry", "AnchorRegistry"]


@dataclass(frozen=True)
class AnchorEntry:
    """One graded anchor the registry knows."""

    sha256: str
    """SHA-256 hex of the anchor's extracted UTF-8 text."""
    grade: str
    """The grade as written in the grade table (normalised onto a scale per request)."""
    anchor_id: str
    """The anchor's id in the grade table (the file stem)."""
    source_path: str
    """Path of the anchor file relative to the dataset folder."""


@dataclass(frozen=True)
class AnchorRegistry:
    """Anchor grades keyed by the SHA-256 of the anchor text."""

    entries: Mapping[str, AnchorEntry] = field(default_factory=dict)
    """Entries by text SHA-256."""
    problems: tuple[str, ...] = ()
    """Anchor files that could not be registered, one line each (for the stack's log)."""

    @classmethod
    def from_dataset(cls, dataset_dir: Path) -> AnchorRegistry:
        """Register every readable, graded file of ``dataset_dir/anchor_essays``.

        Problems (no grade row, unreadable file, missing table) are collected in
        ``problems`` rather than raised: a registry with some anchors is still useful.
        """
        table = read_grade_table(dataset_dir)
        problems = list(table.problems)
        entries: dict[str, AnchorEntry] = {}
        directory = dataset_dir / ANCHOR_DIR
        paths = sorted(directory.iterdir()) if directory.is_dir() else []
        if not directory.is_dir():
            problems.append(f"{ANCHOR_DIR}/: missing in {dataset_dir}")
        for path in paths:
            if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            relative = f"{ANCHOR_DIR}/{path.name}"
            row = table.lookup(path.stem)
            if row is None:
                problems.append(f"{relative}: no grade row in the anchor table; not registered")
                continue
            try:
                text = extract_text(path)
            except (ExtractionError, OSError) as error:
                problems.append(f"{relative}: {error}; not registered")
                continue
            digest = sha256_text(text)
            entries[digest] = AnchorEntry(
                sha256=digest, grade=row.grade, anchor_id=row.anchor_id, source_path=relative
            )
        return cls(entries=entries, problems=tuple(problems))

    def lookup(self, sha256: str) -> AnchorEntry | None:
        """The anchor whose text has this SHA-256, if registered."""
        return self.entries.get(sha256)

    def lookup_text(self, text: str) -> AnchorEntry | None:
        """The anchor with exactly this text, if registered."""
        return self.entries.get(sha256_text(text))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[AnchorEntry]:
        return iter(self.entries.values())
