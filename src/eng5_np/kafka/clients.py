"""aiokafka clients configured from the run's settings (SPEC §5.5, §7 broker quirks).

Producers use ``acks="all"`` without idempotence: the platform's guarantee is at-least-once
anyway (the collector deduplicates), and the embedded Tansu broker rejects ``InitProducerId``.
Consumers join no group: they ``assign()`` partitions, so there is no group join to wait for
and no committed offsets to confuse a resume — the run folder's state file holds positions.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from eng5_np.errors import BrokerUnavailable
from eng5_np.settings import RunSettings

CONNECT_TIMEOUT_SECONDS = 8.0
REQUEST_TIMEOUT_MS = 15_000


def client_kwargs(settings: RunSettings) -> dict[str, Any]:
    """Connection settings shared by every client (the secret stays in memory only)."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap,
        "client_id": settings.kafka_client_id,
        "request_timeout_ms": REQUEST_TIMEOUT_MS,
        **settings.kafka_security.aiokafka_kwargs(),
    }


def make_producer(settings: RunSettings) -> AIOKafkaProducer:
    """A producer with ``acks="all"`` and idempotence off."""
    return AIOKafkaProducer(acks="all", enable_idempotence=False, **client_kwargs(settings))


def make_consumer(settings: RunSettings) -> AIOKafkaConsumer:
    """A consumer without a group that reads raw bytes (parsing happens in the loop)."""
    return AIOKafkaConsumer(
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_kwargs(settings),
    )


async def start_client(client: AIOKafkaConsumer | AIOKafkaProducer, bootstrap: str) -> None:
    """Start a client within a deadline; an unreachable broker → :class:`BrokerUnavailable`."""
    try:
        await asyncio.wait_for(client.start(), timeout=CONNECT_TIMEOUT_SECONDS)
    except (TimeoutError, KafkaError, OSError) as exc:
        await _stop_quietly(client)
        raise BrokerUnavailable(
            f"Kafka broker at {bootstrap} is unreachable ({type(exc).__name__})"
        ) from None


async def _stop_quietly(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    try:
        await asyncio.wait_for(client.stop(), timeout=CONNECT_TIMEOUT_SECONDS)
    except (TimeoutError, KafkaError, OSError):
        return


async def stop_client(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    """Stop a client, never raising (used in ``finally`` blocks)."""
    await _stop_quietly(client)
