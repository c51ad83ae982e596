"""Building the artefact's blocks from the inventory, settings and what the run observed.

The artefact is a plain JSON-ready dict shaped by ``schemas/assessment_run.schema.json``;
these functions are the only place its blocks are assembled, shared by dry-run and execute.
Optional fields are omitted, never written as null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eng5_np import __version__
from eng5_np.artefact.checksum import ZERO_CHECKSUM, build_manifest
from eng5_np.artefact.provenance import cli_environment, git_state, package_versions
from eng5_np.artefact.schema import schema_version
from eng5_np.dataset.inventory import EssayFile, Inventory, SourceDocument
from eng5_np.request.overrides import JudgeOverrides
from eng5_np.settings import RunMode, RunSettings


@dataclass(frozen=True)
class StackInfo:
    """Which services a run used, so simulated results are never taken for real ones."""

    kind: str
    """``none`` (no service), ``local`` (embedded stack) or ``external``."""
    judge: str
    """``none``, ``simulated`` or ``llm``."""
    description: str
    provider: str | None = None
    """The real judge's provider (a local stack with ``judge`` ``llm``)."""
    model: str | None = None
    """The real judge's model id."""
    pairing: dict[str, Any] | None = None
    """The local stack's pairing design and its settings (``{"design", "settings"}``)."""
    judge_profile: dict[str, Any] | None = None
    """The simulated judge's profile: ``name``, ``sha256`` (and, from the CJ service's result,
    the ``rule`` and ``parameters`` it used)."""
    judges: tuple[dict[str, Any], ...] = ()
    """Each real judge's provenance: endpoint (scheme and host), SDK and version, whether the
    endpoint is the provider's public API, pricing (``metadata.stack.judges``)."""

    def as_dict(self) -> dict[str, Any]:
        """The artefact's ``metadata.stack`` block (optional keys only when known)."""
        block: dict[str, Any] = {
            "kind": self.kind,
            "judge": self.judge,
            "description": self.description,
        }
        if self.provider is not None:
            block["provider"] = self.provider
        if self.model is not None:
            block["model"] = self.model
        if self.pairing is not None:
            block["pairing"] = self.pairing
        if self.judge_profile is not None:
            block["judge_profile"] = dict(self.judge_profile)
        if self.judges:
            block["judges"] = [dict(judge) for judge in self.judges]
        return block


NO_STACK = StackInfo("none", "none", "dry-run: no service was contacted")


@dataclass
class ObservedEvents:
    """Counters of what the collector saw (``validation.runner_status.observed_events``)."""

    llm_comparisons: int = 0
    assessment_results: int = 0
    completions: int = 0
    rejected: int = 0
    duplicates: int = 0
    foreign: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON-ready counters."""
        return dict(self.__dict__)


@dataclass
class RunStatus:
    """The artefact's ``validation.runner_status`` block."""

    mode: RunMode
    partial_data: bool = False
    timeout_seconds: float | None = None
    elapsed_seconds: float | None = None
    stop_reason: str | None = None
    completion_status: str | None = None
    observed: ObservedEvents = field(default_factory=ObservedEvents)
    failed: dict[str, Any] | None = None
    batch_stop: dict[str, Any] | None = None
    """Why the CJ service stopped the batch, when it said so (:func:`batch_stop_block`)."""
    service_result_missing: bool = False
    """The thin completion came, the rich result did not (within ``result_grace_seconds``)."""
    result_grace_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready block with optional fields omitted."""
        block: dict[str, Any] = {
            "mode": self.mode.value,
            "partial_data": self.partial_data,
            "timeout_seconds": self.timeout_seconds,
            "observed_events": self.observed.as_dict(),
        }
        if self.elapsed_seconds is not None:
            block["elapsed_seconds"] = round(self.elapsed_seconds, 3)
        if self.stop_reason is not None:
            block["stop_reason"] = self.stop_reason
        if self.completion_status is not None:
            block["completion_status"] = self.completion_status
        if self.failed is not None:
            block["failed"] = self.failed
        if self.batch_stop is not None:
            block["batch_stop"] = self.batch_stop
        if self.service_result_missing:
            block["service_result_missing"] = True
        if self.result_grace_seconds is not None:
            block["result_grace_seconds"] = self.result_grace_seconds
        return block


def batch_stop_block(*sources: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``runner_status.batch_stop`` from the first source naming a stop reason.

    The sources are the rich result's ``assessment_metadata`` and a failure's ``error_info``:
    the local stack's CJ service puts ``stop_reason``, ``waves``, ``stop_detail`` and
    ``pairing_design`` there (the measured platform sends none of them: no block then).
    """
    for source in sources:
        if source is None:
            continue
        reason, waves = source.get("stop_reason"), source.get("waves")
        if not isinstance(reason, str) or not isinstance(waves, int) or waves < 0:
            continue
        block: dict[str, Any] = {"reason": reason, "waves": waves}
        for key, name in (("stop_detail", "detail"), ("pairing_design", "design")):
            value = source.get(key)
            if isinstance(value, str):
                block[name] = value
        return block
    return None


def utc_now_iso() -> str:
    """Current time, ISO-8601 with timezone."""
    return datetime.now(UTC).isoformat()


