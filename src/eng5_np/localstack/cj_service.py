"""The reference CJ service of the local stack (SPEC §7): Kafka in, Kafka out, HTTP.

It consumes ``huleedu.els.cj_assessment.requested.v1`` and answers every request in a
task of its own with :func:`~eng5_np.localstack.cj_batch.answer_request` (comparison
callbacks wave by wave as its pairing design chooses them, then the rich result and the thin
completion, or a failure event).

Consuming. No consumer group (a group join takes seconds on Tansu): the service assigns
every partition of the request topic and seeks to the end offsets it reads in
:meth:`ReferenceCJService.start` (``start_from="end"``, the default) or to the beginning
(``"beginning"``, for a long-running service that should also answer requests published
before it came up). Either way no request published after ``start`` returns is missed.
Tansu's end offsets can point before the true end and delivery is at-least-once, so
requests are deduplicated by batch id (the request's ``entity_id``). A message that is
not a valid request is logged and skipped; nothing a message contains stops the service.

Producing: ``acks="all"`` without idempotence (Tansu rejects idempotent producers).

HTTP: with ``health_port`` set (0 = a free port) the service serves, on one port,
``GET /healthz`` → ``{"status": "ok", "requests_processed": n}`` (compose healthchecks,
preflight) and the admin API of SPEC §11.2 (:mod:`~eng5_np.localstack.admin_api`) over its
:class:`~eng5_np.localstack.admin_store.AdminStore` — the same store its batches read
assignments and anchors from. Its :class:`~eng5_np.localstack.admin_auth.TokenAuthority`
mints the admin token (:meth:`ReferenceCJService.mint_admin_token`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Mapping
from typing import Any, Final, Literal

import aiohttp
import structlog
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import SecretStr

from eng5_np.contracts import (
    CJ_REQUEST_TOPIC,
    ContractError,
    ELSCJAssessmentRequestV1,
    parse_envelope,
)
from eng5_np.localstack.admin_api import add_admin_routes
from eng5_np.localstack.admin_auth import TokenAuthority
from eng5_np.localstack.admin_store import AdminStore
from eng5_np.localstack.cj_batch import answer_request
from eng5_np.localstack.cj_waves import BatchReport
from eng5_np.localstack.content_client import ContentClient
from eng5_np.localstack.designs import PairingConfig
from eng5_np.localstack.judge import JudgeConfig
from eng5_np.localstack.lifecycle import AsyncService, serve_app
from eng5_np.localstack.llm_judge import JudgeRuntime, JudgingConfig
from eng5_np.localstack.llm_judge.throttle import JudgeStats
from eng5_np.reference.grades import GradeScaleName, get_scale

__all__ = ["ReferenceCJService"]

CLIENT_ID: Final = "eng5-local-cj-service"
TOPIC_WAIT_S: Final = 30.0
TOPIC_POLL_S: Final = 0.2
POLL_TIMEOUT_MS: Final = 500
CONSUMER_ERROR_BACKOFF_S: Final = 0.5
CONTENT_TIMEOUT_S: Final = 10.0
HEALTH_PATH: Final = "/healthz"

logger = structlog.get_logger(__name__)


class _ProducerPublisher:
    """:class:`~eng5_np.localstack.cj_waves.Publisher` over an aiokafka producer."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(self, topic: str, value: bytes, key: str | None = None) -> Awaitable[Any]:
        encoded = key.encode("utf-8") if key is not None else None
        acknowledged: Awaitable[Any] = await self._producer.send(topic, value, key=encoded)
        return acknowledged


