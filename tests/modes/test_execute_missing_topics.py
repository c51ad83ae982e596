"""A broker without the platform's topics is a failed preflight (exit 3), not a hang."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from eng5_np.errors import BrokerUnavailable
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.logs import detach_run_log
from eng5_np.modes.execute import run_execute
from eng5_np.settings import RunMode, RunSettings

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


async def test_missing_callback_topics_exit_3_naming_them(
    tmp_path: Path, content_service: ContentServiceServer
) -> None:
    async with EmbeddedBroker(()) as bare:
        settings = RunSettings(
            mode=RunMode.EXECUTE,
            output_dir=tmp_path / "run",
            batch_id="no-topics",
            kafka_bootstrap=bare.bootstrap,
            content_service_url=content_service.url,
            upload_cache_dir=tmp_path / "cache",
            await_completion=True,
        )
        with pytest.raises(BrokerUnavailable) as raised:
            await run_execute(settings)
        available = await _topics(bare.bootstrap)

    assert raised.value.exit_code == 3
    assert "huleedu.llm_provider.comparison_result.v1" in raised.value.message
    assert "preflight" in raised.value.advice
    # Nothing was published: the request topic was never even created.
    assert "huleedu.els.cj_assessment.requested.v1" not in available
    state_file = tmp_path / "run" / "state.json"
    assert not state_file.exists() or not json.loads(state_file.read_text())["request_published"]


async def _topics(bootstrap: str) -> set[str]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        return set(await consumer.topics())
    finally:
        await consumer.stop()
