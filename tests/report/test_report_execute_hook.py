"""Execute's report hook: reports only after a run that collected something; a report that
cannot be written is logged, never raised (the artefact and the exit code come first)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from structlog.testing import capture_logs

from eng5_np.artefact.hydrator import Hydrator
from eng5_np.modes.execute_artefact import write_run_reports

ArtefactFactory = Callable[..., dict[str, Any]]


def _hydrator(document: dict[str, Any]) -> Hydrator:
    hydrator = Hydrator(
        wire_batch_id=document["metadata"]["wire_batch_id"], run_essay_ids=frozenset()
    )
    hydrator.comparisons.extend(document["llm_comparisons"])
    return hydrator


def test_reports_follow_an_artefact_with_comparisons(
    build_artefact: ArtefactFactory, tmp_path: Path
) -> None:
    document = build_artefact([("a", "b", "a")], anchors={"a": "A"}, students=["b"])
    path = tmp_path / "assessment_run.execute.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    write_run_reports(path, _hydrator(document))
    assert (tmp_path / "report.md").is_file()
    assert (tmp_path / "report.html").is_file()


def test_nothing_collected_writes_no_report(
    build_artefact: ArtefactFactory, tmp_path: Path
) -> None:
    document = build_artefact([])
    path = tmp_path / "assessment_run.execute.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    write_run_reports(path, _hydrator(document))
    assert not (tmp_path / "report.md").exists()


def test_a_failing_report_is_logged_not_raised(
    build_artefact: ArtefactFactory, tmp_path: Path
) -> None:
    document = build_artefact([("a", "b", "a")], anchors={"a": "A"}, students=["b"])
    path = tmp_path / "assessment_run.execute.json"
    path.write_text("{torn", encoding="utf-8")
    with capture_logs() as logs:
        write_run_reports(path, _hydrator(document))
    failures = [entry for entry in logs if entry["event"] == "execute.report_failed"]
    assert len(failures) == 1
    assert "not JSON" in failures[0]["error"]
    assert failures[0]["log_level"] == "warning"
    assert not (tmp_path / "report.md").exists()
