"""Plays the platform's side of a run in tests: reads the runner's request, sends callbacks.

The messages are built here as plain dicts in the platform's wire format (SPEC §4.5–§4.9),
deliberately not with the runner's own contract models, so a mistake in those models cannot
hide itself. As on the platform, callbacks carry no message key and their ``event_type`` is
never the topic name (the runner must route by topic). ``runner_process`` starts the
runner itself.

Importable from any test module: ``tests/conftest.py`` makes pytest (default ``prepend``
import mode, ``tests/`` without ``__init__.py``) put ``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

REQUEST_TOPIC = "huleedu.els.cj_assessment.requested.v1"
COMPARISON_TOPIC = "huleedu.llm_provider.comparison_result.v1"
COMPLETED_TOPIC = "huleedu.cj_assessment.completed.v1"
FAILED_TOPIC = "huleedu.cj_assessment.failed.v1"
RESULT_TOPIC = "huleedu.assessment.result.published.v1"

# What the platform's producers put in ``event_type`` — on purpose not the topic names.
COMPARISON_EVENT_TYPE = "LLMComparisonResultV1"
COMPLETED_EVENT_TYPE = "huleedu.cj.assessment.completed.v1"
FAILED_EVENT_TYPE = "huleedu.cj.assessment.failed.v1"
RESULT_EVENT_TYPE = "huleedu.ras.assessment.result.published.v1"

DEFAULT_MODEL = "claude-haiku-4-5-20251001"
POLL_MS = 200


def now_iso() -> str:
    """The current time as ISO-8601 with timezone."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def prompt_hash(essay_a_id: str, essay_b_id: str) -> str:
    """A realistic ``prompt_sha256``: the hash of a (made-up) judge prompt for the pair."""
    return hashlib.sha256(f"judge {essay_a_id} vs {essay_b_id}".encode()).hexdigest()


# -- reading the request ---------------------------------------------------------------


@dataclass(frozen=True)
class PublishedRequest:
    """One message of the request topic, as the platform would receive it."""

    key: bytes | None
    value: bytes
    partition: int
    offset: int
    timestamp_ms: int
    envelope: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        """The payload."""
        payload: dict[str, Any] = self.envelope["data"]
        return payload

    @property
    def wire_batch_id(self) -> str:
        """The batch id on the wire (the request's ``entity_id``)."""
        return str(self.data["entity_id"])

    @property
    def storage_ids(self) -> dict[str, str]:
        """essay id → text storage id, in request order."""
        return {e["essay_id"]: e["text_storage_id"] for e in self.data["essays_for_cj"]}

    @property
    def essay_ids(self) -> list[str]:
        """Every essay id of the request."""
        return list(self.storage_ids)


def _as_request(message: Any) -> PublishedRequest | None:
    try:
        envelope = json.loads(message.value)
    except (TypeError, ValueError):
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        return None
    return PublishedRequest(
        key=message.key,
        value=message.value,
        partition=message.partition,
        offset=message.offset,
        timestamp_ms=message.timestamp,
        envelope=envelope,
    )


def _matches(request: PublishedRequest, key: str | None, batch_label: str | None) -> bool:
    if key is not None and request.key != key.encode():
        return False
    metadata = request.envelope.get("metadata") or {}
    return batch_label is None or metadata.get("batch_label") == batch_label


async def _request_topic(bootstrap: str, timeout_s: float) -> AsyncGenerator[Any, None]:
    """Every message of the request topic from its beginning, until ``timeout_s`` passed."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partition = TopicPartition(REQUEST_TOPIC, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for messages in (await consumer.getmany(timeout_ms=POLL_MS)).values():
                for message in messages:
                    yield message
    finally:
        await consumer.stop()


async def read_request(
    bootstrap: str,
    *,
    key: str | None = None,
    batch_label: str | None = None,
    timeout_s: float = 30.0,
) -> PublishedRequest:
    """Wait for the request with message key ``key`` and/or envelope ``metadata.batch_label``."""
    if key is None and batch_label is None:
        raise ValueError("give key or batch_label")
    async with contextlib.aclosing(_request_topic(bootstrap, timeout_s)) as messages:
        async for message in messages:
            request = _as_request(message)
            if request is not None and _matches(request, key, batch_label):
                return request
    raise TimeoutError(f"no request (key={key}, label={batch_label}) within {timeout_s} s")


async def published_requests(
    bootstrap: str,
    *,
    key: str | None = None,
    batch_label: str | None = None,
    timeout_s: float = 15.0,
) -> list[PublishedRequest]:
    """Every request published so far with message key ``key`` and/or ``batch_label``.

    End offsets of the embedded broker are not exact (see ``eng5_np.localstack.broker``), so
    this appends its own marker message and reads up to it: everything published before the
    call sits before the marker in the (single-partition) request topic.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        marker = await producer.send_and_wait(
            REQUEST_TOPIC, value=b"cj-player marker", key=f"marker-{uuid.uuid4()}".encode()
        )
    finally:
        await producer.stop()
    found: list[PublishedRequest] = []
    async with contextlib.aclosing(_request_topic(bootstrap, timeout_s)) as messages:
        async for message in messages:
            request = _as_request(message)
            if request is not None and _matches(request, key, batch_label):
                found.append(request)
            if message.offset >= marker.offset:
                return found
    raise TimeoutError(f"did not read up to the marker at offset {marker.offset}")


