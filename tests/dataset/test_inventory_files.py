"""Dataset files must be regular files inside the dataset folder (issue 8 chaos run): links
are never followed and each one skipped says so; hidden files are listed, not silent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from eng5_np.dataset.inventory import Inventory, build_inventory
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName
from eng5_np.settings import bundled_sample_dataset

SCALE = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return Path(shutil.copytree(bundled_sample_dataset(), tmp_path / "dataset"))


def inventory_of(dataset_dir: Path) -> Inventory:
    return build_inventory(dataset_dir, SCALE, "3f1c9a2e-8d4b-4c1e-9a7f-0123456789ab")


def test_a_link_to_a_system_file_is_skipped_with_a_line_not_read(
    dataset: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (dataset / "student_essays" / "student_99_passwd.txt").symlink_to(secret)
    # A link to another essay inside the folder is refused as well: never followed.
    inside = dataset / "student_essays" / "student_98_alias.txt"
    inside.symlink_to(dataset / "student_essays" / "student_01_phones.txt")

    inventory = inventory_of(dataset)

    texts = [essay.text for essay in inventory.essays]
    assert not any("root:x:0:0" in text for text in texts)
    files = {essay.file_name for essay in inventory.essays}
    assert "student_99_passwd.txt" not in files
    assert "student_98_alias.txt" not in files
    skipped = [w for w in inventory.warnings if "symbolic link" in w]
    assert sorted(w.split(":")[0] for w in skipped) == [
        "student_essays/student_98_alias.txt",
        "student_essays/student_99_passwd.txt",
    ]
    assert inventory.problems == []  # the rest of the dataset is still usable


def test_a_linked_prompt_is_a_problem(dataset: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "prompt.md"
    shutil.move(dataset / "prompt.md", elsewhere)
    (dataset / "prompt.md").symlink_to(elsewhere)
    inventory = inventory_of(dataset)
    assert inventory.prompt is None
    assert any(p.startswith("prompt.md: a symbolic link") for p in inventory.problems)


def test_a_fifo_is_skipped_without_reading_it(dataset: Path) -> None:
    fifo = dataset / "student_essays" / "student_97_pipe.txt"
    os.mkfifo(fifo)  # reading it would block the run forever
    inventory = inventory_of(dataset)
    assert any(
        w.startswith("student_essays/student_97_pipe.txt: skipped; not a regular file")
        for w in inventory.warnings
    )


def test_hidden_files_are_listed_not_silently_skipped(dataset: Path) -> None:
    (dataset / "student_essays" / ".DS_Store").write_bytes(b"\x00\x01")
    (dataset / "anchor_essays" / ".draft_anchor.txt").write_text("draft", encoding="utf-8")
    inventory = inventory_of(dataset)
    assert inventory.skipped == [
        "anchor_essays/.draft_anchor.txt: hidden, skipped",
        "student_essays/.DS_Store: hidden, skipped",
    ]
    assert inventory.problems == []


def test_editor_lock_and_temporary_files_are_listed_and_skipped(dataset: Path) -> None:
    # Word's lock file for an open document is not a .docx package: reading it raised
    # PackageNotFoundError and blocked the whole dataset (issue 14).
    (dataset / "student_essays" / "~$udent_01_phones.docx").write_bytes(b"\x0bJane Doe" + b" " * 40)
    (dataset / "student_essays" / ".~lock.student_02.docx#").write_text(
        "Jane,host,/home/jane,07.12.2026 10:00;", encoding="utf-8"
    )
    (dataset / "anchor_essays" / "autosave.TMP").write_bytes(b"\x00")
    inventory = inventory_of(dataset)
    assert inventory.problems == []
    assert inventory.skipped == [
        "anchor_essays/autosave.TMP: editor lock or temporary file, skipped",
        "student_essays/.~lock.student_02.docx#: editor lock or temporary file, skipped",
        "student_essays/~$udent_01_phones.docx: editor lock or temporary file, skipped",
    ]
    assert not any(essay.file_name.startswith("~$") for essay in inventory.essays)
