"""aiokafka clients configured from the run's settings (SPEC §5.5, §7 broker quirks).

Producers use ``acks="all"`` without idempotence: the platform's guarantee is at-least-once
anyway (the collector deduplicates), and the embedded Tansu broker rejects ``InitProducerId``.
Consumers join no group: they ``assign()`` partitions, so there is no group join to wait for
and no committed offsets to confuse a resume — the run folder's state file holds positions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError, KafkaError

from eng5_np.errors import BrokerUnavailable
from eng5_np.settings import KafkaSecurity, RunSettings

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


async def start_client(
    client: AIOKafkaConsumer | AIOKafkaProducer,
    bootstrap: str,
    *,
    security: KafkaSecurity | None = None,
) -> None:
    """Start a client within a deadline; an unreachable broker → :class:`BrokerUnavailable`.

    aiokafka reports any failed bootstrap as ``KafkaConnectionError`` and leaves the cause
    (a SASL mechanism the broker does not offer, say) in its log only, so on that error one
    direct connection is tried to name the cause in the message people read.
    """
    try:
        await asyncio.wait_for(client.start(), timeout=CONNECT_TIMEOUT_SECONDS)
    except (TimeoutError, KafkaError, OSError) as exc:
        await _stop_quietly(client)
        cause = None
        if isinstance(exc, KafkaConnectionError):
            cause = await bootstrap_refusal(bootstrap, security or KafkaSecurity())
        if cause is not None:
            raise BrokerUnavailable(
                f"Kafka broker at {bootstrap} answered but refused the connection: {cause}",
                advice="Check KAFKA_SECURITY_PROTOCOL and KAFKA_SASL_MECHANISM against what "
                "the broker offers (scripts/preflight.sh shows it).",
            ) from None
        raise BrokerUnavailable(
            f"Kafka broker at {bootstrap} is unreachable ({type(exc).__name__})"
        ) from None


async def bootstrap_refusal(bootstrap: str, security: KafkaSecurity) -> str | None:
    """Why a broker that accepts TCP refused the Kafka handshake (``ErrorName: detail``).

    None when no server accepted a connection at all (unreachable, not refused).
    """
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            connection = await asyncio.wait_for(
                create_conn(host, int(port), **security.aiokafka_kwargs()),
                timeout=CONNECT_TIMEOUT_SECONDS,
            )
        except KafkaConnectionError:
            continue  # nothing there: unreachable, which the caller already says
        except KafkaError as error:
            return f"{type(error).__name__} ({_mechanism(security)})"
        except (TimeoutError, OSError, ValueError):
            continue
        connection.close()
    return None


def _mechanism(security: KafkaSecurity) -> str:
    if security.sasl_mechanism:
        return (
            f"{security.security_protocol} with SASL mechanism {security.sasl_mechanism}; "
            "the broker does not offer it"
        )
    return f"security protocol {security.security_protocol}"


async def require_topics(settings: RunSettings, topics: Sequence[str]) -> None:
    """Check the broker answers and has ``topics``, before anything is uploaded (issue 8)."""
    consumer = make_consumer(settings)
    await start_client(consumer, settings.kafka_bootstrap, security=settings.kafka_security)
    try:
        available = await consumer.topics()
    except (KafkaError, OSError) as exc:
        raise BrokerUnavailable(
            f"Kafka broker at {settings.kafka_bootstrap} did not list its topics "
            f"({type(exc).__name__})"
        ) from None
    finally:
        await stop_client(consumer)
    missing = [topic for topic in topics if topic not in available]
    if missing:
        raise missing_topics(missing)


def missing_topics(missing: Sequence[str]) -> BrokerUnavailable:
    """The error for a broker without some of the platform's topics."""
    return BrokerUnavailable(
        f"the broker has no topic {', '.join(missing)}",
        advice="Create the platform topics (scripts/preflight.sh checks them) or use "
        "--local-stack.",
    )


async def _stop_quietly(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    try:
        await asyncio.wait_for(client.stop(), timeout=CONNECT_TIMEOUT_SECONDS)
    except (TimeoutError, KafkaError, OSError):
        return


async def stop_client(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    """Stop a client, never raising (used in ``finally`` blocks)."""
    await _stop_quietly(client)
