"""Steps shared by the modes: inventory, LLM overrides, run-folder logging."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

from eng5_np.dataset.anchor_subset import anchors_only
from eng5_np.dataset.inventory import Inventory, build_inventory
from eng5_np.grades import GRADE_SCALES
from eng5_np.logs import attach_run_log, bind_run_context
from eng5_np.settings import RunMode, RunSettings


def new_wire_batch_id() -> str:
    """A fresh wire batch id: a UUID string (≤36 chars) per run (SPEC §4.9)."""
    return str(uuid4())


def load_inventory(settings: RunSettings, wire_batch_id: str) -> Inventory:
    """Read the dataset for this run (problems collected, not raised).

    An anchor-align run reads the anchors only (optionally those of ``--anchor-grades``).
    """
    inventory = build_inventory(
        settings.dataset_dir, GRADE_SCALES[settings.grade_scale], wire_batch_id
    )
    if settings.mode is RunMode.ANCHOR_ALIGN:
        return anchors_only(inventory, settings.anchor_grades)
    return inventory


def llm_overrides_payload(settings: RunSettings) -> dict[str, Any] | None:
    """The request's ``llm_config_overrides`` block, or None when no override was given."""
    if not settings.llm_overrides_given():
        return None
    return {
        "model_override": settings.llm_model,
        "temperature_override": settings.llm_temperature,
        "max_tokens_override": settings.llm_max_tokens,
        "provider_override": settings.llm_provider.value if settings.llm_provider else None,
    }


def prepare_run_folder(settings: RunSettings, wire_batch_id: str) -> Path:
    """Create the output folder, start its JSON log and bind the run's log context."""
    run_dir = settings.resolved_output_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    attach_run_log(run_dir)
    bind_run_context(
        correlation_id=wire_batch_id, batch_id=settings.batch_id, runner_mode=settings.mode.value
    )
    return run_dir
