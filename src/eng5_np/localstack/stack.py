"""The whole embedded local stack (SPEC §7) in one async context manager.

``async with LocalStack(config) as stack:`` starts, in this order, the Tansu broker with
the five SPEC §4.1 topics, the Content Service and the reference CJ service with its HTTP
endpoint (``/healthz`` and the admin API of SPEC §11.2, at ``stack.cj_service_url``), all
on 127.0.0.1 with free ports, and stops them in reverse order on exit — also when the
body raises or the task is cancelled. The broker is the only child process; it is stopped
synchronously at the end so that even a cancellation arriving during shutdown cannot leave
it running.

The stack starts with no assignments and no anchors, like a fresh platform: runs are guest
runs until an assignment is set up and anchors are registered through the admin API, with
``stack.admin_token`` (a per-stack secret, minted at start).

:func:`serve_forever` runs a stack until it is cancelled (the CLI turns Ctrl-C into
cancellation); :func:`serve_cj_service` runs only the reference CJ service against an
existing broker and Content Service (the compose file's ``cj_service``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import structlog
from pydantic import SecretStr

from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    CJ_REQUEST_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
)
from eng5_np.localstack.admin_auth import TokenAuthority
from eng5_np.localstack.admin_store import AdminStore, parse_admin_faults
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.cj_service import ReferenceCJService
from eng5_np.localstack.content_service import ContentServiceServer, ContentStore
from eng5_np.localstack.designs import PairingConfig
from eng5_np.localstack.judge import JudgeConfig
from eng5_np.localstack.lifecycle import AsyncService
from eng5_np.localstack.llm_judge import JudgingConfig
from eng5_np.localstack.llm_judge.throttle import JudgeStats
from eng5_np.reference.grades import GradeScaleName

__all__ = [
    "STACK_TOPICS",
    "LocalStack",
    "LocalStackConfig",
    "serve_cj_service",
    "serve_forever",
]

STACK_TOPICS: tuple[str, ...] = (
    CJ_REQUEST_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    ASSESSMENT_RESULT_TOPIC,
)
"""The SPEC §4.1 topics, created at broker start."""

logger = structlog.get_logger(__name__)
ComponentT = TypeVar("ComponentT")


def _admin_store(admin_faults: str | None) -> AdminStore:
    """The CJ service's store, with the admin faults of the spec ``admin_faults`` (None =
    none; comma-separated, :data:`~eng5_np.localstack.admin_store.ADMIN_FAULTS`)."""
    faults = parse_admin_faults(admin_faults)
    return AdminStore(
        drop_writes="drop-writes" in faults, missing_answers_500="missing-500" in faults
    )


@dataclass(frozen=True)
class LocalStackConfig:
    """How to run the local stack."""

    judge: JudgeConfig = field(default_factory=JudgeConfig)
    """Seed, fault injection and model of the simulated judge."""
    judging: JudgingConfig = field(default_factory=JudgingConfig)
    """Which judge answers (simulated or a real LLM, SPEC §13) and within which limits."""
    pairing: PairingConfig = field(default_factory=PairingConfig)
    """How the CJ service chooses pairs and when it stops (``--pairing``)."""
    grade_scale: str = GradeScaleName.LEGACY_9_STEP.value
    """Scale calibrating the judge of guest batches (assignment batches use their own)."""
    health_port: int = 0
    """Port of the CJ service's HTTP endpoint, ``/healthz`` and admin API (0 = free port)."""
    admin_faults: str | None = None
    """Comma-separated admin API faults: ``drop-writes`` (writes answer success but store
    nothing, SPEC §11.2), ``missing-500`` (a missing assignment answers 500, SPEC §11.6);
    None: the API behaves."""
    content_store_dir: Path | None = None
    """Keep uploaded texts in this folder instead of memory."""
    broker_log_dir: Path | None = None
    """Keep the broker's log here instead of a temporary folder."""
    partitions: int = 1
    """Partitions per topic."""
    external_bootstrap: str | None = None
    """Use this broker instead of starting one (an explicit --kafka-bootstrap wins)."""
    external_content_service_url: str | None = None
    """Use this Content Service instead of starting one."""

    def __post_init__(self) -> None:
        _admin_store(self.admin_faults)  # an unknown fault fails here, not at start


