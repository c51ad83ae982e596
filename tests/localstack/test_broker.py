"""The embedded Tansu broker: lifecycle, topics, and the quirks the runner designs around."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

import eng5_np
from eng5_np.errors import BrokerUnavailable
from eng5_np.localstack.broker import BrokerStartError, EmbeddedBroker

pytestmark = pytest.mark.integration

CONSUME_DEADLINE_S = 10.0
PLATFORM_TOPICS = (
    "huleedu.els.cj_assessment.requested.v1",
    "huleedu.llm_provider.comparison_result.v1",
    "huleedu.cj_assessment.completed.v1",
    "huleedu.cj_assessment.failed.v1",
    "huleedu.assessment.result.published.v1",
)
TopicFactory = Callable[..., Awaitable[tuple[str, ...]]]


def assert_process_gone(pid: int) -> None:
    """The pid no longer exists: stopped *and* reaped (a zombie would still answer)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def make_producer(bootstrap: str, **options: object) -> AIOKafkaProducer:
    """A producer Tansu accepts: acks=all without idempotence."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, **options
    )


async def consume_from_beginning(bootstrap: str, topic: str, count: int) -> list[bytes]:
    """Read ``count`` records of partition 0 via assign() (no group), within a deadline."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        values: list[bytes] = []
        deadline = time.monotonic() + CONSUME_DEADLINE_S
        while len(values) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(partition, timeout_ms=200)
            values.extend(record.value for record in batches.get(partition, []))
        return values
    finally:
        await consumer.stop()


async def test_start_and_stop_reaps_the_process() -> None:
    broker = EmbeddedBroker()
    await broker.start()
    pid = broker.pid
    assert pid is not None
    os.kill(pid, 0)  # alive: does not raise
    assert broker.running
    assert broker.bootstrap.startswith("127.0.0.1:")
    log_path = broker.log_path
    assert log_path is not None
    assert "listening on" in log_path.read_text()

    await broker.stop()

    assert_process_gone(pid)
    assert broker.pid is None
    assert not broker.running
    assert not log_path.parent.exists()  # the temporary log dir is cleaned up
    with pytest.raises(RuntimeError):
        _ = broker.bootstrap
    await broker.stop()  # idempotent


async def test_context_manager_starts_and_stops() -> None:
    async with EmbeddedBroker(["ctx.topic"]) as broker:
        pid = broker.pid
        assert pid is not None
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            assert "ctx.topic" in await admin.list_topics()
        finally:
            await admin.close()
    assert_process_gone(pid)


async def test_session_broker_has_platform_topics_with_one_partition(
    kafka_broker: EmbeddedBroker,
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(PLATFORM_TOPICS))
    finally:
        await admin.close()
    partitions = {topic["topic"]: len(topic["partitions"]) for topic in described}
    assert partitions == dict.fromkeys(PLATFORM_TOPICS, 1)
    assert set(PLATFORM_TOPICS) <= set(kafka_broker.topics)


async def test_create_topics_honours_partitions_and_tolerates_existing(
    kafka_broker: EmbeddedBroker,
) -> None:
    name = "multi.partition.test"
    await kafka_broker.create_topics([name], partitions=3)
    await kafka_broker.create_topics([name], partitions=3)  # exists already: no error
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([name])
    finally:
        await admin.close()
    assert len(described["partitions"]) == 3


async def test_produce_acks_all_then_consume_with_assign(
    kafka_broker: EmbeddedBroker, fresh_topics: TopicFactory
) -> None:
    (topic,) = await fresh_topics("roundtrip")
    producer = make_producer(kafka_broker.bootstrap)
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, b"hello", key=b"batch-1")
    finally:
        await producer.stop()
    assert metadata.offset == 0

    assert await consume_from_beginning(kafka_broker.bootstrap, topic, 1) == [b"hello"]


async def test_idempotent_producer_is_rejected(kafka_broker: EmbeddedBroker) -> None:
    """Pins the SPEC §7 quirk; if this starts passing, Tansu gained InitProducerId."""
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_broker.bootstrap, enable_idempotence=True, request_timeout_ms=5000
    )
    try:
        with pytest.raises(KafkaError):
            await producer.start()
    finally:
        await producer.stop()