class ReferenceCJService(AsyncService):
    """Consumes CJ requests and answers them like the platform; ``async with`` runs it."""

    def __init__(
        self,
        bootstrap: str,
        content_service_url: str,
        judge_config: JudgeConfig | None = None,
        grade_scale: str = GradeScaleName.LEGACY_9_STEP.value,
        *,
        admin_store: AdminStore | None = None,
        token_authority: TokenAuthority | None = None,
        start_from: Literal["end", "beginning"] = "end",
        health_port: int | None = None,
        health_host: str = "127.0.0.1",
        topic_wait_s: float = TOPIC_WAIT_S,
        judging: JudgingConfig | None = None,
        pairing: PairingConfig | None = None,
    ) -> None:
        self._bootstrap = bootstrap
        self._content_service_url = content_service_url
        self._admin_store = admin_store or AdminStore()
        self._tokens = token_authority or TokenAuthority()
        self._judge_config = judge_config or JudgeConfig()
        self._default_scale = get_scale(grade_scale)
        self._start_from = start_from
        self._health_port = health_port
        self._health_host = health_host
        self._topic_wait_s = topic_wait_s
        self._judging = judging or JudgingConfig()
        self._pairing = pairing or PairingConfig()
        self._judge: JudgeRuntime | None = None
        self._reports: dict[str, BatchReport] = {}
        self._draws: Counter[str] = Counter()
        """Batches judged per set of texts: a repeat of the same texts draws anew."""
        self._report_added = asyncio.Event()
        self._requests_processed = 0
        self._ignored = 0
        """Requests ignored so far by the fault ``ignore_requests``."""
        self._cj_batch_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._session: aiohttp.ClientSession | None = None
        self._health_runner: web.AppRunner | None = None
        self._origin: str | None = None
        self._loop_task: asyncio.Task[None] | None = None

    @property
    def requests_processed(self) -> int:
        """Requests answered so far (with a result or a failure event)."""
        return self._requests_processed

    @property
    def reports(self) -> Mapping[str, BatchReport]:
        """Per batch id, what the service published."""
        return self._reports

    @property
    def url(self) -> str | None:
        """``http://HOST:PORT`` — the base URL of ``/healthz`` and the admin API — while the
        HTTP endpoint runs, else None (``CJ_SERVICE_URL`` for the runner)."""
        return self._origin

    @property
    def judge_stats(self) -> JudgeStats | None:
        """Calls, retries, waits and spend of the judge while the service runs."""
        return self._judge.stats if self._judge is not None else None

    @property
    def health_url(self) -> str | None:
        """``http://HOST:PORT/healthz`` while the HTTP endpoint runs, else None."""
        return None if self._origin is None else self._origin + HEALTH_PATH

    @property
    def admin_store(self) -> AdminStore:
        """Assessment instructions and registered anchors (what the admin API writes)."""
        return self._admin_store

    def mint_admin_token(self) -> SecretStr:
        """A bearer token with the admin role that this service's admin API accepts."""
        return self._tokens.mint()

    async def wait_for_batch(self, batch_id: str, timeout_s: float) -> BatchReport:
        """Wait until the batch's last event is acknowledged (``TimeoutError`` on timeout)."""
        async with asyncio.timeout(timeout_s):
            while batch_id not in self._reports:
                self._report_added.clear()
                await self._report_added.wait()
            report = self._reports[batch_id]
            await report.done.wait()
        return report

    async def start(self) -> None:
        """Connect, fix the request topic positions, then consume in the background."""
        try:
            self._judge = JudgeRuntime(self._judging)
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=CONTENT_TIMEOUT_S)
            )
            self._producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                acks="all",
                enable_idempotence=False,
                client_id=CLIENT_ID,
            )
            await self._producer.start()
            self._consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                client_id=CLIENT_ID,
            )
            await self._consumer.start()
            await self._assign_request_partitions(self._consumer)
            if self._health_port is not None:
                await self._start_http(self._health_port)
            self._loop_task = asyncio.create_task(self._consume_loop(), name="cj-service")
        except BaseException:
            await self.stop()
            raise
        logger.info("cj_service.started", bootstrap=self._bootstrap, url=self._origin)

    async def stop(self) -> None:
        """Stop consuming, cancel batches in progress, close every connection; idempotent."""
        tasks = [task for task in (self._loop_task, *self._tasks) if task is not None]
        self._loop_task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        session, self._session = self._session, None
        runner, self._health_runner, self._origin = self._health_runner, None, None
        judge, self._judge = self._judge, None
        # Each close runs even if an earlier one fails; the first error is re-raised.
        errors: list[BaseException] = []
        for close in (
            consumer.stop if consumer is not None else None,
            producer.stop if producer is not None else None,
            session.close if session is not None else None,
            runner.cleanup if runner is not None else None,
            judge.aclose if judge is not None else None,
        ):
            if close is None:
                continue
            try:
                await close()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]

    async def _assign_request_partitions(self, consumer: AIOKafkaConsumer) -> None:
        deadline = time.monotonic() + self._topic_wait_s
        while True:
            await consumer.topics()  # refreshes the cluster metadata
            partition_ids = consumer.partitions_for_topic(CJ_REQUEST_TOPIC)
            if partition_ids:
                break
            if time.monotonic() >= deadline:
                raise TimeoutError(f"topic {CJ_REQUEST_TOPIC} not found on {self._bootstrap}")
            await asyncio.sleep(TOPIC_POLL_S)
        partitions = [TopicPartition(CJ_REQUEST_TOPIC, p) for p in sorted(partition_ids)]
        consumer.assign(partitions)
        if self._start_from == "beginning":
            await consumer.seek_to_beginning(*partitions)
            return
        for partition, offset in (await consumer.end_offsets(partitions)).items():
            consumer.seek(partition, offset)

    async def _consume_loop(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
            except KafkaError as error:
                logger.warning("cj_service.consume_failed", error=str(error))
                await asyncio.sleep(CONSUMER_ERROR_BACKOFF_S)
                continue
            for records in batches.values():
                for record in records:
                    try:
                        self._accept(record.value, record.offset)
                    except Exception:
                        # Whatever one message does, the service keeps serving the others.
                        logger.exception("cj_service.request_crashed", offset=record.offset)

    def _accept(self, raw: bytes | None, offset: int) -> None:
        """Parse one request message and start answering it, unless invalid or seen before."""
        if raw is None:
            logger.warning("cj_service.request_skipped", offset=offset, reason="empty message")
            return
        try:
            envelope = parse_envelope(raw, ELSCJAssessmentRequestV1)
        except ContractError as error:
            logger.warning("cj_service.request_skipped", offset=offset, reason=error.reason)
            return
        batch_id = envelope.data.entity_id
        if not batch_id:
            logger.warning("cj_service.request_skipped", offset=offset, reason="no entity_id")
            return
        if batch_id in self._reports:
            logger.info("cj_service.request_duplicate", batch_id=batch_id, offset=offset)
            return
        if self._ignored < self._judge_config.faults.ignore_requests:
            # Fault ignore-requests: as a consumer that joined after the publish (SPEC §11.6).
            self._ignored += 1
            logger.warning("cj_service.request_ignored", batch_id=batch_id, offset=offset)
            return
        assert self._session is not None
        assert self._producer is not None
        assert self._judge is not None
        report = BatchReport(batch_id=batch_id)
        self._reports[batch_id] = report
        self._report_added.set()
        answer = answer_request(
            envelope,
            report,
            texts=ContentClient(self._session, self._content_service_url),
            publisher=_ProducerPublisher(self._producer),
            assignments=self._admin_store,
            judge_config=self._judge_config,
            default_scale=self._default_scale,
            cj_batch_id=str(next(self._cj_batch_ids)),
            judging=self._judge,
            draws=self._draws,
            pairing=self._pairing,
        )
        task = asyncio.create_task(answer, name=f"cj-batch-{batch_id}")
        self._tasks.add(task)
        task.add_done_callback(self._batch_finished)

    def _batch_finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            self._requests_processed += 1

    async def _start_http(self, port: int) -> None:
        async def healthz(_: web.Request) -> web.Response:
            return web.json_response(
                {"status": "ok", "requests_processed": self._requests_processed}
            )

        assert self._session is not None
        app = web.Application()
        app.router.add_get(HEALTH_PATH, healthz)
        texts = ContentClient(self._session, self._content_service_url)
        add_admin_routes(app, self._admin_store, self._tokens, texts)
        self._health_runner, self._origin = await serve_app(app, self._health_host, port)
