"""The execute run's artefact: assembled from the hydrator at checkpoints and at the end.

:class:`ExecuteArtefact` holds what does not change during a run (settings, inventory,
inputs, stack) and writes the artefact from the hydrator's current state: checkpoints
validate only the comparison records not validated before (linear overall), the final write
validates the whole document. The final write puts the collected data on disk first, then
adds the guarded analysis (:mod:`eng5_np.artefact.analysis`) in a second write. After it, the
human reports are rendered.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eng5_np.admin.assignment import NUMERIC_GRADE_SCALES, AssignmentContext
from eng5_np.artefact.analysis import RunAnalysis, analyse_run, no_analysis
from eng5_np.artefact.builder import (
    RunStatus,
    StackInfo,
    assemble,
    batch_stop_block,
    build_metadata,
    build_validation,
)
from eng5_np.artefact.checksum import build_manifest
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.artefact.schema import validate_document, validation_errors
from eng5_np.artefact.writer import canonical_list_bytes, seal_and_write
from eng5_np.dataset.inventory import Inventory
from eng5_np.errors import ArtefactInvalid
from eng5_np.kafka.state import CollectorState
from eng5_np.logs import get_logger
from eng5_np.modes.collect import CollectOutcome, StopReason
from eng5_np.primitives.heap import frozen_heap
from eng5_np.reference.grades import GRADE_SCALES
from eng5_np.reference.provider_mode import ProviderMode, describe_judge
from eng5_np.report.render import write_reports
from eng5_np.request.overrides import JudgeOverrides
from eng5_np.settings import RunMode, RunSettings

log = get_logger(__name__)

ARTEFACT_NAME = "assessment_run.execute.json"
PENDING = "not analysed yet: the analysis runs once collection has ended"


def artefact_name(mode: RunMode) -> str:
    """``assessment_run.<mode>.json``: execute and anchor-align runs each have their own name."""
    return f"assessment_run.{mode.value}.json"


@dataclass
class ExecuteArtefact:
    """Writes one execute run's artefact from the hydrator's state."""

    settings: RunSettings
    inventory: Inventory
    run_dir: Path
    hydrator: Hydrator
    state: CollectorState
    stack: StackInfo
    overrides: dict[str, Any] | None
    inputs: dict[str, Any]
    judge_overrides: JudgeOverrides | None = None
    assignment: AssignmentContext | None = None
    model_manifest_source: str | None = None
    provider_mode: ProviderMode | None = None
    """With ``--llm-provider-url``: whether the platform's LLM Provider runs in mock mode."""
    final_document: dict[str, Any] | None = None
    """The artefact as the last final write sealed it (validated, checksummed): the reports
    and the terminal summary render it without reading the file back."""

    @property
    def path(self) -> Path:
        """Where the artefact is written."""
        return self.run_dir / artefact_name(self.settings.mode)

    def write(self, status: RunStatus, *, final: bool) -> Path:
        """Assemble, validate and atomically write the artefact; return its path.

        A checkpoint holds the collected data only. The final write first puts the collected
        data on disk, then runs the analysis (every step guarded) and rewrites the artefact
        with it: no analysis failure can cost the run its artefact or its exit code.
        """
        if not final:
            document = self._document(status, RunAnalysis(block=no_analysis(PENDING)))
            validate_checkpoint(document, self.hydrator)
            seal_and_write(self.path, document, validate=False)
            return self.path
        self.final_document = None
        with frozen_heap():
            return self._write_final(status)

    def _write_final(self, status: RunStatus) -> Path:
        # Both writes below hold the same records: serialise them once (16 MB and a quarter
        # of a second each at 20,000 comparisons). The analysis only reads them.
        try:
            records: bytes | None = canonical_list_bytes(self.hydrator.comparisons)
        except ValueError:
            records = None  # a non-finite number: seal_and_write replaces it and says so
        # Collection has ended: neither the metadata (git state, stack) nor the data files
        # change between the two writes, so both documents share them (made twice, they
        # cost 0.057 s at 20,000 callbacks: the manifest hashes the whole event log).
        fixed = (self._metadata(), build_manifest(self.run_dir))
        pending = self._document(status, RunAnalysis(block=no_analysis(PENDING)), fixed)
        seal_and_write(self.path, pending, comparisons_json=records)
        del pending
        analysis = self.analyse(result_never_came=status.service_result_missing)
        try:
            document = self._document(status, analysis, fixed)
            if analysis.alignment is not None:
                document["alignment"] = analysis.alignment
            seal_and_write(self.path, document, comparisons_json=records)
        except Exception as error:
            # The data-only artefact above is already safe; say why the analysis is missing.
            log.error("execute.analysis_write_failed", error=repr(error), exc_info=True)
            failed = no_analysis(
                "the analysis could not be written",
                [*analysis.block.get("errors", []), f"write: {type(error).__name__}: {error}"],
            )
            document = self._document(status, RunAnalysis(block=failed))
            seal_and_write(self.path, document)
        self.final_document = document
        return self.path

    def analyse(self, *, result_never_came: bool = False) -> RunAnalysis:
        """The guarded analysis of what was collected (see :mod:`eng5_np.artefact.analysis`).

        ``result_never_came``: the batch completed without the service's result; the analysis
        is the runner's own, over the essays sent and the platform's anchors the comparisons
        name (``ANCHOR_<id>_…``, resolved through ``metadata.assignment``).
        """
        # Who each essay is needs the inputs and the assignment, not the whole metadata block
        # (which reads the git state again).
        assignment = self.assignment.as_dict() if self.assignment is not None else None
        directory = EssayDirectory.from_artefact(
            {"inputs": self.inputs, "metadata": {"assignment": assignment}}
        )
        return analyse_run(
            self.hydrator.result,
            self.hydrator.comparisons,
            directory,
            GRADE_SCALES[self.settings.grade_scale],
            # The service's letter grades mean something only in an assignment run on a
            # letter scale (SPEC §11.1, §11.3); otherwise the runner projects.
            service_grades=self.assignment is not None
            and self.settings.grade_scale.value not in NUMERIC_GRADE_SCALES,
            result_never_came=self.hydrator.run_essay_ids_sorted() if result_never_came else None,
        )

    def _metadata(self) -> dict[str, Any]:
        return build_metadata(
            self.settings,
            self.inventory,
            wire_batch_id=self.state.wire_batch_id,
            stack=effective_stack(self.stack, self.hydrator, self.provider_mode),
            llm_config_overrides=self.overrides,
            request_position=self.state.request.model_dump() if self.state.request else None,
            request_republished=[p.model_dump() for p in self.state.republished],
            judge_overrides=self.judge_overrides,
            assignment=self.assignment.as_dict() if self.assignment else None,
            model_manifest_source=self.model_manifest_source,
            llm_provider_mode=self.provider_mode.as_dict() if self.provider_mode else None,
        )

    def _document(
        self,
        status: RunStatus,
        analysis: RunAnalysis,
        fixed: tuple[dict[str, Any], list[dict[str, Any]]] | None = None,
    ) -> dict[str, Any]:
        """The artefact document; ``fixed``: its metadata and manifest, when already made."""
        hydrator = self.hydrator
        metadata, manifest = fixed if fixed is not None else (self._metadata(), None)
        return assemble(
            metadata,
            self.inputs,
            build_validation(self.run_dir, status, analysis=analysis.block, manifest=manifest),
            llm_comparisons=hydrator.comparisons,
            bt_summary=analysis.bt_summary,
            grade_projections=analysis.grade_projections,
            costs=hydrator.cost_block(),
        )

    def status(self, outcome: CollectOutcome | None, started: float) -> RunStatus:
        """The runner status for a checkpoint (``outcome`` None) or the end of collection."""
        return run_status(self.settings, self.hydrator, outcome, started)

    def write_reports(self) -> tuple[Path, ...]:
        """Render the reports next to the artefact (best effort; see :func:`write_run_reports`)."""
        return write_run_reports(self.path, self.hydrator, self.final_document)


