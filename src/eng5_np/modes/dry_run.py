"""Dry-run mode: a schema-valid stub artefact from the real inventory; no service touched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eng5_np.artefact.analysis import no_analysis
from eng5_np.artefact.builder import (
    NO_STACK,
    RunStatus,
    assemble,
    build_inputs,
    build_metadata,
    build_validation,
)
from eng5_np.artefact.writer import seal_and_write
from eng5_np.logs import get_logger
from eng5_np.modes.common import (
    load_inventory,
    new_wire_batch_id,
    prepare_run_folder,
)
from eng5_np.request.overrides import llm_overrides_payload, load_judge_overrides
from eng5_np.settings import RunSettings

log = get_logger(__name__)
DRY_RUN_REASON = "dry-run stub: nothing was sent, so there are no comparisons"

ARTEFACT_NAME = "assessment_run.dry-run.json"


@dataclass(frozen=True)
class DryRunResult:
    """Where the stub artefact went and its checksum."""

    artefact_path: Path
    checksum: str
    anchors: int
    students: int


async def run_dry_run(settings: RunSettings) -> DryRunResult:
    """Inventory, validate, and write the stub artefact atomically."""
    wire_batch_id = new_wire_batch_id()
    inventory = load_inventory(settings, wire_batch_id)
    inventory.require_usable()
    judge_overrides = load_judge_overrides(settings)
    run_dir = prepare_run_folder(settings, wire_batch_id)
    for warning in inventory.warnings:
        log.warning("dataset.warning", detail=warning)
    document = assemble(
        build_metadata(
            settings,
            inventory,
            wire_batch_id=wire_batch_id,
            stack=NO_STACK,
            llm_config_overrides=llm_overrides_payload(settings, judge_overrides),
            judge_overrides=judge_overrides,
        ),
        build_inputs(inventory),
        build_validation(
            run_dir,
            RunStatus(mode=settings.mode),
            analysis=no_analysis(DRY_RUN_REASON),
        ),
    )
    path = run_dir / ARTEFACT_NAME
    checksum = seal_and_write(path, document)
    log.info("dry_run.artefact_written", path=str(path), checksum=checksum)
    return DryRunResult(path, checksum, len(inventory.anchors), len(inventory.students))
