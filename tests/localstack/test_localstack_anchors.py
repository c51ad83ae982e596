"""The anchor registry matches anchors by the checksum the runner computes for uploads."""

from __future__ import annotations

import shutil
from pathlib import Path

from eng5_np.dataset import build_inventory
from eng5_np.grades import get_scale
from eng5_np.hashing import sha256_text
from eng5_np.localstack.anchors import AnchorRegistry

SAMPLE = Path(__file__).parents[2] / "src" / "eng5_np" / "data" / "sample_dataset"


def test_registry_keys_are_the_runners_upload_checksums() -> None:
    registry = AnchorRegistry.from_dataset(SAMPLE)
    inventory = build_inventory(SAMPLE, get_scale("eng5_np_legacy_9_step"), "batch-x")
    assert registry.problems == ()
    assert len(registry) == len(inventory.anchors) == 9
    for anchor in inventory.anchors:  # .txt, .md, .docx and .pdf alike
        entry = registry.lookup(anchor.checksum)
        assert entry is not None, anchor.file_name
        assert entry.grade == anchor.grade
        assert entry.source_path == anchor.source_path
        assert registry.lookup_text(anchor.text) == entry
    for student in inventory.students:
        assert registry.lookup(student.checksum) is None
    assert {Path(e.source_path).suffix for e in registry} == {".txt", ".md", ".docx", ".pdf"}


def test_ungraded_or_unreadable_anchors_are_reported_not_registered(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    shutil.copytree(SAMPLE, dataset)
    (dataset / "anchor_essays" / "anchor_extra.txt").write_text("An essay nobody graded.\n")
    (dataset / "anchor_essays" / "anchor_B.txt").write_bytes(b"\xff\xfe not utf-8")
    registry = AnchorRegistry.from_dataset(dataset)
    assert len(registry) == 8
    assert any("anchor_extra.txt" in problem for problem in registry.problems)
    assert any("anchor_B.txt" in problem and "UTF-8" in problem for problem in registry.problems)
    assert registry.lookup_text("An essay nobody graded.\n") is None


def test_missing_dataset_parts_give_an_empty_registry(tmp_path: Path) -> None:
    registry = AnchorRegistry.from_dataset(tmp_path)
    assert len(registry) == 0
    assert len(registry.problems) == 2  # no grade table, no anchor folder
    assert registry.lookup(sha256_text("anything")) is None
