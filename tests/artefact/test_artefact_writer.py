"""Atomic, schema-checked artefact writes: no half-written file, no leftover temp file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.checksum import compute_checksum
from eng5_np.artefact.writer import canonical_list_bytes, seal_and_write
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


def _record(sequence: int) -> dict[str, Any]:
    """A comparison record as the hydrator builds it (text with quotes and non-ASCII)."""
    return {
        "sequence": sequence,
        "request_id": f"req-{sequence}",
        "correlation_id": "00000000-0000-4000-8000-000000000001",
        "essay_a_id": "A",
        "essay_b_id": "B",
        "winner_id": "A",
        "loser_id": "B",
        "prompt_hash": "0" * 64,
        "provider": "mock",
        "model": "m",
        "tokens_prompt": 1,
        "tokens_completion": 2,
        "tokens_total": 3,
        "cost_usd": 0.25,
        "response_time_ms": 7,
        "started_at": "2026-12-07T00:00:00+00:00",
        "completed_at": "2026-12-07T00:00:01+00:00",
        "status": "succeeded",
        "confidence": 4.0,
        "justification": 'says "llm_comparisons":[] and ünïcode',
    }


def test_records_serialised_once_give_the_same_file_and_checksum(
    run_dir: Path, stub_document: dict[str, Any]
) -> None:
    stub_document["llm_comparisons"] = [_record(1), _record(2)]
    whole, spliced = run_dir / "whole.json", run_dir / "spliced.json"
    expected = seal_and_write(whole, copy.deepcopy(stub_document), validate=False)
    records = canonical_list_bytes(stub_document["llm_comparisons"])
    checksum = seal_and_write(spliced, stub_document, validate=False, comparisons_json=records)
    assert checksum == expected
    assert spliced.read_bytes() == whole.read_bytes()
    assert compute_checksum(json.loads(spliced.read_bytes())) == checksum


def test_a_second_comparisons_key_falls_back_to_serialising_everything(
    run_dir: Path, stub_document: dict[str, Any]
) -> None:
    # The splice needs the empty list's text to be unique; a nested key of that name is not.
    stub_document["llm_comparisons"] = [_record(1)]
    stub_document["inputs"]["llm_comparisons"] = []
    whole, spliced = run_dir / "whole.json", run_dir / "spliced.json"
    expected = seal_and_write(whole, copy.deepcopy(stub_document), validate=False)
    stale = canonical_list_bytes([_record(9)])  # bytes that would be wrong if spliced in
    assert seal_and_write(spliced, stub_document, validate=False, comparisons_json=stale) == (
        expected
    )
    assert spliced.read_bytes() == whole.read_bytes()
