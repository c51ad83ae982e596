"""The collection loop: poll, hydrate, append, checkpoint, stop on done/failed/timeout/signal.

Durability order per checkpoint (SPEC §5.5): event files are fsynced first, then the state
file (offsets + the file lengths they cover) is replaced atomically, then — less often — the
artefact. A crash between steps loses nothing: resume truncates the event files to the state's
lengths and re-reads from the state's offsets.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiokafka import TopicPartition

from eng5_np.artefact.event_log import EventLog
from eng5_np.artefact.hydrator import Hydrator, MetadataIncomplete
from eng5_np.contracts import CJ_REQUEST_TOPIC
from eng5_np.errors import UsageError
from eng5_np.kafka.collector import CallbackCollector
from eng5_np.kafka.state import CollectorState, save_state
from eng5_np.logs import get_logger
from eng5_np.modes.progress import ProgressSink
from eng5_np.primitives.heap import frozen_heap
from eng5_np.settings import FIRST_CALLBACK_DEADLINE_S, RESULT_GRACE_S

log = get_logger(__name__)


GRACE_NOTE_AFTER_S = 5.0
"""Seconds after a completion without its result before the wait for it is announced."""


class StopReason(StrEnum):
    """Why collection ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class CollectConfig:
    """Timing of the collection loop (named settings, not magic numbers)."""

    timeout_s: float
    poll_s: float = 0.5
    result_grace_s: float = 10.0
    """How long to wait for the thin completion once the rich result is in."""
    completion_grace_s: float = RESULT_GRACE_S
    """How long to wait for the rich result once the thin completion is in (``--result-grace``):
    the platform can send the completion and never the result (SPEC §11.6); after this the
    run ends complete, analysed from the comparisons alone."""
    first_callback_deadline_s: float = FIRST_CALLBACK_DEADLINE_S
    """Seconds without any comparison of the batch before the runner says the CJ service may
    never have picked the request up (``--first-callback-deadline``); collection goes on until
    ``timeout_s``."""
    state_every_events: int = 500
    state_every_s: float = 1.0
    artefact_every_s: float = 15.0
    silence_warning_s: float = 60.0


@dataclass
class CollectOutcome:
    """How collection ended."""

    reason: StopReason
    elapsed_s: float
    detail: str
    service_result_missing: bool = False
    """Completed on the thin completion alone: the service's rich result never came."""
    result_grace_s: float | None = None
    """How long the rich result was waited for after the completion (when it never came)."""


def save_checkpoint(
    run_dir: Path,
    state: CollectorState,
    events: EventLog,
    collector: CallbackCollector,
    hydrator: Hydrator,
) -> None:
    """fsync event files, then atomically record offsets, file lengths and counters."""
    events.sync()
    state.offsets = collector.offsets_for_state()
    state.event_file_sizes = events.sizes()
    state.counts = {
        "foreign": hydrator.observed.foreign,
        "duplicates": hydrator.observed.duplicates,
    }
    save_state(run_dir, state)