# -- building callbacks ----------------------------------------------------------------


def envelope(
    data: Mapping[str, Any],
    *,
    event_type: str,
    source_service: str,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """A platform envelope (SPEC §4.2) around ``data``."""
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "event_timestamp": now_iso(),
        "source_service": source_service,
        "schema_version": 1,
        "correlation_id": correlation_id or str(uuid.uuid4()),
        "data_schema_uri": None,
        "data": dict(data),
        "metadata": None,
    }


def _request_metadata(
    wire_batch_id: str | None, essay_a_id: str, essay_b_id: str, sha: str | None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "essay_a_id": essay_a_id,
        "essay_b_id": essay_b_id,
        "cj_batch_id": "4711",
        "cj_source": "els",
        "cj_request_type": "cj_comparison",
    }
    if sha is not None:
        metadata["prompt_sha256"] = sha
    if wire_batch_id is not None:
        metadata["bos_batch_id"] = wire_batch_id
    return metadata


def _llm_callback(
    wire_batch_id: str | None,
    essay_a_id: str,
    essay_b_id: str,
    request_id: str | None,
    sha: str | None,
    **fields: Any,
) -> dict[str, Any]:
    stamp = now_iso()
    data = {
        "request_id": request_id or f"req-{uuid.uuid4().hex[:12]}",
        "correlation_id": str(uuid.uuid4()),
        **fields,
        "requested_at": stamp,
        "completed_at": stamp,
        "trace_id": None,
        "request_metadata": _request_metadata(wire_batch_id, essay_a_id, essay_b_id, sha),
    }
    return envelope(data, event_type=COMPARISON_EVENT_TYPE, source_service="llm_provider_service")


