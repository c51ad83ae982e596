"""Execute mode (SPEC §5.1): inventory → uploads → request → position → publish → collect →
hydrate → artefact. Nothing is published before everything it references is uploaded, and
the collector's positions are fixed (and saved) before the request is published.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eng5_np.artefact.builder import (
    RunStatus,
    StackInfo,
    build_inputs,
)
from eng5_np.artefact.event_log import EVENT_FILES, EventLog
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.contracts import CALLBACK_TOPICS, CJ_REQUEST_TOPIC, to_wire_bytes
from eng5_np.dataset.inventory import EssayFile, Inventory
from eng5_np.errors import (
    BatchFailed,
    CollectionInterrupted,
    CollectionTimeout,
    RunnerError,
    UploadError,
    UsageError,
)
from eng5_np.kafka.clients import make_consumer, require_topics, start_client, stop_client
from eng5_np.kafka.collector import CallbackCollector
from eng5_np.kafka.state import CollectorState, load_state, save_state
from eng5_np.logs import get_logger
from eng5_np.modes.collect import CollectConfig, CollectOutcome, StopReason, collect
from eng5_np.modes.common import (
    load_inventory,
    new_wire_batch_id,
    prepare_run_folder,
)
from eng5_np.modes.execute_artefact import ExecuteArtefact, judge_identity
from eng5_np.modes.execute_publish import (
    REQUEST_FILE,
    publish_once,
    republish,
    storage_ids_from_request,
)
from eng5_np.modes.preflight import (
    check_assignment,
    check_model,
    load_saved_assignment,
    save_assignment,
)
from eng5_np.modes.progress import ProgressSink, SilentProgress
from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.request.budget import ComparisonBudget, requested_max_comparisons
from eng5_np.request.envelope import compose_request
from eng5_np.request.overrides import llm_overrides_payload, load_judge_overrides
from eng5_np.settings import RunSettings
from eng5_np.upload import (
    RetryPolicy,
    UploadCache,
    UploadItem,
    UploadProgress,
    check_reachable,
    upload_texts,
)

log = get_logger(__name__)

EXTERNAL_STACK = StackInfo("external", "llm", "services given by address (the platform)")


@dataclass
class ExecuteResult:
    """What an execute run produced."""

    artefact_path: Path
    wire_batch_id: str
    published: bool
    resumed: bool
    outcome: CollectOutcome | None
    hydrator: Hydrator
    warnings: list[str] = field(default_factory=list)
    report_paths: tuple[Path, ...] = ()
    judge: str | None = None
    """Who judged, as far as the runner can tell, for the summary (external stacks only)."""
    document: dict[str, Any] | None = None
    """The final artefact as written (None when no final write happened): the summary's
    headline figures are read from it."""

    def raise_for_outcome(self) -> None:
        """Raise the documented error when collection failed, timed out or was interrupted."""
        outcome = self.outcome
        if outcome is None or outcome.reason is StopReason.COMPLETED:
            return
        path = self.artefact_path
        if outcome.reason is StopReason.FAILED:
            raise BatchFailed(
                f"the CJ service reported the batch failed: {outcome.detail}; artefact {path}"
            )
        if outcome.reason is StopReason.TIMEOUT:
            advice = None
            if self.hydrator.observed.llm_comparisons == 0:
                advice = (
                    "No comparison arrived: the CJ service may never have picked the request "
                    f"up. Check it consumes {CJ_REQUEST_TOPIC}, then run the same command "
                    "with --republish to publish the request again (the partial artefact is "
                    "valid)."
                )
            raise CollectionTimeout(f"{outcome.detail}; partial artefact {path}", advice=advice)
        raise CollectionInterrupted(f"collection interrupted; partial artefact {path}")


async def run_execute(
    settings: RunSettings,
    *,
    stack: StackInfo = EXTERNAL_STACK,
    progress: ProgressSink | None = None,
    collect_config: CollectConfig | None = None,
    raise_on_failure: bool = True,
) -> ExecuteResult:
    """Run the experiment; raises the documented errors *after* writing the artefact.

    With ``raise_on_failure=False`` a failed, timed-out or interrupted collection is returned
    (so a caller can show the summary first) and ``ExecuteResult.raise_for_outcome`` raises.
    """
    sink = progress or SilentProgress()
    run_dir = settings.resolved_output_dir
    state = load_state(run_dir)
    if state is not None and state.batch_label != settings.batch_id:
        raise UsageError(
            f"{run_dir} holds batch {state.batch_label!r}, not {settings.batch_id!r}",
            advice=f"Pass --batch-id {state.batch_label} to resume it, or another --output-dir.",
        )
    resumed = state is not None and state.request_published
    if settings.republish and not resumed:
        raise UsageError(
            f"--republish: {run_dir} holds no published request to publish again",
            advice="Use --republish only to resume a run whose request was published (the same "
            "--output-dir and --batch-id); a new run publishes its request anyway.",
        )
    wire_batch_id = state.wire_batch_id if state is not None else new_wire_batch_id()
    state = state or CollectorState(batch_label=settings.batch_id, wire_batch_id=wire_batch_id)

    inventory = load_inventory(settings, wire_batch_id)
    inventory.require_usable()
    judge_overrides = load_judge_overrides(settings)
    model_check = await check_model(settings)
    # An assignment run is checked before anything is uploaded; a resumed one uses what the
    # run that published the batch saw (the request is out: nothing would change it now).
    saved = load_saved_assignment(run_dir) if resumed else None
    assignment = saved or await check_assignment(settings)
    warnings = [*model_check.warnings, *(assignment.warnings if assignment else ())]
    run_dir = prepare_run_folder(settings, wire_batch_id)
    if assignment is not None and saved is None:
        save_assignment(run_dir, assignment)
    for warning in [*warnings, *inventory.warnings]:
        log.warning("execute.warning", detail=warning)
        sink.note(f"warning: {warning}")
    overrides = llm_overrides_payload(settings, judge_overrides)
    # A guest run sends anchors and students; an assignment run students only (SPEC §11.1).
    essays = inventory.students if assignment is not None else inventory.essays

    if not settings.no_kafka:
        # A dead broker or missing topics found after 24 uploads wasted them (issue 8).
        await require_topics(settings, (CJ_REQUEST_TOPIC, *CALLBACK_TOPICS))
    request_bytes: bytes | None = None  # composed below unless the request is already out
    if resumed:
        storage_ids = storage_ids_from_request(run_dir, inventory)
        log.info("execute.resume", wire_batch_id=wire_batch_id)
    else:
        storage_ids = await _upload(settings, inventory, essays, sink)
        assert inventory.prompt is not None
        envelope = compose_request(
            settings,
            wire_batch_id=wire_batch_id,
            essays=essays,
            storage_ids=storage_ids,
            prompt_storage_id=storage_ids.get(inventory.prompt.checksum),
            prompt_path=inventory.prompt.source_path,
            llm_overrides=overrides,
        )
        request_bytes = to_wire_bytes(envelope)
        atomic_write_bytes(run_dir / REQUEST_FILE, request_bytes)

    hydrator = Hydrator(
        wire_batch_id=wire_batch_id,
        run_essay_ids=frozenset(e.essay_id for e in essays),
        strict_metadata=settings.strict_metadata,
    )
    events = EventLog(run_dir)
    _replay(events, state, hydrator)
    inputs = build_inputs(inventory, storage_ids, anchors_sent=assignment is None)
    started = time.monotonic()

    writer = ExecuteArtefact(
        settings,
        inventory,
        run_dir,
        hydrator,
        state,
        stack,
        overrides,
        inputs,
        judge_overrides=judge_overrides,
        assignment=assignment,
        model_manifest_source=model_check.source,
        provider_mode=model_check.provider_mode,
    )

    judge = judge_identity(stack, model_check.provider_mode)

    def artefact(status: RunStatus, final: bool) -> Path:
        return writer.write(status, final=final)

    if settings.no_kafka:
        # Saved so that a later run with the same --batch-id publishes this very batch.
        save_state(run_dir, state)
        path = artefact(
            RunStatus(mode=settings.mode, stop_reason="--no-kafka: not published"), True
        )
        return ExecuteResult(
            path, wire_batch_id, False, resumed, None, hydrator, warnings, judge=judge
        )

    consumer = make_consumer(settings)
    await start_client(consumer, settings.kafka_bootstrap, security=settings.kafka_security)
    try:
        collector = CallbackCollector(consumer, CALLBACK_TOPICS)
        await collector.position(state)
        state.offsets = collector.offsets_for_state()
        state.event_file_sizes = events.sizes()
        save_state(run_dir, state)
        if not state.request_published:
            assert request_bytes is not None  # not resumed, so it was composed above
            state.request = await publish_once(settings, run_dir, state, request_bytes)
            state.request_published = True
            save_state(run_dir, state)
            log.info("execute.published", **state.request.model_dump())
        elif settings.republish:
            again = await republish(settings, run_dir, state)
            sink.note(
                f"re-published the request (partition {again.partition}, offset {again.offset})"
            )
        if not settings.await_completion:
            path = artefact(
                RunStatus(
                    mode=settings.mode,
                    partial_data=True,
                    stop_reason="--await-completion not given: request published, callbacks "
                    "not collected",
                ),
                True,
            )
            return ExecuteResult(
                path, wire_batch_id, True, resumed, None, hydrator, warnings, judge=judge
            )
        budget = ComparisonBudget(len(essays), requested_max_comparisons(settings, len(essays)))
        timeout = settings.completion_timeout
        config = collect_config or CollectConfig(
            timeout_s=timeout,
            completion_grace_s=settings.result_grace,
            first_callback_deadline_s=settings.first_callback_deadline,
        )
        collecting = collect(
            run_dir=run_dir,
            state=state,
            collector=collector,
            hydrator=hydrator,
            events=events,
            config=config,
            expected_comparisons=budget.promised,
            progress=sink,
            write_artefact=lambda: artefact(writer.status(None, started), False),
            started_at=started,
        )
        try:
            outcome = await collecting
        except RunnerError as error:
            # e.g. --strict-metadata: keep what was collected as a valid partial artefact.
            stopped = writer.status(None, started)
            stopped.stop_reason = error.message
            artefact(stopped, True)
            writer.write_reports()
            raise
    finally:
        events.close()
        await stop_client(consumer)

    path = artefact(writer.status(outcome, started), True)
    reports = writer.write_reports()
    state.finished = outcome.reason is StopReason.COMPLETED
    save_state(run_dir, state)
    result = ExecuteResult(
        path,
        wire_batch_id,
        True,
        resumed,
        outcome,
        hydrator,
        warnings,
        report_paths=reports,
        judge=judge,
        document=writer.final_document,
    )
    if raise_on_failure:
        result.raise_for_outcome()
    return result


async def _upload(
    settings: RunSettings, inventory: Inventory, essays: list[EssayFile], sink: ProgressSink
) -> dict[str, str]:
    assert inventory.prompt is not None
    items = [UploadItem(e.checksum, e.source_path, e.text) for e in essays]
    items.append(
        UploadItem(
            inventory.prompt.checksum, inventory.prompt.source_path, inventory.prompt.content
        )
    )
    await check_reachable(settings.content_service_url)
    cache = UploadCache(
        settings.upload_cache_dir or UploadCache.default_dir(), settings.content_service_url
    )

    def report(p: UploadProgress) -> None:
        sink.uploads(p.done, p.total, p.failed, p.from_cache)

    outcome = await upload_texts(
        items,
        url=settings.content_service_url,
        concurrency=settings.upload_concurrency,
        cache=cache,
        force_reupload=settings.force_reupload,
        retry=RetryPolicy(
            attempts=settings.upload_attempts, request_timeout_s=settings.upload_timeout
        ),
        on_progress=report,
    )
    log.info(
        "execute.uploaded",
        uploaded=outcome.uploaded,
        from_cache=outcome.from_cache,
        failed=len(outcome.failures),
    )
    if outcome.failures:
        lines = [f"{f.label}: {f.reason}" for f in outcome.failures]
        raise UploadError(
            f"{len(lines)} upload(s) failed, nothing was published: {lines[0]}"
            + (f" (+{len(lines) - 1} more, in runner.log.jsonl)" if len(lines) > 1 else ""),
            failures=lines,
        )
    return outcome.storage_ids


def _replay(events: EventLog, state: CollectorState, hydrator: Hydrator) -> None:
    """Cut event files back to what the state covers and re-apply them."""
    events.truncate_to(state.event_file_sizes)
    for name in EVENT_FILES:
        for line in events.lines(name):
            hydrator.replay(name, line)
    hydrator.observed.foreign = state.counts.get("foreign", 0)
    hydrator.observed.duplicates = state.counts.get("duplicates", 0)
