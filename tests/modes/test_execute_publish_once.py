"""The request is published once even if the runner dies between the broker's ack and the
state write (SPEC §5.5 'without re-publishing the request')."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cj_player import published_requests
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


def _settings(tmp_path: Path, broker: EmbeddedBroker, content: ContentServiceServer) -> RunSettings:
    return RunSettings(
        mode=RunMode.EXECUTE,
        output_dir=tmp_path / "run",
        batch_id="publish-once",
        kafka_bootstrap=broker.bootstrap,
        content_service_url=content.url,
        upload_cache_dir=tmp_path / "cache",
    )


async def test_a_crash_after_the_ack_does_not_publish_the_request_twice(
    tmp_path: Path, kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    settings = _settings(tmp_path, kafka_broker, content_service)
    first = await run_execute(settings)
    state_path = tmp_path / "run" / "state.json"
    state = json.loads(state_path.read_text())
    assert state["publishing_from"] is not None
    # The runner "died" after the broker acknowledged the request, before recording it.
    state["request_published"] = False
    state["request"] = None
    state_path.write_text(json.dumps(state))

    second = await run_execute(settings)

    assert second.wire_batch_id == first.wire_batch_id
    requests = await published_requests(kafka_broker.bootstrap, key=first.wire_batch_id)
    assert len(requests) == 1
    artefact = json.loads(second.artefact_path.read_text())
    assert artefact["metadata"]["request"]["offset"] == requests[0].offset
    assert artefact["metadata"]["request"]["partition"] == requests[0].partition


async def test_a_crash_before_the_publish_publishes_on_the_rerun(
    tmp_path: Path, kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    settings = _settings(tmp_path, kafka_broker, content_service).model_copy(
        update={"no_kafka": True}
    )
    first = await run_execute(settings)
    assert await published_requests(kafka_broker.bootstrap, key=first.wire_batch_id) == []
    state_path = tmp_path / "run" / "state.json"
    state = json.loads(state_path.read_text())
    # Died after recording the request topic's end, before the producer sent anything.
    state["publishing_from"] = {"0": 0}
    state_path.write_text(json.dumps(state))

    await run_execute(settings.model_copy(update={"no_kafka": False}))

    requests = await published_requests(kafka_broker.bootstrap, key=first.wire_batch_id)
    assert len(requests) == 1