class LocalStack(AsyncService):
    """Broker + Content Service + reference CJ service; ``async with`` starts and stops it."""

    def __init__(self, config: LocalStackConfig | None = None) -> None:
        self.config = config or LocalStackConfig()
        self._broker: EmbeddedBroker | None = None
        self._content: ContentServiceServer | None = None
        self._cj_service: ReferenceCJService | None = None
        self._admin_token: SecretStr | None = None

    @property
    def bootstrap(self) -> str:
        """Kafka bootstrap servers, ``127.0.0.1:PORT`` (or the external broker's)."""
        if self.config.external_bootstrap is not None:
            return self.config.external_bootstrap
        return _running(self._broker, "broker").bootstrap

    @property
    def content_service_url(self) -> str:
        """Upload URL of the Content Service (``http://127.0.0.1:PORT/v1/content``)."""
        if self.config.external_content_service_url is not None:
            return self.config.external_content_service_url
        return _running(self._content, "content service").url

    @property
    def pids(self) -> tuple[int, ...]:
        """Process ids of the stack's child processes (the broker; the rest run in-process)."""
        pid = self._broker.pid if self._broker is not None else None
        return () if pid is None else (pid,)

    @property
    def broker(self) -> EmbeddedBroker:
        """The running broker."""
        return _running(self._broker, "broker")

    @property
    def content_service(self) -> ContentServiceServer:
        """The running Content Service (its ``store`` and ``stats`` are inspectable)."""
        return _running(self._content, "content service")

    @property
    def cj_service(self) -> ReferenceCJService:
        """The running reference CJ service."""
        return _running(self._cj_service, "CJ service")

    @property
    def health_url(self) -> str | None:
        """The CJ service's ``/healthz`` URL."""
        return self._cj_service.health_url if self._cj_service is not None else None

    @property
    def cj_service_url(self) -> str:
        """Base URL of the CJ service's HTTP endpoint (``CJ_SERVICE_URL``)."""
        url = _running(self._cj_service, "CJ service").url
        return _running(url, "CJ service HTTP endpoint")

    @property
    def admin_token(self) -> SecretStr:
        """A bearer token with the admin role for this stack's admin API (a secret)."""
        return _running(self._admin_token, "CJ service")

    @property
    def judge_stats(self) -> JudgeStats | None:
        """The judge's calls, retries, waits and spend while the stack runs."""
        return self._cj_service.judge_stats if self._cj_service is not None else None

    async def start(self) -> None:
        """Start broker, Content Service and CJ service; on any failure stop what started."""
        if self._broker is not None or self._cj_service is not None:
            raise RuntimeError("the local stack is already started")
        config = self.config
        try:
            if config.external_bootstrap is None:
                self._broker = EmbeddedBroker(
                    STACK_TOPICS, partitions=config.partitions, log_dir=config.broker_log_dir
                )
                await self._broker.start()
            if config.external_content_service_url is None:
                self._content = ContentServiceServer(ContentStore(config.content_store_dir))
                await self._content.start()
            self._cj_service = ReferenceCJService(
                self.bootstrap,
                self.content_service_url,
                config.judge,
                config.grade_scale,
                admin_store=_admin_store(config.admin_faults),
                token_authority=TokenAuthority(),
                health_port=config.health_port,
                judging=config.judging,
                pairing=config.pairing,
            )
            await self._cj_service.start()
            self._admin_token = self._cj_service.mint_admin_token()
        except BaseException:
            await self.stop()
            raise
        logger.info(
            "local_stack.started",
            bootstrap=self.bootstrap,
            content_service_url=self.content_service_url,
            cj_service_url=self.cj_service_url,
            admin_faults=config.admin_faults,
            broker_pid=self._broker.pid if self._broker is not None else None,
        )

    async def stop(self) -> None:
        """Stop the CJ service, the Content Service and the broker, in that order; idempotent."""
        cj_service, self._cj_service = self._cj_service, None
        content, self._content = self._content, None
        broker, self._broker = self._broker, None
        self._admin_token = None
        try:
            if cj_service is not None:
                await cj_service.stop()
        finally:
            try:
                if content is not None:
                    await content.stop()
            finally:
                if broker is not None:
                    # Synchronous on purpose: it completes even while this task is cancelled.
                    broker.stop_blocking()


def _running(component: ComponentT | None, name: str) -> ComponentT:
    if component is None:
        raise RuntimeError(f"the local stack's {name} is not running")
    return component


async def serve_forever(
    stack_config: LocalStackConfig, on_ready: Callable[[LocalStack], None]
) -> None:
    """Run a local stack until cancelled; ``on_ready`` is called once everything is up."""
    async with LocalStack(stack_config) as stack:
        on_ready(stack)
        await asyncio.Event().wait()  # only cancellation ends this


async def serve_cj_service(
    bootstrap: str,
    content_service_url: str,
    *,
    judge: JudgeConfig | None = None,
    grade_scale: str = GradeScaleName.LEGACY_9_STEP.value,
    health_host: str = "127.0.0.1",
    health_port: int = 0,
    admin_faults: str | None = None,
    start_from: Literal["end", "beginning"] = "end",
    on_ready: Callable[[ReferenceCJService], None] | None = None,
    pairing: PairingConfig | None = None,
    judging: JudgingConfig | None = None,
) -> None:
    """Run the reference CJ service alone until cancelled, with no assignments at start.

    The HTTP endpoint (``/healthz`` and the admin API) only starts once the request topic's
    positions are fixed, so "healthy" means no request published from then on is missed.
    """
    service = ReferenceCJService(
        bootstrap,
        content_service_url,
        judge,
        grade_scale,
        admin_store=_admin_store(admin_faults),
        start_from=start_from,
        health_port=health_port,
        health_host=health_host,
        pairing=pairing,
        judging=judging,
    )
    async with service:
        if on_ready is not None:
            on_ready(service)
        await asyncio.Event().wait()  # only cancellation ends this
