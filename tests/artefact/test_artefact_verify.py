"""Verifying an artefact (SPEC §6.4): schema, checksum and every manifest file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.verify import verify_artefact
from eng5_np.artefact.writer import seal_and_write
from eng5_np.errors import ArtefactUnreadable

ARTEFACT = "assessment_run.dry-run.json"


@pytest.fixture
def artefact(run_dir: Path, stub_document: dict[str, Any]) -> Path:
    """A sealed artefact in ``run_dir`` listing its request and events files."""
    path = run_dir / ARTEFACT
    seal_and_write(path, stub_document)
    return path


def flip_one_byte(path: Path, old: bytes, new: bytes) -> None:
    """Replace the first occurrence of the one byte ``old`` with ``new``."""
    data = path.read_bytes()
    index = data.index(old)
    path.write_bytes(data[:index] + new + data[index + 1 :])


def test_fresh_artefact_verifies(artefact: Path) -> None:
    report = verify_artefact(artefact)
    assert report.problems == []
    assert report.ok
    assert report.checked_files == 2


def test_one_byte_change_in_the_artefact_is_caught(artefact: Path) -> None:
    # Swap the case of one letter inside the prompt text: still valid JSON, one byte different.
    data = artefact.read_bytes()
    start = data.index(b'"prompt_reference"')
    index = next(
        i for i in range(data.index(b'"content"', start) + 12, len(data)) if chr(data[i]).isalpha()
    )
    artefact.write_bytes(data[:index] + bytes([data[index] ^ 0x20]) + data[index + 1 :])
    assert len(artefact.read_bytes()) == len(data)
    report = verify_artefact(artefact)
    assert not report.ok
    assert len(report.problems) == 1
    assert report.problems[0].startswith("checksum: artefact_checksum is ")


def test_reindented_artefact_still_verifies(artefact: Path) -> None:
    document = json.loads(artefact.read_bytes())
    artefact.write_text(json.dumps(document, indent=None, ensure_ascii=True), encoding="utf-8")
    assert verify_artefact(artefact).ok


@pytest.mark.parametrize(
    "rel", ["events/comparisons.jsonl", "requests/els_cj_assessment_request.json"]
)
def test_one_byte_change_in_a_manifest_file_is_caught(artefact: Path, rel: str) -> None:
    flip_one_byte(artefact.parent / rel, b"e", b"E")
    report = verify_artefact(artefact)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"manifest: {rel} changed")


def test_missing_manifest_file_is_caught(artefact: Path) -> None:
    (artefact.parent / "events" / "comparisons.jsonl").unlink()
    assert verify_artefact(artefact).problems == ["manifest: events/comparisons.jsonl is missing"]


def test_schema_violation_is_reported_even_with_a_matching_checksum(
    run_dir: Path, stub_document: dict[str, Any]
) -> None:
    from eng5_np.artefact.checksum import compute_checksum

    stub_document["metadata"]["git_sha"] = "not-a-sha"
    stub_document["validation"]["artefact_checksum"] = compute_checksum(stub_document)
    path = run_dir / ARTEFACT
    path.write_text(json.dumps(stub_document), encoding="utf-8")
    report = verify_artefact(path)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("schema: metadata/git_sha")


def test_manifest_entry_pointing_outside_is_refused(
    run_dir: Path, stub_document: dict[str, Any], tmp_path: Path
) -> None:
    from eng5_np.artefact.checksum import compute_checksum

    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    stub_document["validation"]["manifest"] = [
        {"path": "events/../../secret.txt", "sha256": "0" * 64, "bytes": 1}
    ]
    stub_document["validation"]["artefact_checksum"] = compute_checksum(stub_document)
    path = run_dir / ARTEFACT
    path.write_text(json.dumps(stub_document), encoding="utf-8")
    problems = verify_artefact(path).problems
    assert "manifest: events/../../secret.txt points outside the run folder" in problems
    assert any(p.startswith("schema: validation/manifest/0/path") for p in problems)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "not found"),
        (b"{not json", "not a JSON artefact"),
        (b"[1, 2]", "not a JSON artefact"),
    ],
)
def test_unreadable_files_are_usage_errors_not_changed_artefacts(
    tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    # Issue 8: a wrong path was reported as a changed artefact (exit 1).
    path = tmp_path / ARTEFACT
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ArtefactUnreadable) as raised:
        verify_artefact(path)
    assert raised.value.exit_code == 2
    assert fragment in raised.value.message
    assert str(path) in raised.value.message
