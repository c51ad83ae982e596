"""Steps shared by the modes: inventory, LLM overrides, run-folder logging."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from eng5_np.dataset.inventory import Inventory, build_inventory
from eng5_np.grades import GRADE_SCALES
from eng5_np.logs import attach_run_log, bind_run_context
from eng5_np.settings import RunSettings


def new_wire_batch_id() -> str:
    """A fresh wire batch id: a UUID string (≤36 chars) per run (SPEC §4.9)."""
    return str(uuid4())


def load_inventory(settings: RunSettings, wire_batch_id: str) -> Inventory:
    """Read the dataset for this run (problems collected, not raised)."""
    return build_inventory(settings.dataset_dir, GRADE_SCALES[settings.grade_scale], wire_batch_id)


def prepare_run_folder(settings: RunSettings, wire_batch_id: str) -> Path:
    """Create the output folder, start its JSON log and bind the run's log context."""
    run_dir = settings.resolved_output_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    attach_run_log(run_dir)
    bind_run_context(
        correlation_id=wire_batch_id, batch_id=settings.batch_id, runner_mode=settings.mode.value
    )
    return run_dir