async def collect(
    *,
    run_dir: Path,
    state: CollectorState,
    collector: CallbackCollector,
    hydrator: Hydrator,
    events: EventLog,
    config: CollectConfig,
    expected_comparisons: int | None,
    progress: ProgressSink,
    write_artefact: Callable[[], object],
    started_at: float | None = None,
) -> CollectOutcome:
    """Collect until the batch completes or fails, the timeout passes, or a signal arrives."""
    start = started_at if started_at is not None else time.monotonic()
    deadline = start + config.timeout_s
    stop = asyncio.Event()
    signals = _install_signal_handlers(stop)
    since_state = 0
    last_state = last_artefact = last_event = time.monotonic()
    result_seen_at: float | None = None
    completion_seen_at: float | None = None
    grace_noted = False
    first_callback_noted = False
    drain_to: dict[TopicPartition, int] | None = None
    drained_idle = False
    silence_warned_at = 0.0  # the silence (s) the last warning reported; 0 = none yet
    heap = frozen_heap()  # see eng5_np.primitives.heap: GC passes skip what lives all run
    heap.__enter__()
    try:
        while True:
            now = time.monotonic()
            if hydrator.failure is not None:
                return CollectOutcome(StopReason.FAILED, now - start, hydrator.failure["reason"])
            finished = None
            without_result = False
            if hydrator.done:
                finished = "result and completion"
            elif result_seen_at is not None and now - result_seen_at >= config.result_grace_s:
                finished = "result received; completion not seen"
            elif (
                completion_seen_at is not None
                and now - completion_seen_at >= config.completion_grace_s
            ):
                finished = (
                    "completion received; the CJ service's result never came (waited "
                    f"{config.completion_grace_s:g} s): analysed from the comparisons alone"
                )
                without_result = True
            if finished is not None:
                # The result and completion travel on other topics than the comparisons, so
                # with a backlog (a resume, a slow runner) they can be read before the last
                # comparisons: stop only once every partition is read up to where it ended
                # when the batch was seen finished, or a poll found nothing more (offsets
                # that hold no record, such as transaction markers, are never "read").
                if drain_to is None:
                    drain_to = await collector.end_offsets()
                if drained_idle or collector.has_reached(drain_to):
                    return CollectOutcome(
                        StopReason.COMPLETED,
                        now - start,
                        finished,
                        service_result_missing=without_result,
                        result_grace_s=config.completion_grace_s if without_result else None,
                    )
            if stop.is_set():
                return CollectOutcome(StopReason.INTERRUPTED, now - start, "interrupted by signal")
            if now >= deadline:
                return CollectOutcome(
                    StopReason.TIMEOUT, now - start, f"no completion within {config.timeout_s:g} s"
                )
            poll = min(config.poll_s, max(deadline - now, 0.0))
            records = await collector.poll(poll)
            drained_idle = drain_to is not None and not records
            for record in records:
                try:
                    decision = hydrator.handle(
                        record.topic, record.partition, record.offset, record.value
                    )
                except MetadataIncomplete as error:
                    save_checkpoint(run_dir, state, events, collector, hydrator)
                    raise UsageError(
                        f"--strict-metadata: {error} (topic {record.topic}, partition "
                        f"{record.partition}, offset {record.offset})",
                        advice="Drop --strict-metadata to record such callbacks in "
                        "events/rejected.jsonl instead.",
                    ) from None
                if decision.file is not None and decision.line is not None:
                    events.append(decision.file, decision.line)
                collector.advance(record)
                since_state += 1
            if records:
                events.flush()
            now = time.monotonic()
            if records:
                last_event = now
                silence_warned_at = 0.0
            if hydrator.result is not None and result_seen_at is None:
                result_seen_at = now
            if hydrator.completion is not None and completion_seen_at is None:
                completion_seen_at = now
            if (
                not grace_noted
                and completion_seen_at is not None
                and hydrator.result is None
                and now - completion_seen_at >= min(GRACE_NOTE_AFTER_S, config.completion_grace_s)
            ):
                # Not at once: the result often follows the completion on its own topic.
                progress.note(
                    "the CJ service sent its completion but not its result; waiting up to "
                    f"{config.completion_grace_s:g} s (--result-grace) for it"
                )
                grace_noted = True
            if since_state >= config.state_every_events or (
                since_state and now - last_state >= config.state_every_s
            ):
                save_checkpoint(run_dir, state, events, collector, hydrator)
                since_state, last_state = 0, now
            if now - last_artefact >= config.artefact_every_s:
                write_artefact()
                last_artefact = now
            if not first_callback_noted and now - start >= config.first_callback_deadline_s:
                first_callback_noted = True
                if _nothing_for_the_batch(hydrator):
                    log.warning("collect.no_first_callback", seconds=round(now - start))
                    progress.note(not_picked_up_line(config))
            silence = now - last_event
            if silence >= silence_warned_at + config.silence_warning_s:
                # Repeated every silence_warning_s with the time so far: one warning in a
                # 216 s silence read as a hiccup (issue 8).
                message = f"no callback for {silence:.0f} s; still waiting"
                log.warning("collect.silence", seconds=round(silence))
                progress.note(message)
                silence_warned_at = silence
            progress.callbacks(
                hydrator.observed.llm_comparisons,
                expected_comparisons,
                now - start,
                hydrator.known_cost_usd,
            )
    finally:
        heap.__exit__(None, None, None)
        _remove_signal_handlers(signals)
        save_checkpoint(run_dir, state, events, collector, hydrator)


def _nothing_for_the_batch(hydrator: Hydrator) -> bool:
    """No comparison, result, completion or failure of the batch has arrived."""
    return hydrator.observed.llm_comparisons == 0 and not any(
        event is not None for event in (hydrator.result, hydrator.completion, hydrator.failure)
    )


def not_picked_up_line(config: CollectConfig) -> str:
    """The one line said when the first-callback deadline passes without any comparison."""
    return (
        f"no comparison for this batch {config.first_callback_deadline_s:g} s after publishing: "
        f"is the CJ service consuming {CJ_REQUEST_TOPIC}? (a consumer that joined after the "
        "publish never sees the request) — stop and run the same command with --republish, "
        f"or resume later; waiting until --completion-timeout ({config.timeout_s:g} s)"
    )


def _install_signal_handlers(stop: asyncio.Event) -> list[int]:
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            # The event loop cannot take signal handlers here (Windows, or not the main
            # thread): Ctrl-C then ends the run through KeyboardInterrupt instead.
            continue
    return installed


def _remove_signal_handlers(installed: list[int]) -> None:
    loop = asyncio.get_running_loop()
    for sig in installed:
        loop.remove_signal_handler(sig)