def run_status(
    settings: RunSettings, hydrator: Hydrator, outcome: CollectOutcome | None, started: float
) -> RunStatus:
    """The artefact's runner status from the hydrator and how collection ended."""
    completed = outcome is not None and outcome.reason is StopReason.COMPLETED
    status = RunStatus(
        mode=settings.mode,
        partial_data=not completed,
        timeout_seconds=settings.completion_timeout,
        elapsed_seconds=time.monotonic() - started,
        stop_reason=outcome.detail if outcome is not None else "checkpoint: still collecting",
        completion_status=hydrator.completion.status if hydrator.completion else None,
        observed=hydrator.observed,
        failed=hydrator.failure,
        batch_stop=batch_stop_block(
            hydrator.result.assessment_metadata if hydrator.result is not None else None,
            (hydrator.failure or {}).get("error_info"),
        ),
        service_result_missing=outcome is not None and outcome.service_result_missing,
        result_grace_seconds=outcome.result_grace_s if outcome is not None else None,
    )
    if outcome is not None and outcome.reason is StopReason.INTERRUPTED:
        status.stop_reason = "interrupted by Ctrl-C or SIGTERM"
    return status


def write_run_reports(
    artefact_path: Path, hydrator: Hydrator, document: dict[str, Any] | None = None
) -> tuple[Path, ...]:
    """Render report.md/report.html after an awaited run that collected anything.

    ``document`` is the artefact as just written (else it is read back from ``artefact_path``).
    Best effort: the artefact is what matters, so a report failure is logged, never raised.
    """
    collected = (
        hydrator.comparisons
        or hydrator.observed.rejected
        or any(e is not None for e in (hydrator.result, hydrator.completion, hydrator.failure))
    )
    if not collected:
        return ()
    try:
        paths = write_reports(artefact_path, document)
    except Exception as error:
        log.warning("execute.report_failed", error=repr(error), exc_info=True)
        return ()
    log.info("execute.reports_written", paths=[str(p) for p in paths])
    return paths


