"""The experiment folder's own files: ``experiment.json`` and what each ``rep-NN/`` holds.

``experiment.json`` records the settings the experiment was started with (only those that
define it: mode, dataset, model and overrides, budget, judge — not addresses, which change
with every local stack), every repeat's batch label, status, exit code, wire batch id,
artefact path and the SHA-256 of the artefact file, and the aggregate. It is rewritten
atomically after every repeat, so an interrupted experiment always has an accurate record.

A repeat folder is classified from what it holds (:func:`inspect_repeat`), never from the
record alone: the artefact is verified (schema, checksum, manifest) before a repeat counts as
complete, so a repeat is never skipped on the word of a file that changed.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eng5_np.artefact.builder import utc_now_iso
from eng5_np.artefact.checksum import file_sha256
from eng5_np.artefact.verify import verify_artefact
from eng5_np.errors import UsageError
from eng5_np.kafka.state import load_state
from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.settings import RunSettings

EXPERIMENT_FILE = "experiment.json"
FORMAT_VERSION = 1
DEFINING_SETTINGS = (
    "mode",
    "dataset_dir",
    "grade_scale",
    "assignment_id",
    "llm_provider",
    "llm_model",
    "llm_temperature",
    "llm_max_tokens",
    "system_prompt_file",
    "rubric_file",
    "reasoning_effort",
    "output_verbosity",
    "llm_batching_mode",
    "anchor_grades",
    "max_comparisons",
    "local_stack",
    "judge_seed",
    "judge_faults",
    "pairing",
    "target_precision",
    "judge_profile",
)
"""Settings that make repeats "the same batch"; a resumed experiment must not change them."""
MAX_LABEL = 64


class RepeatStatus(StrEnum):
    """Where one repeat stands."""

    PENDING = "pending"
    """Nothing run yet."""
    INCOMPLETE = "incomplete"
    """Started, not finished (interrupted, timed out, killed): resumed on the next run."""
    COMPLETE = "complete"
    FAILED = "failed"
    """The CJ service reported the batch failed: final, not retried."""
    ERROR = "error"
    """The runner stopped with an error before the batch ended (usage, dependency)."""


class RepeatRecord(BaseModel):
    """One repeat in ``experiment.json``."""

    model_config = ConfigDict(extra="ignore")

    name: str
    batch_label: str
    status: RepeatStatus = RepeatStatus.PENDING
    exit_code: int | None = None
    wire_batch_id: str | None = None
    artefact: str | None = None
    """Path of the artefact, relative to the experiment folder."""
    artefact_sha256: str | None = None
    """SHA-256 of the artefact file as it was when the repeat was recorded."""
    detail: str | None = None
    set_aside: list[str] = Field(default_factory=list)
    """Folders of earlier attempts moved aside (an attempt a new local stack cannot resume)."""


class ExperimentRecord(BaseModel):
    """The whole ``experiment.json``."""

    model_config = ConfigDict(extra="ignore")

    format_version: int = FORMAT_VERSION
    kind: str = "repeats"
    batch_label: str
    repeats: int
    settings: dict[str, Any]
    created_at: str = Field(default_factory=utc_now_iso)
    updated_at: str = Field(default_factory=utc_now_iso)
    stack: dict[str, Any] = Field(default_factory=dict)
    repeat_records: list[RepeatRecord] = Field(default_factory=list)
    exit_code: int | None = None
    aggregate: dict[str, Any] | None = None
    reports: list[str] = Field(default_factory=list)

    def repeat(self, name: str) -> RepeatRecord | None:
        """The record of the repeat folder ``name``, if any."""
        return next((r for r in self.repeat_records if r.name == name), None)


def defining_settings(settings: RunSettings) -> dict[str, Any]:
    """The settings that define an experiment, JSON-ready."""
    fields = [name for name in DEFINING_SETTINGS if name in type(settings).model_fields]
    return settings.model_dump(mode="json", include=set(fields))


def settings_difference(recorded: dict[str, Any], current: dict[str, Any]) -> str | None:
    """The first defining setting whose value differs, as ``name: old → new``; None if none."""
    for name in DEFINING_SETTINGS:
        if name in recorded and name in current and recorded[name] != current[name]:
            return f"{name}: {recorded[name]!r} → {current[name]!r}"
    return None


def load_record(folder: Path, file_name: str = EXPERIMENT_FILE) -> dict[str, Any] | None:
    """The raw JSON of an experiment/sweep record in ``folder``; None when there is none."""
    path = folder / file_name
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{path} is unreadable ({type(exc).__name__})",
            advice="Restore the file, or start the experiment in another --output-dir.",
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a JSON object", advice="Use another --output-dir.")
    return data


def load_experiment(folder: Path) -> ExperimentRecord | None:
    """The experiment record of ``folder``, or None when it has none."""
    data = load_record(folder)
    if data is None:
        return None
    try:
        return ExperimentRecord.model_validate(data)
    except ValidationError as exc:
        raise UsageError(
            f"{folder / EXPERIMENT_FILE} is not an experiment record ({exc.errors()[0]['msg']})",
            advice="Use another --output-dir.",
        ) from None


def save_record(folder: Path, record: BaseModel, file_name: str = EXPERIMENT_FILE) -> Path:
    """Write a record atomically; returns its path."""
    if isinstance(record, ExperimentRecord):
        record.updated_at = utc_now_iso()
    path = folder / file_name
    atomic_write_bytes(path, (record.model_dump_json(indent=2) + "\n").encode("utf-8"))
    return path


def repeat_label(base: str, suffix: str) -> str:
    """``<base>-<suffix>``, the base shortened so the label stays within 64 characters."""
    room = MAX_LABEL - len(suffix) - 1
    return f"{base[:room].rstrip('-._')}-{suffix}"


class RepeatFolder(BaseModel):
    """What a repeat folder holds, classified."""

    status: RepeatStatus
    artefact: Path | None = None
    published: bool = False
    """True when its request is on the broker (a fresh local stack cannot collect it)."""
    detail: str | None = None


def find_artefact(run_dir: Path) -> Path | None:
    """The run's artefact (``assessment_run.<mode>.json``, never a dry-run stub)."""
    found = sorted(p for p in run_dir.glob("assessment_run.*.json") if ".dry-run." not in p.name)
    return found[0] if found else None


