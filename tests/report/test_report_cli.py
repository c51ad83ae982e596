"""End to end: an awaited local-stack execute writes both reports; ``eng5-runner report``
re-renders them from the artefact, and refuses a missing file with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.verify import verify_artefact

pytestmark = pytest.mark.e2e

RUNNER = str(Path(sys.executable).parent / "eng5-runner")
DEADLINE_S = 120.0


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENG5_", "KAFKA_")) and k != "CONTENT_SERVICE_URL"
    }
    env["ENG5_UPLOAD_CACHE_DIR"] = str(tmp_path / "cache")
    return subprocess.run(
        [RUNNER, *args],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run folder of one awaited local-stack execute with some failed comparisons."""
    tmp = tmp_path_factory.mktemp("report-run")
    out = tmp / "run"
    ran = _run(
        "--mode",
        "execute",
        "--local-stack",
        "--await-completion",
        "--completion-timeout",
        "120",
        "--judge-faults",
        "errors=0.1",
        "--output-dir",
        str(out),
        tmp_path=tmp,
    )
    assert ran.returncode == 0, ran.stderr
    return out


def _display_names(document: dict[str, Any]) -> list[str]:
    inputs = document["inputs"]
    return [e["display_name"] for e in [*inputs["anchors"], *inputs["students"]]]


def test_execute_writes_both_reports_naming_every_essay(executed: Path) -> None:
    artefact = executed / "assessment_run.execute.json"
    document = json.loads(artefact.read_text(encoding="utf-8"))
    markdown = (executed / "report.md").read_text(encoding="utf-8")
    page = (executed / "report.html").read_text(encoding="utf-8")
    # People read display names; the opaque wire ids stay in the artefact (SPEC §3).
    for name in _display_names(document):
        assert name in markdown
        assert name in page
    for record in document["inputs"]["students"]:
        assert record["essay_id"] not in markdown
    assert "SIMULATED JUDGE: NOT LLM JUDGEMENTS" in markdown
    assert "<svg" in page
    failed = sum(1 for c in document["llm_comparisons"] if c["status"] == "failed")
    assert failed > 0
    assert f"{failed} failed." in markdown
    # The reports are outside the manifest, and writing them broke nothing verify checks.
    listed = {entry["path"] for entry in document["validation"]["manifest"]}
    assert not any(path.startswith("report") for path in listed)
    assert verify_artefact(artefact).ok


def test_report_command_rewrites_both_reports(executed: Path, tmp_path: Path) -> None:
    markdown_path, html_path = executed / "report.md", executed / "report.html"
    rendered = markdown_path.read_bytes(), html_path.read_bytes()
    markdown_path.write_text("stale", encoding="utf-8")
    html_path.write_text("stale", encoding="utf-8")
    ran = _run("report", str(executed / "assessment_run.execute.json"), tmp_path=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [str(markdown_path), str(html_path)]
    assert (markdown_path.read_bytes(), html_path.read_bytes()) == rendered


def test_report_command_on_a_missing_file_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "assessment_run.execute.json"
    ran = _run("report", str(missing), tmp_path=tmp_path)
    assert ran.returncode == 2
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith(f"error: {missing}: not found")
    assert not (tmp_path / "nowhere").exists()
