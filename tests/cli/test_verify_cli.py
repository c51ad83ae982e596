"""``eng5-runner verify`` and ``eng5-runner schema``: the artefact checks a reader can run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from eng5_np.artefact.schema import load_schema

Invoke = Callable[..., Result]
"""The ``invoke`` fixture of conftest.py: run eng5-runner in-process."""

ARTEFACT = "assessment_run.dry-run.json"


@pytest.fixture
def artefact(invoke: Invoke, tmp_path: Path) -> Path:
    """A fresh dry-run artefact of the bundled sample dataset."""
    out = tmp_path / "out"
    result = invoke("--mode", "dry-run", "--output-dir", out)
    assert result.exit_code == 0, result.output
    return out / ARTEFACT


def test_fresh_artefact_verifies(invoke: Invoke, artefact: Path) -> None:
    result = invoke("verify", artefact)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {artefact}: schema valid, checksum matches")


def test_one_byte_edit_fails_naming_the_checksum(invoke: Invoke, artefact: Path) -> None:
    data = artefact.read_bytes()
    index = data.index(b'"batch_id":"') + len(b'"batch_id":"')
    artefact.write_bytes(data[:index] + b"X" + data[index + 1 :])
    result = invoke("verify", artefact)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "checksum: artefact_checksum is" in result.output
    assert f"error: {artefact} failed verification (1 problem(s)" in result.output


def test_changed_manifest_file_fails_naming_it(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "events").mkdir(parents=True)
    events = out / "events" / "comparisons.jsonl"
    events.write_text('{"winner": "Essay A"}\n', encoding="utf-8")
    assert invoke("--mode", "dry-run", "--output-dir", out).exit_code == 0
    document = json.loads((out / ARTEFACT).read_text(encoding="utf-8"))
    assert [e["path"] for e in document["validation"]["manifest"]] == ["events/comparisons.jsonl"]
    assert invoke("verify", out / ARTEFACT).exit_code == 0

    events.write_text('{"winner": "Essay B"}\n', encoding="utf-8")
    result = invoke("verify", out / ARTEFACT)
    assert result.exit_code == 1, result.output
    assert "manifest: events/comparisons.jsonl changed" in result.output


def test_missing_artefact_is_exit_2_not_found(invoke: Invoke, tmp_path: Path) -> None:
    # Issue 8: it blamed a changed artefact and exited 1.
    result = invoke("verify", tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "nope.json: not found" in result.output
    assert "changed" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_non_json_file_is_exit_2_not_a_json_artefact(invoke: Invoke, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an artefact", encoding="utf-8")
    result = invoke("verify", notes)
    assert result.exit_code == 2
    assert "notes.txt: not a JSON artefact" in result.output
    assert "changed" not in result.output


def test_schema_prints_the_schema_as_json(invoke: Invoke) -> None:
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == load_schema()


def test_help_lists_the_actions(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for word in ("--mode", "verify", "schema"):
        assert word in result.output


def _tamper(artefact: Path) -> None:
    """Change one figure by hand, leaving the artefact schema-valid."""
    document = json.loads(artefact.read_text(encoding="utf-8"))
    document["metadata"]["course_code"] = "SV1"
    artefact.write_text(json.dumps(document), encoding="utf-8")


def test_report_refuses_a_changed_artefact_in_one_line(invoke: Invoke, artefact: Path) -> None:
    # Issue 14: report re-rendered a tampered artefact without a word.
    _tamper(artefact)
    for stale in ("report.md", "report.html"):
        (artefact.parent / stale).unlink(missing_ok=True)
    result = invoke("report", artefact)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {artefact}: not rendered: changed after it was written")
    assert "eng5-runner verify" in lines[0]
    assert "--force" in lines[0]
    assert not (artefact.parent / "report.md").exists()
    assert not (artefact.parent / "report.html").exists()


def test_report_force_renders_a_changed_artefact_under_a_banner(
    invoke: Invoke, artefact: Path
) -> None:
    _tamper(artefact)
    result = invoke("report", "--force", artefact)
    assert result.exit_code == 0, result.output
    assert f"WARNING: {artefact}: changed after it was written" in result.output
    markdown = (artefact.parent / "report.md").read_text(encoding="utf-8")
    page = (artefact.parent / "report.html").read_text(encoding="utf-8")
    title = "Changed artefact: these figures cannot be vouched for"
    first_banner = next(line for line in markdown.splitlines() if line.startswith("> "))
    assert title.upper() in first_banner
    assert "changed after it was written (its artefact_checksum is" in first_banner
    assert f'<div class="banner danger"><strong>{title}</strong>' in page


def test_report_of_an_unchanged_artefact_has_no_changed_banner(
    invoke: Invoke, artefact: Path
) -> None:
    result = invoke("report", artefact)
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
    markdown = (artefact.parent / "report.md").read_text(encoding="utf-8")
    assert "CHANGED ARTEFACT" not in markdown


def test_an_empty_json_object_is_not_an_artefact_exit_2(invoke: Invoke, tmp_path: Path) -> None:
    # Issue 14: `verify {}` said the artefact "was changed after it was written".
    empty = tmp_path / "empty.json"
    empty.write_text("{}", encoding="utf-8")
    result = invoke("verify", empty)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {empty}: not an artefact (it has none of the fields ")
    assert "changed" not in result.output


def test_schema_problems_alone_do_not_claim_a_change(invoke: Invoke, tmp_path: Path) -> None:
    partial = tmp_path / "partial.json"
    partial.write_text('{"metadata": {}}', encoding="utf-8")
    result = invoke("verify", partial)
    assert result.exit_code == 1, result.output
    assert "changed after it was written" not in result.output
    assert "lacks fields an artefact has" in result.output
