"""Shared parts of the benchmarks: platform-format messages, a fast producer, the two loops.

The messages are plain dicts in the platform's wire format (SPEC §4.5–§4.7), built here
rather than with the runner's contract models, as the platform would send them. The runner
path below is the one ``run_execute`` takes after the request is published: the same
collector, hydrator, event log, ``collect()`` loop and ``ExecuteArtefact.write`` (checkpoints
during collection, the final artefact with full schema validation after it).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from jsonschema import Draft202012Validator
from rich.console import Console

from eng5_np.analysis import fit_bradley_terry
from eng5_np.artefact.builder import build_inputs
from eng5_np.artefact.checksum import compute_checksum
from eng5_np.artefact.event_log import EventLog
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.artefact.results import successful_outcomes
from eng5_np.artefact.schema import load_schema, validate_document
from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CALLBACK_TOPICS,
    CJ_COMPLETED_TOPIC,
    CJ_REQUEST_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
    LLMComparisonResultV1,
)
from eng5_np.contracts.envelope import envelope_model
from eng5_np.dataset.inventory import Inventory
from eng5_np.kafka.clients import make_consumer, start_client, stop_client
from eng5_np.kafka.collector import CallbackCollector
from eng5_np.kafka.state import CollectorState, RequestPosition, save_state
from eng5_np.logs import configure_logging, detach_run_log
from eng5_np.modes.collect import CollectConfig, CollectOutcome, collect
from eng5_np.modes.common import load_inventory, prepare_run_folder
from eng5_np.modes.execute import EXTERNAL_STACK
from eng5_np.modes.execute_artefact import ARTEFACT_NAME, ExecuteArtefact, run_status
from eng5_np.modes.progress import SilentProgress
from eng5_np.report.summary import render_summary
from eng5_np.settings import RunMode, RunSettings

ALL_TOPICS = (CJ_REQUEST_TOPIC, *CALLBACK_TOPICS)
ERROR_EVERY = 50
"""One callback in this many is an error callback (rate limit), as the platform sends."""
DEADLINE_S = 600.0
"""No loop of a benchmark runs longer than this, whatever N is."""
POLL_MS = 500
TAIL_CHECK_S = 0.002
JUSTIFICATION = (
    "Essay {w} argues more clearly, with relevant examples and a conclusion that follows; "
    "the other essay loses focus and repeats its claim."
)


def iso(seconds: float) -> str:
    """``seconds`` since the epoch as ISO-8601 UTC with a timezone."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(seconds))


