"""The execute artefact writer: the collected data is safe before any analysis runs.

Every analysis step is guarded (issue 8): a failing step is recorded in
``validation.analysis.errors`` and leaves the rest of the artefact — and the run status the
collection earned — untouched.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from artefact_ssr import check_ssr
from eng5_np.artefact import analysis
from eng5_np.artefact.builder import StackInfo, build_inputs
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.artefact.schema import validation_errors
from eng5_np.contracts import AssessmentResultV1
from eng5_np.kafka.state import CollectorState
from eng5_np.logs import detach_run_log
from eng5_np.modes.common import load_inventory, prepare_run_folder
from eng5_np.modes.execute_artefact import ExecuteArtefact, run_status
from eng5_np.settings import RunMode, RunSettings

WIRE = "6f2c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


def _writer(tmp_path: Path) -> tuple[ExecuteArtefact, RunSettings, list[str]]:
    """A writer whose hydrator holds a result and a few successful comparisons."""
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=tmp_path / "run", batch_id="b1")
    inventory = load_inventory(settings, WIRE)
    run_dir = prepare_run_folder(settings, WIRE)
    hydrator = Hydrator(wire_batch_id=WIRE, run_essay_ids=frozenset())
    ids = [s.essay_id for s in inventory.students[:3]]
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
                 "confidence_score": 0.5, "confidence_label": "MID", "bt_score": 1.0 - rank,
                 "rank": rank, "is_anchor": False}
                for rank, essay in enumerate(ids, start=1)
            ],
            "assessed_at": "2026-11-24T10:00:00+00:00",
        }
    )  # fmt: skip
    for sequence, (a, b) in enumerate([(0, 1), (1, 2), (2, 0), (1, 0)], start=1):
        hydrator.comparisons.append(_record(sequence, ids[a], ids[b]))
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
    return writer, settings, ids


def _record(sequence: int, winner: str, loser: str) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "request_id": f"req-{sequence}",
        "correlation_id": WIRE,
        "essay_a_id": winner,
        "essay_b_id": loser,
        "winner_id": winner,
        "loser_id": loser,
        "prompt_hash": "0" * 64,
        "provider": "anthropic",
        "model": "m",
        "tokens_prompt": 10,
        "tokens_completion": 5,
        "cost_usd": 0.0,
        "started_at": "2026-11-24T10:00:00+00:00",
        "completed_at": "2026-11-24T10:00:01+00:00",
        "status": "succeeded",
    }


def test_a_failing_analysis_step_is_recorded_and_costs_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, settings, _ = _writer(tmp_path)
    status = run_status(settings, writer.hydrator, None, time.monotonic())
    status_before = status.as_dict()

    def broken_fit(*_: object, **__: object) -> object:
        raise RuntimeError("Did not converge after 100 iterations")

    # A fit that raises cannot be produced with real comparisons any more; the fault is.
    monkeypatch.setattr(analysis, "fit_net_of_position", broken_fit)
    path = writer.write(status, final=True)

    document = json.loads(path.read_text())
    assert validation_errors(document) == []
    assert len(document["llm_comparisons"]) == 4
    assert document["bt_summary"] == []
    block = document["validation"]["analysis"]
    assert block["errors"] == [
        "Bradley–Terry fit: RuntimeError: Did not converge after 100 iterations"
    ]
    assert block["scale_separation_reliability"] is None
    assert block["reasons"] == ["the Bradley–Terry fit failed"]
    assert document["validation"]["runner_status"] == {
        **status_before,
        "observed_events": document["validation"]["runner_status"]["observed_events"],
    }


def test_a_failing_later_step_keeps_the_earlier_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, settings, ids = _writer(tmp_path)

    def broken(*_: object, **__: object) -> object:
        raise ValueError("split-half exploded")

    monkeypatch.setattr(analysis, "reliability_figures", broken)
    path = writer.write(run_status(settings, writer.hydrator, None, time.monotonic()), final=True)

    document = json.loads(path.read_text())
    assert validation_errors(document) == []
    assert [e["essay_id"] for e in document["bt_summary"]] == ids
    assert all(e["runner_theta"] is not None for e in document["bt_summary"])
    assert document["validation"]["analysis"]["errors"] == [
        "reliability: ValueError: split-half exploded"
    ]


def test_the_collected_data_is_on_disk_before_the_analysis_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, settings, _ = _writer(tmp_path)
    seen: dict[str, Any] = {}
    real = analysis.fit_net_of_position

    def watching_fit(*args: Any, **kwargs: Any) -> Any:
        seen.update(json.loads(writer.path.read_text()))
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis, "fit_net_of_position", watching_fit)
    writer.write(run_status(settings, writer.hydrator, None, time.monotonic()), final=True)

    assert len(seen["llm_comparisons"]) == 4
    assert validation_errors(seen) == []
    assert "not analysed yet" in seen["validation"]["analysis"]["reasons"][0]


def test_the_analysis_uses_one_fit_for_theta_se_and_ssr(tmp_path: Path) -> None:
    writer, settings, _ = _writer(tmp_path)

    path = writer.write(run_status(settings, writer.hydrator, None, time.monotonic()), final=True)

    document = json.loads(path.read_text())
    block = document["validation"]["analysis"]
    assert block["errors"] == []
    assert block["scale_separation_reliability"] == analysis.ssr_from_bt_summary(
        document["bt_summary"]
    )
    assert block["fit_method"].startswith("map-newton")
    # Four comparisons cannot inform the first-position effect: it says so, δ = 0.
    assert block["position_effect"]["estimate"] is None
    assert "needs 20" in block["position_effect"]["reason"]
    # The service's θ stays as it was sent, beside the runner's.
    assert [e["theta"] for e in document["bt_summary"]] == [0.0, -1.0, -2.0]


def test_the_ssr_consistency_check_catches_a_figure_that_does_not_match(tmp_path: Path) -> None:
    writer, settings, _ = _writer(tmp_path)
    path = writer.write(run_status(settings, writer.hydrator, None, time.monotonic()), final=True)
    document = json.loads(path.read_text())
    check_ssr(document)

    block = document["validation"]["analysis"]
    block["scale_separation_reliability"] = max(0.9, block["scale_separation_reliability"] + 0.1)
    with pytest.raises(AssertionError, match="recomputed"):
        check_ssr(document)
    block["scale_separation_reliability"] = None
    block["reasons"] = []
    with pytest.raises(AssertionError, match="without a reason"):
        check_ssr(document)
