"""The execute artefact writer keeps the run when derived blocks cannot be computed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eng5_np.artefact.builder import StackInfo, build_inputs
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.artefact.schema import validation_errors
from eng5_np.contracts import AssessmentResultV1
from eng5_np.kafka.state import CollectorState
from eng5_np.logs import detach_run_log
from eng5_np.modes import execute_artefact
from eng5_np.modes.common import load_inventory, prepare_run_folder
from eng5_np.modes.execute_artefact import ExecuteArtefact, run_status
from eng5_np.settings import RunMode, RunSettings

WIRE = "6f2c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


def test_a_failing_bt_summary_still_writes_every_collected_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=tmp_path / "run", batch_id="b1")
    inventory = load_inventory(settings, WIRE)
    run_dir = prepare_run_folder(settings, WIRE)
    hydrator = Hydrator(wire_batch_id=WIRE, run_essay_ids=frozenset())
    essay = inventory.students[0].essay_id
    hydrator.result = AssessmentResultV1.model_validate(
        {
            "batch_id": WIRE,
            "entity_id": WIRE,
            "timestamp": "2026-11-24T10:00:00+00:00",
            "cj_assessment_job_id": "job-1",
            "assessment_method": "cj_assessment",
            "model_used": "m",
            "model_provider": "anthropic",
            "essay_results": [
                {"essay_id": essay, "normalized_score": 0.5, "letter_grade": "B",
                 "confidence_score": 0.5, "confidence_label": "MID", "bt_score": 0.1,
                 "rank": 1, "is_anchor": False}
            ],
            "assessed_at": "2026-11-24T10:00:00+00:00",
        }
    )  # fmt: skip

    def degenerate(*_: object, **__: object) -> object:
        raise ValueError("no finite standard error for x")

    # A degenerate fit cannot be produced on demand with real comparisons; the fault is.
    monkeypatch.setattr(execute_artefact, "build_result_blocks", degenerate)
    writer = ExecuteArtefact(
        settings,
        inventory,
        run_dir,
        hydrator,
        CollectorState(batch_label="b1", wire_batch_id=WIRE),
        StackInfo("external", "llm", "test"),
        None,
        build_inputs(inventory),
    )
    path = writer.write(run_status(settings, hydrator, None, time.monotonic()), final=True)

    document = json.loads(path.read_text())
    assert validation_errors(document) == []
    assert document["bt_summary"] == []
    assert (
        "not computable: no finite standard error"
        in (document["validation"]["runner_status"]["stop_reason"])
    )
