"""Provenance (SPEC §6.2): git_sha is a real SHA in a checkout, ``unknown`` elsewhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from eng5_np import __version__
from eng5_np.artefact.provenance import GitState, cli_environment, git_state, package_versions
from eng5_np.artefact.schema import validate_document, validation_errors
from eng5_np.settings import bundled_sample_dataset

GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CEILING_DIRECTORIES")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Inherited git variables would point every command at some other repository, and a
    # repository above tmp_path would make the "not a checkout" case find it.
    for name in GIT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a throwaway identity; return stdout."""
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh git repository with one commit of one tracked file."""
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    (folder / "tracked.txt").write_text("v1\n", encoding="utf-8")
    git(folder, "add", "tracked.txt")
    git(folder, "commit", "-q", "-m", "first")
    return folder


def artefact_with(git: GitState) -> dict[str, object]:
    """A dry-run artefact document (from a real CLI run's builder) carrying ``git``."""
    from eng5_np.artefact.builder import (
        NO_STACK,
        RunStatus,
        assemble,
        build_inputs,
        build_metadata,
        build_validation,
    )
    from eng5_np.artefact.checksum import compute_checksum
    from eng5_np.dataset.inventory import build_inventory
    from eng5_np.reference.grades import GRADE_SCALES
    from eng5_np.settings import RunMode, RunSettings

    settings = RunSettings(mode=RunMode.DRY_RUN, batch_id="provenance-test")
    wire = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    inventory = build_inventory(bundled_sample_dataset(), GRADE_SCALES[settings.grade_scale], wire)
    document = assemble(
        build_metadata(
            settings, inventory, wire_batch_id=wire, stack=NO_STACK, llm_config_overrides=None
        ),
        build_inputs(inventory),
        build_validation(Path("does-not-exist"), RunStatus(mode=settings.mode)),
    )
    document["metadata"]["git_sha"] = git.sha
    document["metadata"]["git_dirty"] = git.dirty
    document["validation"]["artefact_checksum"] = compute_checksum(document)
    return document


def test_not_a_checkout_gives_unknown(tmp_path: Path) -> None:
    state = git_state(tmp_path)
    assert state == GitState(sha="unknown", dirty=None)
    validate_document(artefact_with(state))


def test_checkout_gives_the_head_sha(repo: Path) -> None:
    state = git_state(repo)
    assert state.sha == git(repo, "rev-parse", "HEAD")
    assert re.fullmatch(r"[0-9a-f]{40}", state.sha)
    assert state.dirty is False
    validate_document(artefact_with(state))


def test_subfolder_of_a_checkout_finds_it(repo: Path) -> None:
    (repo / "src").mkdir()
    assert git_state(repo / "src").sha == git(repo, "rev-parse", "HEAD")


def test_modified_tracked_file_makes_it_dirty(repo: Path) -> None:
    (repo / "untracked.txt").write_text("new\n", encoding="utf-8")
    assert git_state(repo).dirty is False, "untracked files do not count"
    (repo / "tracked.txt").write_text("v2\n", encoding="utf-8")
    state = git_state(repo)
    assert state.dirty is True
    validate_document(artefact_with(state))


def test_repository_without_commits_gives_unknown(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert git_state(tmp_path) == GitState(sha="unknown", dirty=None)


def test_missing_git_binary_gives_unknown(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin-here"))
    assert git_state(repo) == GitState(sha="unknown", dirty=None)


def test_schema_accepts_only_these_git_values() -> None:
    for bad in ("", "UNKNOWN", "abc", "g" * 40, "a" * 41):
        document = artefact_with(GitState(sha=bad, dirty=None))
        assert validation_errors(document), bad


def test_package_versions_and_environment() -> None:
    versions = package_versions()
    assert versions["eng5-runner"] == __version__
    assert {"pydantic", "jsonschema", "typer"} <= set(versions)
    environment = cli_environment()
    assert environment["runner_version"] == __version__
    assert re.fullmatch(r"3\.\d+\.\d+", environment["python"])