def comparison_callback(wire_batch_id: str, essay_a: str, essay_b: str, index: int) -> bytes:
    """One platform comparison callback (~1.2 KB): a judgement, or every Nth an error."""
    now = time.time()
    correlation = str(uuid.uuid4())
    data: dict[str, Any] = {
        "request_id": f"req-{uuid.uuid4()}",
        "correlation_id": correlation,
        "provider": "anthropic",
        "model": "claude-haiku-4-5-20251001",
        "response_time_ms": 900 + index % 700,
        "token_usage": {"prompt_tokens": 1850, "completion_tokens": 140, "total_tokens": 1990},
        "cost_estimate": 0.002550,
        "requested_at": iso(now - 2),
        "completed_at": iso(now),
        "trace_id": None,
        "request_metadata": {
            "essay_a_id": essay_a,
            "essay_b_id": essay_b,
            "prompt_sha256": hashlib.sha256(f"{essay_a}|{essay_b}|{index}".encode()).hexdigest(),
            "bos_batch_id": wire_batch_id,
            "cj_batch_id": str(1000 + index // 500),
            "cj_source": "els",
            "cj_request_type": "cj_comparison",
            "cj_llm_batching_mode": "per_request",
        },
    }
    if index % ERROR_EVERY == ERROR_EVERY - 1:
        data.update(provider="openai", model="unknown", cost_estimate=0.0)
        data["token_usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        data["error_detail"] = {
            "error_code": "RATE_LIMIT",
            "message": "provider rate limit exceeded; retries exhausted",
            "correlation_id": correlation,
            "timestamp": iso(now),
            "service": "llm_provider_service",
            "operation": "generate_comparison",
            "details": {"retry_after_s": 30, "attempts": 3},
            "stack_trace": None,
            "trace_id": None,
            "span_id": None,
        }
    else:
        winner = "Essay A" if index % 3 else "Essay B"
        data.update(
            winner=winner,
            justification=JUSTIFICATION.format(w=winner[-1]),
            confidence=float(1 + index % 5),
        )
    return _envelope("LLMComparisonResultV1", "llm_provider_service", data)


def rich_result(wire_batch_id: str, inventory: Inventory) -> bytes:
    """The rich result for every essay of the run, anchors included (SPEC §4.7)."""
    essays = inventory.essays
    results = []
    for rank, essay in enumerate(essays, start=1):
        anchor = essay in inventory.anchors
        results.append(
            {
                "essay_id": essay.essay_id,
                "normalized_score": round(1 - (rank - 1) / len(essays), 6),
                "letter_grade": (essay.grade or "U") if anchor else "C+",
                "confidence_score": 0.7,
                "confidence_label": "MID",
                "bt_score": round(2.0 - 4.0 * (rank - 1) / len(essays), 6),
                "rank": rank,
                "is_anchor": anchor,
                "feedback_uri": None,
                "metrics_uri": None,
                "display_name": f"ANCHOR GRADE {essay.grade}" if anchor else None,
            }
        )
    data = {
        **_base("assessment.result.published", wire_batch_id),
        "batch_id": wire_batch_id,
        "cj_assessment_job_id": "job-bench",
        "assessment_method": "cj_assessment",
        "model_used": "claude-haiku-4-5-20251001",
        "model_provider": "anthropic",
        "model_version": None,
        "essay_results": results,
        "assessment_metadata": {"comparison_count": 0},
        "assessed_at": iso(time.time()),
    }
    return _envelope("huleedu.ras.assessment.result.published.v1", "cj_assessment_service", data)


def completion(wire_batch_id: str, essays: int) -> bytes:
    """The thin completion for the batch (SPEC §4.6)."""
    data = {
        **_base("cj_assessment.completed", wire_batch_id),
        "status": "completed_successfully",
        "system_metadata": {
            "entity_id": wire_batch_id,
            "entity_type": "batch",
            "parent_id": None,
            "timestamp": iso(time.time()),
            "processing_stage": "completed",
            "event": "cj_assessment.completed",
            "error_info": {},
        },
        "cj_assessment_job_id": "job-bench",
        "processing_summary": {"total_essays": essays, "successful": essays, "failed": 0},
    }
    return _envelope("huleedu.cj.assessment.completed.v1", "cj_assessment_service", data)


def _base(event_name: str, wire_batch_id: str) -> dict[str, Any]:
    return {
        "event_name": event_name,
        "entity_id": wire_batch_id,
        "entity_type": "batch",
        "parent_id": None,
        "timestamp": iso(time.time()),
    }


def _envelope(event_type: str, source: str, data: dict[str, Any]) -> bytes:
    envelope = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "event_timestamp": iso(time.time()),
        "source_service": source,
        "schema_version": 1,
        "correlation_id": str(uuid.uuid4()),
        "data_schema_uri": None,
        "data": data,
        "metadata": None,
    }
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")


@dataclass
class Workload:
    """One batch's worth of messages, and the run it belongs to."""

    wire_batch_id: str
    inventory: Inventory
    comparisons: list[bytes]
    result: bytes
    completion: bytes

    @property
    def mean_callback_bytes(self) -> float:
        """Average size of a comparison callback on the wire."""
        return sum(map(len, self.comparisons)) / max(len(self.comparisons), 1)


