"""Steps shared by the modes: inventory, LLM overrides, run-folder logging."""

from __future__ import annotations

import shutil
from pathlib import Path
from uuid import uuid4

from eng5_np.artefact.checksum import MANIFEST_FOLDERS
from eng5_np.dataset.anchor_subset import anchors_only
from eng5_np.dataset.inventory import Inventory, build_inventory
from eng5_np.errors import UsageError
from eng5_np.kafka.state import STATE_FILE
from eng5_np.logs import attach_run_log, bind_run_context, get_logger
from eng5_np.primitives.atomic import remove_stale_temp_files
from eng5_np.reference.grades import GRADE_SCALES
from eng5_np.settings import RunMode, RunSettings

log = get_logger(__name__)


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


def check_dataset(settings: RunSettings) -> None:
    """Read the run's dataset and raise :class:`DatasetError` (exit 2) when it is unusable.

    Called before a local stack starts: a bad dataset, ``--anchor-grades`` naming a grade the
    dataset lacks, or too few anchors are known from the files alone, so nothing is started
    for a run that cannot begin (issue 14). The run reads the dataset again under its own
    wire batch id.
    """
    load_inventory(settings, new_wire_batch_id()).require_usable()


def prepare_run_folder(settings: RunSettings, wire_batch_id: str) -> Path:
    """Create the output folder, start its JSON log and bind the run's log context."""
    run_dir = settings.resolved_output_dir
    require_output_folder(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    attach_run_log(run_dir)
    bind_run_context(
        correlation_id=wire_batch_id, batch_id=settings.batch_id, runner_mode=settings.mode.value
    )
    # A run killed during an atomic write (SIGKILL mid-artefact) leaves its temporary file;
    # nothing lists or reads those, so the next run of the folder clears them.
    for folder in (run_dir, *(run_dir / name for name in MANIFEST_FOLDERS)):
        for debris in remove_stale_temp_files(folder):
            log.info("run_folder.stale_temp_removed", path=str(debris))
    return run_dir


def require_output_folder(run_dir: Path) -> None:
    """Raise :class:`UsageError` when ``run_dir`` exists but is not a folder (exit 2)."""
    if (run_dir.exists() or run_dir.is_symlink()) and not run_dir.is_dir():
        raise UsageError(
            f"--output-dir {run_dir} is a file, not a folder; nothing was started",
            advice="Pass a folder that does not exist yet (it is created) or an earlier run's "
            "folder to resume it.",
        )


def set_aside(run_dir: Path) -> Path:
    """Move ``run_dir`` to ``<name>.set-aside-K`` (the first K free) and return the new path.

    Nothing is deleted: the attempt stays readable next to the folder that starts afresh.
    """
    attempt = 1
    while (target := run_dir.with_name(f"{run_dir.name}.set-aside-{attempt}")).exists():
        attempt += 1
    shutil.move(str(run_dir), str(target))
    return target


def set_aside_gone_stack_attempt(run_dir: Path) -> Path | None:
    """Before a ``--local-stack`` run: set aside an earlier attempt in ``run_dir``, if any.

    A state file there holds offsets and a batch of a local stack that stopped with the
    command that started it; a new stack has never heard of that batch, so resuming would
    wait out the whole timeout (issue 14). Returns where the attempt was kept, or None when
    the folder holds no earlier attempt.
    """
    if not (run_dir / STATE_FILE).is_file():
        return None
    aside = set_aside(run_dir)
    log.info("run_folder.set_aside", path=str(run_dir), kept_as=str(aside))
    return aside
