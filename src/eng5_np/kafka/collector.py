"""The callback collector's broker side: positions fixed before publishing, then polling.

``position()`` assigns every partition of the four callback topics and seeks each to the
saved offset (resume) or to its current end (fresh run). The caller records those positions
in the state file and only then publishes the request, so no callback can slip past
(SPEC §5.5). End offsets on some brokers point a little before the true end; re-read records
are harmless because the hydrator filters by batch and deduplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from eng5_np.errors import BrokerUnavailable
from eng5_np.kafka.clients import missing_topics
from eng5_np.kafka.state import CollectorState


@dataclass(frozen=True)
class RawRecord:
    """One record as it came off the broker."""

    topic: str
    partition: int
    offset: int
    value: bytes | None


class CallbackCollector:
    """Reads the callback topics from fixed positions with an assigned (group-less) consumer."""

    def __init__(self, consumer: AIOKafkaConsumer, topics: Sequence[str]) -> None:
        self._consumer = consumer
        self._topics = tuple(topics)
        self._partitions: list[TopicPartition] = []
        self.next_offsets: dict[TopicPartition, int] = {}

    async def position(self, state: CollectorState) -> None:
        """Assign all partitions and seek to saved offsets or the current end offsets."""
        available = await self._consumer.topics()
        missing = [t for t in self._topics if t not in available]
        if missing:
            raise missing_topics(missing)
        partitions: list[TopicPartition] = []
        for topic in self._topics:
            ids = self._consumer.partitions_for_topic(topic) or set()
            partitions.extend(TopicPartition(topic, p) for p in sorted(ids))
        self._consumer.assign(partitions)
        self._partitions = partitions
        unsaved = [tp for tp in partitions if state.offset_for(tp.topic, tp.partition) is None]
        ends = await self._consumer.end_offsets(unsaved) if unsaved else {}
        for tp in partitions:
            saved = state.offset_for(tp.topic, tp.partition)
            offset = saved if saved is not None else int(ends[tp])
            self._consumer.seek(tp, offset)
            self.next_offsets[tp] = offset

    def offsets_for_state(self) -> dict[str, dict[str, int]]:
        """The next offset of every partition, shaped for the state file."""
        shaped: dict[str, dict[str, int]] = {}
        for tp, offset in self.next_offsets.items():
            shaped.setdefault(tp.topic, {})[str(tp.partition)] = offset
        return shaped

    async def poll(self, timeout_s: float, max_records: int = 2000) -> list[RawRecord]:
        """Records available within ``timeout_s``, in partition order."""
        batches = await self._consumer.getmany(
            timeout_ms=max(int(timeout_s * 1000), 0), max_records=max_records
        )
        records: list[RawRecord] = []
        for tp, messages in batches.items():
            for message in messages:
                records.append(RawRecord(tp.topic, tp.partition, message.offset, message.value))
        return records

    async def end_offsets(self) -> dict[TopicPartition, int]:
        """The current end offset of every assigned partition."""
        try:
            ends = await self._consumer.end_offsets(self._partitions)
        except KafkaError as exc:
            raise BrokerUnavailable(
                f"the broker did not answer for end offsets ({type(exc).__name__})"
            ) from None
        return {tp: int(offset) for tp, offset in ends.items()}

    def has_reached(self, targets: dict[TopicPartition, int]) -> bool:
        """True when every partition was read up to its offset in ``targets``."""
        return all(self.next_offsets.get(tp, 0) >= offset for tp, offset in targets.items())

    def advance(self, record: RawRecord) -> None:
        """Mark ``record`` as applied: its partition resumes after it."""
        self.next_offsets[TopicPartition(record.topic, record.partition)] = record.offset + 1