def inspect_repeat(run_dir: Path) -> RepeatFolder:
    """Classify a repeat folder; a finished repeat whose artefact fails verification is refused.

    Raises :class:`UsageError` (exit 2) for that case: re-running would not repair it (its
    batch is finished), and skipping it would aggregate a file that changed after it was written.
    """
    state = load_state(run_dir) if run_dir.is_dir() else None
    artefact = find_artefact(run_dir) if run_dir.is_dir() else None
    if state is None and artefact is None:
        return RepeatFolder(status=RepeatStatus.PENDING)
    published = state is not None and state.request_published
    if artefact is None:
        return RepeatFolder(status=RepeatStatus.INCOMPLETE, published=published)
    verified = verify_artefact(artefact)
    if not verified.ok:
        if state is not None and state.finished:
            raise UsageError(
                f"{artefact} belongs to a finished repeat but fails verification: "
                f"{verified.problems[0]}",
                advice=f"Restore the folder, or delete {run_dir} to run that repeat again.",
            )
        # A checkpoint written before the run was stopped: events arrived after it.
        return RepeatFolder(status=RepeatStatus.INCOMPLETE, artefact=artefact, published=published)
    status = json.loads(artefact.read_bytes())["validation"]["runner_status"]
    if status.get("failed"):
        reason = status["failed"].get("reason", "batch failed")
        return RepeatFolder(status=RepeatStatus.FAILED, artefact=artefact, detail=reason)
    if status["partial_data"] or state is None or not state.finished:
        return RepeatFolder(
            status=RepeatStatus.INCOMPLETE,
            artefact=artefact,
            published=published,
            detail=status.get("stop_reason"),
        )
    return RepeatFolder(status=RepeatStatus.COMPLETE, artefact=artefact)


def record_artefact(record: RepeatRecord, experiment_dir: Path, artefact: Path) -> None:
    """Store the artefact's path (relative) and the SHA-256 of its file in the record."""
    record.artefact = str(artefact.relative_to(experiment_dir))
    record.artefact_sha256 = file_sha256(artefact)[0]
    document = json.loads(artefact.read_bytes())
    record.wire_batch_id = document["metadata"]["wire_batch_id"]