def make_workload(events: int, dataset_dir: Path | None = None) -> Workload:
    """``events`` callbacks over the sample dataset's essays, plus result and completion."""
    wire = str(uuid.uuid4())
    settings = RunSettings() if dataset_dir is None else RunSettings(dataset_dir=dataset_dir)
    inventory = load_inventory(settings, wire)
    ids = [e.essay_id for e in inventory.essays]
    comparisons = []
    for index in range(events):
        # Walk the pairs so every essay meets every other one (a connected design for BT).
        a = ids[index % len(ids)]
        b = ids[(index + 1 + (index // len(ids)) % (len(ids) - 1)) % len(ids)]
        comparisons.append(comparison_callback(wire, a, b, index))
    return Workload(
        wire,
        inventory,
        comparisons,
        rich_result(wire, inventory),
        completion(wire, len(ids)),
    )


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    """A producer as the platform's (``acks="all"``, no idempotence), batching for speed."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,
        max_batch_size=1 << 20,
        linger_ms=5,
    )


async def produce(bootstrap: str, workload: Workload, *, tail: bool = True) -> float:
    """Send every callback (send() each, one flush), then the tail if asked; return seconds."""
    start = time.perf_counter()
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for value in workload.comparisons:
            await producer.send(LLM_COMPARISON_RESULT_TOPIC, value)
        await producer.flush()
    finally:
        await producer.stop()
    if tail:
        await produce_tail(bootstrap, workload)
    return time.perf_counter() - start


async def produce_tail(bootstrap: str, workload: Workload) -> None:
    """Send the rich result and the thin completion (after the callbacks, as the platform)."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(ASSESSMENT_RESULT_TOPIC, workload.result)
        await producer.send_and_wait(CJ_COMPLETED_TOPIC, workload.completion)
    finally:
        await producer.stop()


async def watch_hydration(
    workload: Workload, hydrator: Hydrator, tail_to: str | None = None
) -> float:
    """Wait until the runner holds every callback; return when (then send the tail if asked).

    With ``tail_to`` the rich result and completion go to that broker only now, as they
    reach a runner that keeps up with a live batch; otherwise they were pre-produced and the
    runner must read every callback before it stops (it drains the comparison partitions).
    """
    deadline = time.monotonic() + DEADLINE_S
    while hydrator.observed.llm_comparisons < len(workload.comparisons):
        if time.monotonic() > deadline:
            raise TimeoutError("the runner did not hydrate every callback in time")
        await asyncio.sleep(TAIL_CHECK_S)
    hydrated_at = time.monotonic()
    if tail_to is not None:
        await produce_tail(tail_to, workload)
    return hydrated_at


async def baseline_loop(bootstrap: str, expected: int) -> float:
    """A bare group-less consumer that reads ``expected`` callbacks and validates each with
    Pydantic alone (SPEC §10: "a bare loop that consumes the same messages and validates them
    with Pydantic"): ``model_validate_json`` of the envelope model, no runner checks."""
    model = envelope_model(LLMComparisonResultV1)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partition = TopicPartition(LLM_COMPARISON_RESULT_TOPIC, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        start = time.perf_counter()
        deadline = time.monotonic() + DEADLINE_S
        seen = 0
        while seen < expected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"baseline read {seen}/{expected} in {DEADLINE_S} s")
            batches = await consumer.getmany(timeout_ms=POLL_MS)
            for messages in batches.values():
                for message in messages:
                    assert message.value is not None
                    model.model_validate_json(message.value)
                    seen += 1
        return time.perf_counter() - start
    finally:
        await consumer.stop()


@dataclass
class RunnerTiming:
    """What the runner path did and how long each part took."""

    hydrate_s: float
    """Consume + hydrate + append + checkpoints, until every callback was hydrated."""
    completion_wait_s: float
    """From then until ``collect()`` returned (reading the tail, draining, broker long-poll)."""
    final_s: float
    """Final artefact: BT fit, build, checksum, full schema validation, atomic write."""
    reports_s: float
    """report.md, report.html and the terminal summary, as ``run_execute`` and the CLI do."""
    outcome: CollectOutcome
    comparisons: int
    artefact_bytes: int

    @property
    def total_s(self) -> float:
        """End to end from the first callback to the runner's last output, without waiting for
        the broker: hydrating every callback, the final artefact, the reports and summary."""
        return self.hydrate_s + self.final_s + self.reports_s


async def runner_path(
    bootstrap: str,
    workload: Workload,
    run_dir: Path,
    config: CollectConfig | None = None,
    keep_artefact: Path | None = None,
    tail_produced: bool = True,
) -> RunnerTiming:
    """Collect the workload into an artefact exactly as ``run_execute`` does after publishing.

    ``tail_produced=False``: the rich result and completion are sent once every callback is
    hydrated (they are not in the broker yet).
    """
    wire = workload.wire_batch_id
    settings = RunSettings(
        mode=RunMode.EXECUTE,
        output_dir=run_dir,
        batch_id="bench-collect",
        kafka_bootstrap=bootstrap,
        await_completion=True,
        completion_timeout=DEADLINE_S,
    )
    inventory = workload.inventory
    prepare_run_folder(settings, wire)
    try:
        # A state saying "published, read from offset 0": the collector starts where the
        # pre-produced callbacks begin, as a resumed run would.
        state = CollectorState(
            batch_label=settings.batch_id,
            wire_batch_id=wire,
            request_published=True,
            request=RequestPosition(
                topic=CJ_REQUEST_TOPIC, partition=0, offset=0, published_at=iso(time.time())
            ),
            offsets={topic: {"0": 0} for topic in CALLBACK_TOPICS},
        )
        save_state(run_dir, state)
        storage_ids = {e.checksum: uuid.uuid4().hex for e in inventory.essays}
        assert inventory.prompt is not None
        storage_ids[inventory.prompt.checksum] = uuid.uuid4().hex
        inputs = build_inputs(inventory, storage_ids)
        hydrator = Hydrator(
            wire_batch_id=wire, run_essay_ids=frozenset(e.essay_id for e in inventory.essays)
        )
        events = EventLog(run_dir)

        writer = ExecuteArtefact(
            settings, inventory, run_dir, hydrator, state, EXTERNAL_STACK, None, inputs
        )

        def artefact(final: bool, outcome: CollectOutcome | None) -> Path:
            return writer.write(run_status(settings, hydrator, outcome, started), final=final)

        consumer = make_consumer(settings)
        await start_client(consumer, bootstrap)
        started = time.monotonic()
        tail = asyncio.create_task(
            watch_hydration(workload, hydrator, None if tail_produced else bootstrap)
        )
        try:
            collector = CallbackCollector(consumer, CALLBACK_TOPICS)
            await collector.position(state)
            outcome = await collect(
                run_dir=run_dir,
                state=state,
                collector=collector,
                hydrator=hydrator,
                events=events,
                config=config or CollectConfig(timeout_s=DEADLINE_S),
                expected_comparisons=len(workload.comparisons),
                progress=SilentProgress(),
                write_artefact=lambda: artefact(False, None),
                started_at=started,
            )
        finally:
            events.close()
            if not tail.done():
                tail.cancel()
            await asyncio.gather(tail, return_exceptions=True)
            await stop_client(consumer)
        collected = time.monotonic()
        hydrated_at = tail.result() if tail.done() and not tail.cancelled() else collected
        if hydrator.observed.llm_comparisons < len(workload.comparisons):
            raise RuntimeError(
                f"the runner stopped ({outcome.reason.value}: {outcome.detail}) after "
                f"{hydrator.observed.llm_comparisons} of {len(workload.comparisons)} callbacks"
            )
        path = artefact(True, outcome)
        written = time.monotonic()
        # What follows the final write before the process exits: the reports, the summary.
        writer.write_reports()
        render_summary(
            Console(file=io.StringIO(), width=80),
            hydrator,
            artefact_path=path,
            partial=False,
            stop_reason=outcome.detail,
            stack_description=EXTERNAL_STACK.description,
            document=writer.final_document,
        )
        finished = time.monotonic()
        if keep_artefact is not None:
            shutil.copyfile(path, keep_artefact)
    finally:
        detach_run_log()
    return RunnerTiming(
        hydrate_s=hydrated_at - started,
        completion_wait_s=collected - hydrated_at,
        final_s=written - collected,
        reports_s=finished - written,
        outcome=outcome,
        comparisons=len(hydrator.comparisons),
        artefact_bytes=(run_dir / ARTEFACT_NAME).stat().st_size if path.exists() else 0,
    )


@dataclass
class FinalBreakdown:
    """Seconds spent by the parts of the final artefact write, re-timed on its document."""

    bt_fit_s: float
    checksum_s: float
    """Canonical serialisation + SHA-256: the file is that serialisation, so this is also
    the serialisation cost of the write."""
    jsonschema_s: float
    """Full validation as the runner does it (compiled ``jsonschema-rs`` first)."""
    pure_python_jsonschema_s: float
    """Full validation with pure-Python ``jsonschema``, for comparison."""


def time_final_parts(artefact_path: Path) -> FinalBreakdown:
    """Re-time BT fit, checksum/serialisation and full schema validation of an artefact."""
    document = json.loads(artefact_path.read_bytes())
    comparisons = document["llm_comparisons"]

    def timed(action: Callable[[], object]) -> float:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start

    pure = Draft202012Validator(load_schema())
    return FinalBreakdown(
        bt_fit_s=timed(lambda: fit_bradley_terry(successful_outcomes(comparisons))),
        checksum_s=timed(lambda: compute_checksum(document)),
        jsonschema_s=timed(lambda: validate_document(document)),
        pure_python_jsonschema_s=timed(lambda: pure.is_valid(document)),
    )


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def quiet_logging() -> None:
    """Console logging on stderr, as the CLI sets it up (warnings and up)."""
    configure_logging()


def metric(name: str, value: float, unit: str) -> None:
    """Print one result line: ``name value unit``."""
    print(f"{name} {value:.6g} {unit}", flush=True)
