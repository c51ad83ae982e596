"""Artefact checksum and manifest (SPEC §6.4)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from eng5_np.artefact.checksum import (
    ZERO_CHECKSUM,
    build_manifest,
    canonical_bytes,
    compute_checksum,
)


def test_canonical_bytes_are_sorted_compact_utf8() -> None:
    assert canonical_bytes({"b": [1, 2], "a": "é"}) == '{"a":"é","b":[1,2]}'.encode()


def test_checksum_is_sha256_of_the_document_with_zeroed_checksum(
    stub_document: dict[str, Any],
) -> None:
    zeroed = copy.deepcopy(stub_document)
    zeroed["validation"]["artefact_checksum"] = ZERO_CHECKSUM
    expected = hashlib.sha256(
        json.dumps(zeroed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    stub_document["validation"]["artefact_checksum"] = "f" * 64
    before = copy.deepcopy(stub_document)
    assert compute_checksum(stub_document) == expected
    assert stub_document == before, "computing the checksum must not modify the document"


def test_checksum_ignores_layout_but_not_content(stub_document: dict[str, Any]) -> None:
    checksum = compute_checksum(stub_document)
    reparsed = json.loads(json.dumps(stub_document, indent=4))
    assert compute_checksum(reparsed) == checksum
    changed = copy.deepcopy(stub_document)
    content = changed["inputs"]["prompt_reference"]["content"]
    changed["inputs"]["prompt_reference"]["content"] = "X" + content[1:]
    assert compute_checksum(changed) != checksum


def test_manifest_lists_data_files_only(run_dir: Path) -> None:
    (run_dir / "events" / "nested").mkdir()
    (run_dir / "events" / "nested" / "more.jsonl").write_bytes(b"{}\n")
    (run_dir / "events" / ".comparisons.jsonl.1.tmp").write_bytes(b"partial")
    (run_dir / "runner.log.jsonl").write_bytes(b"{}\n")
    (run_dir / "state.json").write_bytes(b"{}")
    manifest = build_manifest(run_dir)
    assert [e["path"] for e in manifest] == [
        "requests/els_cj_assessment_request.json",
        "events/comparisons.jsonl",
        "events/nested/more.jsonl",
    ]
    data = (run_dir / "events" / "comparisons.jsonl").read_bytes()
    assert manifest[1] == {
        "path": "events/comparisons.jsonl",
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }


def test_manifest_of_a_folder_without_data_is_empty(tmp_path: Path) -> None:
    assert build_manifest(tmp_path) == []
