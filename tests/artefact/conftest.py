"""Fixtures for the artefact tests: a real stub artefact built from the sample dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.builder import (
    NO_STACK,
    RunStatus,
    assemble,
    build_inputs,
    build_metadata,
    build_validation,
)
from eng5_np.dataset.inventory import build_inventory
from eng5_np.reference.grades import GRADE_SCALES
from eng5_np.settings import RunMode, RunSettings, bundled_sample_dataset

WIRE_BATCH_ID = "0b7e2f4a-91c3-4d5e-8f6a-7b8c9d0e1f2a"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """An empty run folder with one request and one events file, like an execute run's."""
    folder = tmp_path / "run"
    (folder / "requests").mkdir(parents=True)
    (folder / "events").mkdir()
    (folder / "requests" / "els_cj_assessment_request.json").write_text(
        '{"event_name": "els.cj_assessment.requested"}\n', encoding="utf-8"
    )
    (folder / "events" / "comparisons.jsonl").write_text(
        '{"event": 1}\n{"event": 2}\n', encoding="utf-8"
    )
    return folder


@pytest.fixture
def stub_document(run_dir: Path) -> dict[str, Any]:
    """An unsealed dry-run artefact document of the sample dataset, manifest of ``run_dir``."""
    settings = RunSettings(
        mode=RunMode.DRY_RUN,
        dataset_dir=bundled_sample_dataset(),
        output_dir=run_dir,
        batch_id="artefact-test",
    )
    inventory = build_inventory(
        settings.dataset_dir, GRADE_SCALES[settings.grade_scale], WIRE_BATCH_ID
    )
    inventory.require_usable()
    return assemble(
        build_metadata(
            settings,
            inventory,
            wire_batch_id=WIRE_BATCH_ID,
            stack=NO_STACK,
            llm_config_overrides=None,
        ),
        build_inputs(inventory),
        build_validation(run_dir, RunStatus(mode=settings.mode)),
    )
