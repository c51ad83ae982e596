"""Rough edges a new user hit on the command line (issue 8): help, bad labels, bad folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("verify", "--help"),
        ("analyse", "--help"),
        ("report", "--help"),
        ("stack", "up", "--help"),
        ("stack", "cj-service", "--help"),
        ("compare", "--help"),
        ("sweep", "--help"),
        ("assignment", "setup", "--help"),
        ("anchors", "register", "--help"),
    ],
)
def test_help_reads_at_80_columns(invoke: Invoke, args: tuple[str, ...]) -> None:
    result = invoke(*args, env={"COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "--no-no-" not in result.output
    assert "--no-local-stack" not in result.output  # every flag is off by default: no twin
    assert "<bool>" not in result.output
    assert "…" not in result.output, result.output  # nothing cut off mid-word
    assert all(len(line) <= 80 for line in result.output.splitlines()), result.output


def test_help_shows_choices_in_the_case_they_are_accepted(invoke: Invoke) -> None:
    output = invoke("--help", env={"COLUMNS": "80"}).output
    text = " ".join(output.replace("│", " ").split())  # the help as prose, boxes removed
    # The course codes are sent upper-case and were listed lower-case beside "default: ENG5".
    assert "ENG5, ENG6, ENG7, SV1, SV2 or SV3" in text
    assert "eng5|" not in text
    assert "--local-stack" in text
    assert "always collects" in text


def test_validation_messages_have_no_pydantic_prefix(invoke: Invoke) -> None:
    result = invoke("--batch-id", "has space")
    assert result.exit_code == 2
    assert "Value error" not in result.output
    assert "error: --batch-id: must be 1-64 characters" in result.output


@pytest.mark.parametrize("label", [".", ".."])
def test_a_batch_label_must_name_a_folder_inside_the_runs_folder(
    invoke: Invoke, tmp_path: Path, label: str
) -> None:
    # Issue 8: "." wrote into ./eng5_runs itself and ".." into the working directory.
    result = invoke("--mode", "dry-run", "--batch-id", label)
    assert result.exit_code == 2, result.output
    assert "--batch-id" in result.output
    assert "Value error" not in result.output
    assert not (tmp_path / "eng5_runs").exists()
    assert not (tmp_path / "assessment_run.dry-run.json").exists()


@pytest.mark.parametrize("mode", ["dry-run", "execute"])
def test_an_output_dir_that_is_a_file_is_exit_2_before_anything_starts(
    invoke: Invoke, tmp_path: Path, mode: str
) -> None:
    existing = tmp_path / "results.txt"
    existing.write_text("keep me", encoding="utf-8")
    result = invoke("--mode", mode, "--local-stack", "--output-dir", existing)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: --output-dir {existing} is a file, not a folder")
    assert "local stack started" not in result.output
    assert existing.read_text(encoding="utf-8") == "keep me"


def test_republish_with_a_local_stack_is_exit_2_before_anything_starts(
    invoke: Invoke, tmp_path: Path
) -> None:
    """A --local-stack batch is gone with its stack: nothing to publish again (issue 14)."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "state.json").write_text("{}", encoding="utf-8")
    result = invoke("--mode", "execute", "--local-stack", "--republish", "--output-dir", run_dir)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: --republish cannot apply with --local-stack")
    assert "local stack started" not in result.output
    assert (run_dir / "state.json").is_file()  # not set aside either
