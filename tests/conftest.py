"""Shared fixtures: the embedded Tansu broker and the local Content Service.

Isolation on the shared broker: ``kafka_broker`` is one broker for the whole session
with the five SPEC §4.1 topics, so tests see each other's messages there. A test that
uses the platform topics must give its messages a unique batch id (``uuid4``) and
filter by it — exactly what the runner does in production. A test that needs topics
nobody else writes to asks ``fresh_topics`` for uniquely named ones on the same broker;
a test that needs a completely empty broker uses ``kafka_broker_fresh`` (a start costs
about 0.03 s). Producers must use ``acks="all", enable_idempotence=False`` and
consumers ``assign()`` without a group (see ``eng5_np.localstack.broker``).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from eng5_np.contracts import CALLBACK_TOPICS, CJ_REQUEST_TOPIC
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer

# The SPEC §4.1 topics. Hard-coded while eng5_np.contracts.topics is being written;
# switch to its constants once it has landed.
PLATFORM_TOPICS: tuple[str, ...] = (CJ_REQUEST_TOPIC, *CALLBACK_TOPICS)

# Property tests draw the same examples on every run (CI must not turn red on a new draw);
# no example database is written into the checkout.
hypothesis_settings.register_profile("eng5", derandomize=True, database=None)
hypothesis_settings.load_profile("eng5")

TopicFactory = Callable[..., Awaitable[tuple[str, ...]]]
"""``await fresh_topics("requests", "callbacks", partitions=1)`` → unique topic names."""


def _run_in_own_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to completion in a new event loop on a separate thread.

    A session fixture must not touch the event loop pytest-asyncio set up for the
    current test; ``asyncio.run`` in this thread would unset it afterwards.
    """
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target, name="kafka-broker-start")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[EmbeddedBroker]:
    """One embedded broker for the session, with the SPEC §4.1 topics (1 partition each)."""
    broker = EmbeddedBroker(PLATFORM_TOPICS)
    _run_in_own_loop(broker.start())
    try:
        yield broker
    finally:
        broker.stop_blocking()


@pytest.fixture
async def kafka_broker_fresh() -> AsyncIterator[EmbeddedBroker]:
    """A new, empty broker for one test, with the SPEC §4.1 topics (1 partition each)."""
    async with EmbeddedBroker(PLATFORM_TOPICS) as broker:
        yield broker


@pytest.fixture
def fresh_topics(kafka_broker: EmbeddedBroker) -> TopicFactory:
    """Create uniquely named topics on the session broker: no other test writes to them."""

    async def create(*base_names: str, partitions: int = 1) -> tuple[str, ...]:
        suffix = uuid.uuid4().hex[:12]
        names = tuple(f"{base}.{suffix}" for base in base_names)
        await kafka_broker.create_topics(names, partitions)
        return names

    return create


@pytest.fixture
async def content_service() -> AsyncIterator[ContentServiceServer]:
    """A started Content Service on 127.0.0.1 with a free port and an empty store."""
    async with ContentServiceServer() as server:
        yield server