def comparison(
    wire_batch_id: str | None,
    essay_a_id: str,
    essay_b_id: str,
    *,
    winner: str = "Essay A",
    request_id: str | None = None,
    provider: str = "anthropic",
    model: str = DEFAULT_MODEL,
    prompt_tokens: int = 1000,
    completion_tokens: int = 100,
    cost: float = 0.0015,
    prompt_sha256: str | None = "",
) -> dict[str, Any]:
    """A successful comparison callback; ``wire_batch_id=None`` leaves out ``bos_batch_id``.

    ``prompt_sha256=""`` (default) puts a realistic hash; ``None`` leaves the key out.
    """
    sha = prompt_hash(essay_a_id, essay_b_id) if prompt_sha256 == "" else prompt_sha256
    return _llm_callback(
        wire_batch_id, essay_a_id, essay_b_id, request_id, sha,
        winner=winner, justification=f"{winner} argues more clearly.", confidence=4.0,
        error_detail=None, provider=provider, model=model, response_time_ms=850,
        token_usage={
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        cost_estimate=cost,
    )  # fmt: skip


def error_comparison(
    wire_batch_id: str | None,
    essay_a_id: str,
    essay_b_id: str,
    *,
    request_id: str | None = None,
    provider: str = "openai",
    error_code: str = "RATE_LIMIT",
    message: str = "rate limit exceeded, retries exhausted",
) -> dict[str, Any]:
    """An error callback as the platform sends it (SPEC §4.9): model ``unknown``, zero cost."""
    error_detail = {
        "error_code": error_code,
        "message": message,
        "correlation_id": str(uuid.uuid4()),
        "timestamp": now_iso(),
        "service": "llm_provider_service",
        "operation": "generate_comparison",
        "details": {"provider": provider},
        "stack_trace": None,
        "trace_id": None,
        "span_id": None,
    }
    return _llm_callback(
        wire_batch_id, essay_a_id, essay_b_id, request_id, prompt_hash(essay_a_id, essay_b_id),
        winner=None, justification=None, confidence=None, error_detail=error_detail,
        provider=provider, model="unknown", response_time_ms=0,
        token_usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        cost_estimate=0.0,
    )  # fmt: skip


def _base(wire_batch_id: str, event_name: str) -> dict[str, Any]:
    return {
        "event_name": event_name,
        "entity_id": wire_batch_id,
        "entity_type": "batch",
        "parent_id": None,
        "timestamp": now_iso(),
    }


def _system_metadata(
    wire_batch_id: str, stage: str, event: str, error_info: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "entity_id": wire_batch_id,
        "entity_type": "batch",
        "parent_id": None,
        "timestamp": now_iso(),
        "processing_stage": stage,
        "started_at": None,
        "completed_at": None,
        "event": event,
        "error_info": dict(error_info),
    }


def rich_result(
    wire_batch_id: str,
    essay_ids: Sequence[str],
    *,
    is_anchor: Callable[[str], bool] = lambda essay_id: essay_id.startswith("anchor"),
) -> dict[str, Any]:
    """A rich result listing every essay (ranked in the given order), without SEs (SPEC §4.9)."""
    count = len(essay_ids)
    results = [
        {
            "essay_id": essay_id,
            "normalized_score": round(1 - rank / max(count, 1), 4),
            "letter_grade": "U" if is_anchor(essay_id) else "B",
            "confidence_score": 0.6,
            "confidence_label": "MID",
            "bt_score": round((count / 2 - rank) * 0.3, 4),
            "rank": rank + 1,
            "is_anchor": is_anchor(essay_id),
            "feedback_uri": None,
            "metrics_uri": None,
            "display_name": None,
        }
        for rank, essay_id in enumerate(essay_ids)
    ]
    data = {
        **_base(wire_batch_id, "assessment.result.published"),
        "batch_id": wire_batch_id,
        "cj_assessment_job_id": "cj-job-4711",
        "assessment_method": "cj_assessment",
        "model_used": DEFAULT_MODEL,
        "model_provider": "anthropic",
        "model_version": None,
        "essay_results": results,
        "assessment_metadata": {"comparison_count": 999, "anchor_essays_used": 9},
        "assessed_at": now_iso(),
    }
    return envelope(data, event_type=RESULT_EVENT_TYPE, source_service="cj_assessment_service")


def completion(wire_batch_id: str, status: str = "completed_successfully") -> dict[str, Any]:
    """A thin completion; ``status`` may be ``failed_critically``."""
    failed = status == "failed_critically"
    data = {
        **_base(wire_batch_id, "cj_assessment.completed"),
        "status": status,
        "system_metadata": _system_metadata(
            wire_batch_id,
            "failed" if failed else "completed",
            "cj_assessment.completed",
            {"error_code": "LOW_SUCCESS_RATE"} if failed else {},
        ),
        "cj_assessment_job_id": "cj-job-4711",
        "processing_summary": {
            "total_essays": 0,
            "successful": 0,
            "failed": 0,
            "successful_essay_ids": [],
            "failed_essay_ids": [],
            "processing_time_seconds": 1.5,
        },
    }
    return envelope(data, event_type=COMPLETED_EVENT_TYPE, source_service="cj_assessment_service")


def failure(wire_batch_id: str, reason: str) -> dict[str, Any]:
    """A failure event with ``reason`` in ``system_metadata.error_info``."""
    data = {
        **_base(wire_batch_id, "cj_assessment.failed"),
        "status": "failed_critically",
        "system_metadata": _system_metadata(
            wire_batch_id,
            "failed",
            "cj_assessment.failed",
            {"error_code": "BATCH_STUCK", "reason": reason},
        ),
        "cj_assessment_job_id": "cj-job-4711",
    }
    return envelope(data, event_type=FAILED_EVENT_TYPE, source_service="cj_assessment_service")


class CJPlayer:
    """A producer for callbacks: ``async with CJPlayer(bootstrap) as cj: await cj.send(...)``."""

    def __init__(self, bootstrap: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=False
        )

    async def __aenter__(self) -> Self:
        await self._producer.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._producer.stop()

    async def send(self, topic: str, message: Mapping[str, Any] | bytes) -> None:
        """Publish one callback (dict → JSON) without a key, and wait for the ack."""
        value = message if isinstance(message, bytes) else json.dumps(message).encode()
        await self._producer.send_and_wait(topic, value=value)

    async def send_all(self, topic: str, messages: Iterable[Mapping[str, Any] | bytes]) -> None:
        """Publish several callbacks in order, one acknowledged message at a time."""
        for message in messages:
            await self.send(topic, message)

    async def send_batched(self, topic: str, messages: Iterable[Mapping[str, Any]]) -> None:
        """Publish many callbacks fast: the producer batches them (still in order)."""
        acks = [await self._producer.send(topic, value=json.dumps(m).encode()) for m in messages]
        await asyncio.gather(*acks)
