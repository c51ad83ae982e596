"""Atomic writes honour the umask; a killed writer's temporary files are cleared next run."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from eng5_np.errors import UsageError
from eng5_np.logs import detach_run_log
from eng5_np.modes.common import prepare_run_folder
from eng5_np.primitives.atomic import atomic_write_bytes, remove_stale_temp_files
from eng5_np.settings import RunMode, RunSettings


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask after a test changes it."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_get_the_mode_the_umask_allows(
    tmp_path: Path, umask: None, mask: int, mode: int
) -> None:
    # Issue 8: artefacts were always 0600 (mkstemp), whatever the umask; they are made to share.
    os.umask(mask)
    target = tmp_path / "assessment_run.execute.json"
    atomic_write_bytes(target, b"{}\n")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    atomic_write_bytes(target, b"{}\n")  # replacing keeps the same rule
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_stale_temp_files_are_removed_and_nothing_else(tmp_path: Path) -> None:
    debris = [
        tmp_path / ".assessment_run.execute.json.k2j4_9xa.tmp",  # mkstemp's name (before)
        tmp_path / ".state.json.0123456789ab.tmp",  # this module's name
    ]
    kept = [
        tmp_path / "assessment_run.execute.json",
        tmp_path / "notes.tmp",
        tmp_path / ".hidden",
    ]
    for path in [*debris, *kept]:
        path.write_bytes(b"x")
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(removed) == sorted(debris)
    assert all(p.exists() for p in kept)
    assert not any(p.exists() for p in debris)


def test_a_new_run_of_the_folder_clears_a_killed_writers_debris(tmp_path: Path) -> None:
    # Issue 8: SIGKILL during the final write left .assessment_run.execute.json.*.tmp behind.
    run = tmp_path / "run"
    (run / "requests").mkdir(parents=True)
    left = [
        run / ".assessment_run.execute.json.a1b2c3d4.tmp",
        run / "requests" / ".els_cj_assessment_request.json.a1b2c3d4e5f6.tmp",
    ]
    for path in left:
        path.write_bytes(b"{half")
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=run, batch_id="debris")
    prepare_run_folder(settings, "wire-id")
    assert not any(p.exists() for p in left)


def test_an_output_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=existing, batch_id="file")
    with pytest.raises(UsageError) as raised:
        prepare_run_folder(settings, "wire-id")
    assert raised.value.exit_code == 2
    assert str(existing) in raised.value.message
    assert existing.read_text() == "mine"