def build_metadata(
    settings: RunSettings,
    inventory: Inventory,
    *,
    wire_batch_id: str,
    stack: StackInfo,
    llm_config_overrides: dict[str, Any] | None,
    request_position: dict[str, Any] | None = None,
    request_republished: list[dict[str, Any]] | None = None,
    judge_overrides: JudgeOverrides | None = None,
    assignment: dict[str, Any] | None = None,
    model_manifest_source: str | None = None,
    llm_provider_mode: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The artefact's ``metadata`` block."""
    git = git_state()
    block: dict[str, Any] = {
        "assignment_id": settings.wire_assignment_id,
        "course_id": str(settings.course_id),
        "grade_scale": settings.grade_scale.value,
        "runner_version": __version__,
        "git_sha": git.sha,
        "git_dirty": git.dirty,
        "generated_at": utc_now_iso(),
        "runner_mode": settings.mode.value,
        "batch_id": settings.batch_id,
        "wire_batch_id": wire_batch_id,
        "course_code": settings.course_code.value,
        "language": settings.language,
        "llm_config_overrides": llm_config_overrides,
        "options": settings.public_options(),
        "package_versions": package_versions(),
        "inventory_hash": inventory.inventory_hash(),
        "dataset_dir": str(inventory.dataset_dir),
        "stack": stack.as_dict(),
    }
    if settings.max_comparisons is not None:
        block["max_comparisons"] = settings.max_comparisons
    if request_position is not None:
        block["request"] = request_position
    if request_republished:
        block["request_republished"] = request_republished
    overrides = judge_overrides.as_dict() if judge_overrides is not None else None
    if overrides is not None:
        block["overrides"] = overrides
    if settings.llm_batching_mode is not None:
        block["llm_batching_mode_hint"] = settings.llm_batching_mode.value
    if assignment is not None:
        block["assignment"] = assignment
    if model_manifest_source is not None:
        block["model_manifest_source"] = model_manifest_source
    if llm_provider_mode is not None:
        block["llm_provider_mode"] = llm_provider_mode
    return block


def _document(doc: SourceDocument, storage_id: str | None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "source_path": doc.source_path,
        "checksum": doc.checksum,
        "content": doc.content,
    }
    if storage_id:
        block["storage_id"] = storage_id
    return block


def _essay(essay: EssayFile, storage_id: str | None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "display_name": essay.display_name,
        "file_name": essay.file_name,
        "source_path": essay.source_path,
        "checksum": essay.checksum,
        "file_sha256": essay.file_sha256,
        "file_bytes": essay.file_bytes,
    }
    if storage_id:
        block["storage_id"] = storage_id
    return block


def build_inputs(
    inventory: Inventory,
    storage_ids: dict[str, str] | None = None,
    excluded: list[dict[str, str]] | None = None,
    *,
    anchors_sent: bool = True,
) -> dict[str, Any]:
    """The artefact's ``inputs`` block; ``storage_ids`` maps text checksum → storage id.

    ``anchors_sent=False`` (assignment runs) marks the dataset's anchors as not sent: CJ used
    the assignment's registered anchors instead (``metadata.assignment``).
    """
    ids = storage_ids or {}
    if inventory.instructions is None or inventory.prompt is None:
        raise ValueError("inventory is not usable: instructions or prompt missing")
    anchors = [
        {
            "anchor_id": a.essay_id,
            "grade": a.grade or "",
            **_essay(a, ids.get(a.checksum)),
            **({} if anchors_sent else {"sent": False}),
        }
        for a in inventory.anchors
    ]
    students = [
        {"essay_id": s.essay_id, **_essay(s, ids.get(s.checksum))} for s in inventory.students
    ]
    block: dict[str, Any] = {
        "instructions": _document(inventory.instructions, None),
        "prompt_reference": _document(inventory.prompt, ids.get(inventory.prompt.checksum)),
        "anchors": anchors,
        "students": students,
    }
    if excluded:
        block["excluded_essays"] = excluded
    return block


def build_validation(
    run_dir: Path,
    status: RunStatus,
    analysis: dict[str, Any] | None = None,
    manifest: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``validation`` block, with the manifest of the run's data files as they are now.

    ``analysis`` is the ``validation.analysis`` block (reliability figures and their reasons);
    ``manifest``: ``build_manifest(run_dir)`` made by a caller that knows the files have not
    changed since (it hashes the whole event log: tens of MB at 20,000 callbacks).
    """
    block: dict[str, Any] = {
        "artefact_checksum": ZERO_CHECKSUM,
        "manifest": build_manifest(run_dir) if manifest is None else manifest,
        "cli_environment": cli_environment(),
        "runner_status": status.as_dict(),
    }
    if analysis is not None:
        block["analysis"] = analysis
    return block


def assemble(
    metadata: dict[str, Any],
    inputs: dict[str, Any],
    validation: dict[str, Any],
    *,
    llm_comparisons: list[dict[str, Any]] | None = None,
    bt_summary: list[dict[str, Any]] | None = None,
    grade_projections: list[dict[str, Any]] | None = None,
    costs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole artefact document, in the schema's key order."""
    return {
        "schema_version": schema_version(),
        "metadata": metadata,
        "inputs": inputs,
        "llm_comparisons": llm_comparisons if llm_comparisons is not None else [],
        "bt_summary": bt_summary if bt_summary is not None else [],
        "grade_projections": grade_projections if grade_projections is not None else [],
        "costs": costs if costs is not None else {"total_usd": 0.0, "token_counts": []},
        "validation": validation,
    }
