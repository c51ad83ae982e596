"""Atomic, schema-checked artefact writes: no half-written file, no leftover temp file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.checksum import compute_checksum
from eng5_np.artefact.writer import seal_and_write
from eng5_np.errors import ArtefactInvalid
from eng5_np.primitives.atomic import atomic_write_bytes


def leftovers(folder: Path) -> list[str]:
    """Temporary files the writer may have left behind."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_seal_and_write_sets_the_checksum_and_writes_the_document(
    run_dir: Path, stub_document: dict[str, Any]
) -> None:
    path = run_dir / "assessment_run.dry-run.json"
    checksum = seal_and_write(path, stub_document)
    assert stub_document["validation"]["artefact_checksum"] == checksum
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == stub_document
    assert compute_checksum(on_disk) == checksum
    assert path.read_bytes().endswith(b"}\n")
    assert leftovers(run_dir) == []


def test_invalid_document_is_not_written(run_dir: Path, stub_document: dict[str, Any]) -> None:
    path = run_dir / "assessment_run.dry-run.json"
    seal_and_write(path, copy.deepcopy(stub_document))
    good = path.read_bytes()
    stub_document["metadata"]["git_sha"] = "nope"
    with pytest.raises(ArtefactInvalid, match="metadata/git_sha"):
        seal_and_write(path, stub_document)
    assert path.read_bytes() == good, "the previous artefact must survive a failed write"
    assert leftovers(run_dir) == []


def test_atomic_write_replaces_and_creates_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "file.json"
    atomic_write_bytes(path, b"first")
    atomic_write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert leftovers(tmp_path) == []


def test_failed_rename_leaves_no_temp_file(tmp_path: Path) -> None:
    # A folder in the way makes the final rename fail after the temp file was written.
    path = tmp_path / "artefact.json"
    path.mkdir()
    (path / "keep").write_bytes(b"x")
    with pytest.raises(IsADirectoryError):
        atomic_write_bytes(path, b"payload")
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artefact.json"]
