"""Publishing the CJ request exactly once, also across a crash (SPEC §5.5).

Before publishing, the runner records in ``state.json`` that it is about to publish and where
the request topic ended. If it dies between the broker's acknowledgement and the state write,
the re-run looks for a message keyed by this batch's wire id from those offsets on, and adopts
it instead of publishing a second request.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from eng5_np.kafka.clients import make_consumer, make_producer, start_client, stop_client
from eng5_np.kafka.state import RequestPosition
from eng5_np.settings import RunSettings

SEARCH_DEADLINE_SECONDS = 20.0
SEARCH_POLL_SECONDS = 0.5


async def request_topic_ends(settings: RunSettings, topic: str) -> dict[str, int]:
    """Current end offset of every partition of the request topic (JSON-keyed)."""
    consumer = make_consumer(settings)
    await start_client(consumer, settings.kafka_bootstrap, security=settings.kafka_security)
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            await consumer.topics()
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        return {str(tp.partition): int(offset) for tp, offset in ends.items()}
    finally:
        await stop_client(consumer)


async def publish_request(
    settings: RunSettings, topic: str, wire_batch_id: str, value: bytes
) -> RequestPosition:
    """Publish the request with ``acks=all``, keyed by the wire batch id."""
    producer = make_producer(settings)
    await start_client(producer, settings.kafka_bootstrap, security=settings.kafka_security)
    try:
        record = await producer.send_and_wait(topic, value=value, key=wire_batch_id.encode("utf-8"))
    finally:
        await stop_client(producer)
    return RequestPosition(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        published_at=datetime.now(UTC).isoformat(),
    )


async def find_published_request(
    settings: RunSettings, topic: str, wire_batch_id: str, start_offsets: dict[str, int]
) -> RequestPosition | None:
    """The request this batch already published after ``start_offsets``, if any."""
    consumer = make_consumer(settings)
    await start_client(consumer, settings.kafka_bootstrap, security=settings.kafka_security)
    try:
        return await _search(consumer, topic, wire_batch_id.encode("utf-8"), start_offsets)
    finally:
        await stop_client(consumer)


async def _search(
    consumer: AIOKafkaConsumer, topic: str, key: bytes, start_offsets: dict[str, int]
) -> RequestPosition | None:
    partitions = [TopicPartition(topic, int(p)) for p in sorted(start_offsets, key=int)]
    if not partitions:
        return None
    consumer.assign(partitions)
    for tp in partitions:
        consumer.seek(tp, start_offsets[str(tp.partition)])
    ends = await consumer.end_offsets(partitions)
    deadline = time.monotonic() + SEARCH_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=int(SEARCH_POLL_SECONDS * 1000))
        for tp, messages in batches.items():
            for message in messages:
                if message.key == key:
                    return RequestPosition(
                        topic=tp.topic,
                        partition=tp.partition,
                        offset=message.offset,
                        published_at=datetime.fromtimestamp(
                            message.timestamp / 1000, UTC
                        ).isoformat(),
                    )
        if not batches and await _all_reached(consumer, ends):
            return None
    return None


async def _all_reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if int(await consumer.position(tp)) < end:
            return False
    return True