async def test_end_offset_is_last_batch_base_plus_one(
    kafka_broker: EmbeddedBroker, fresh_topics: TopicFactory
) -> None:
    """Tansu's "latest" offset is not exact: consumers starting at the end re-read a tail."""
    (topic,) = await fresh_topics("end-offsets")
    partition = TopicPartition(topic, 0)
    producer = make_producer(kafka_broker.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_broker.bootstrap)
    await producer.start()
    await consumer.start()
    try:
        for index in range(3):  # one-record batches: offsets 0, 1, 2
            await producer.send_and_wait(topic, f"single-{index}".encode(), partition=0)
        assert await consumer.end_offsets([partition]) == {partition: 3}  # exact

        batch = producer.create_batch()
        for index in range(10):  # one record batch holding offsets 3..12
            assert batch.append(key=None, value=f"batched-{index}".encode(), timestamp=None)
        await (await producer.send_batch(batch, topic, partition=0))

        # The true end is 13; Tansu answers the last batch's base offset (3) + 1.
        assert await consumer.end_offsets([partition]) == {partition: 4}
    finally:
        await consumer.stop()
        await producer.stop()
    values = await consumer_values_after_seek_to_end(kafka_broker.bootstrap, partition, 9)
    assert values == [f"batched-{index}".encode() for index in range(1, 10)]


async def consumer_values_after_seek_to_end(
    bootstrap: str, partition: TopicPartition, count: int
) -> list[bytes]:
    """What a consumer that seeks to the "end" reads: the tail of the last batch."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([partition])
        await consumer.seek_to_end(partition)
        values: list[bytes] = []
        deadline = time.monotonic() + CONSUME_DEADLINE_S
        while len(values) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(partition, timeout_ms=200)
            values.extend(record.value for record in batches.get(partition, []))
        return values
    finally:
        await consumer.stop()


async def test_fresh_broker_is_empty(kafka_broker_fresh: EmbeddedBroker) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker_fresh.bootstrap)
    await admin.start()
    try:
        assert set(await admin.list_topics()) == set(PLATFORM_TOPICS)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_broker_fresh.bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, 0) for topic in PLATFORM_TOPICS]
        assert set((await consumer.end_offsets(partitions)).values()) == {0}
    finally:
        await consumer.stop()


def write_script(path: Path, body: str) -> str:
    """An executable shell script standing in for a misbehaving broker binary."""
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


async def test_binary_that_exits_raises_with_log_tail(tmp_path: Path) -> None:
    binary = write_script(tmp_path / "dies.sh", "echo 'boom: cannot bind'; exit 7")
    broker = EmbeddedBroker(binary=binary, start_timeout_s=5.0)
    with pytest.raises(BrokerStartError) as caught:
        await broker.start()
    assert "exited with code 7" in str(caught.value)
    assert "boom: cannot bind" in str(caught.value)
    assert isinstance(caught.value, BrokerUnavailable)  # maps to exit code 3
    assert broker.pid is None


async def test_binary_that_never_listens_times_out_and_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    binary = write_script(tmp_path / "hangs.sh", f"echo $$ > {pid_file}; exec sleep 60")
    broker = EmbeddedBroker(binary=binary, start_timeout_s=0.5, stop_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(BrokerStartError, match="still running"):
        await broker.start()
    assert time.monotonic() - started < 5.0
    assert_process_gone(int(pid_file.read_text()))


def test_atexit_stops_a_broker_left_running(tmp_path: Path) -> None:
    """A Python process that exits without stop() does not leave an orphan broker."""
    script = textwrap.dedent(
        """
        import asyncio
        from eng5_np.localstack.broker import EmbeddedBroker

        async def main() -> None:
            broker = EmbeddedBroker()
            await broker.start()
            print(broker.pid, flush=True)

        asyncio.run(main())
        """
    )
    source_root = str(Path(eng5_np.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": source_root}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    pid = int(result.stdout.strip())
    try:
        assert_process_gone(pid)
    except BaseException:
        os.kill(pid, 9)  # do not leak the broker when the safety net is broken
        raise