def effective_stack(
    stack: StackInfo, hydrator: Hydrator, provider_mode: ProviderMode | None = None
) -> StackInfo:
    """Mark the run simulated when the callbacks or the LLM Provider say so, whatever the
    addresses suggested.

    A compose stack or another terminal's local stack looks "external" to the runner; its
    judgements come from the mock provider and its result says ``simulated``. The platform's
    LLM Provider in mock mode names real models on its callbacks; only its health route
    (``provider_mode``) tells.
    """
    profile = reported_profile(hydrator)
    if stack.judge == "simulated":
        return stack if profile is None else dataclasses.replace(stack, judge_profile=profile)
    if provider_mode is not None and provider_mode.mode == "mock":
        return StackInfo(
            stack.kind,
            "simulated",
            f"{stack.description}; the platform's LLM Provider runs in mock mode "
            f"({provider_mode.detail}): judgements and costs are invented, no money was spent",
        )
    flagged = hydrator.result is not None and (
        hydrator.result.assessment_metadata.get("simulated") is True
    )
    mocked = any(c["provider"] == "mock" for c in hydrator.comparisons)
    if not (flagged or mocked):
        return stack
    return StackInfo(
        stack.kind,
        "simulated",
        f"{stack.description}; the callbacks came from a simulated/mock judge (costs are "
        "estimates, no money was spent)",
        judge_profile=profile,
    )


def judge_identity(stack: StackInfo, provider_mode: ProviderMode | None) -> str | None:
    """Who judged an external run, as far as the runner can tell (None: the local stack's
    judge, which the runner started and knows)."""
    if stack.kind != "external":
        return None
    return describe_judge(provider_mode.as_dict() if provider_mode is not None else None)


def reported_profile(hydrator: Hydrator) -> dict[str, Any] | None:
    """The judge profile the CJ result says its simulated judge used (name, hash, rule)."""
    if hydrator.result is None:
        return None
    block = hydrator.result.assessment_metadata.get("judge_profile")
    if not isinstance(block, dict):
        return None
    name, digest = block.get("name"), block.get("sha256")
    if not (isinstance(name, str) and isinstance(digest, str) and len(digest) == 64):
        return None
    profile: dict[str, Any] = {"name": name, "sha256": digest}
    rule = block.get("rule")
    if isinstance(rule, int) and not isinstance(rule, bool):
        profile["rule"] = rule
    parameters = block.get("parameters")
    if isinstance(parameters, dict) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in parameters.values()
    ):
        profile["parameters"] = {str(k): float(v) for k, v in parameters.items()}
    return profile


def validate_checkpoint(document: dict[str, Any], hydrator: Hydrator) -> None:
    """Validate the skeleton and only the comparisons not validated before (linear overall)."""
    start = hydrator.validated_comparisons
    for record in hydrator.comparisons[start:]:
        errors = validation_errors(record, "comparison")
        if errors:
            raise ArtefactInvalid(f"comparison {record['sequence']} is invalid: {errors[0]}")
    hydrator.validated_comparisons = len(hydrator.comparisons)
    validate_document({**document, "llm_comparisons": []})
