"""The broker is checked before the first upload (issue 8): a dead broker, missing topics or
a refused SASL handshake cost no upload, and the one line names the real cause."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from eng5_np.errors import BrokerUnavailable
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.logs import detach_run_log
from eng5_np.modes.execute import run_execute
from eng5_np.settings import KafkaSecurity, RunMode, RunSettings

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def settings_for(
    tmp_path: Path, bootstrap: str, url: str, security: KafkaSecurity | None = None
) -> RunSettings:
    return RunSettings(
        mode=RunMode.EXECUTE,
        output_dir=tmp_path / "run",
        batch_id="preflight",
        kafka_bootstrap=bootstrap,
        kafka_security=security or KafkaSecurity(),
        content_service_url=url,
        upload_cache_dir=tmp_path / "cache",
        await_completion=True,
        completion_timeout=5,
    )


async def test_a_dead_broker_fails_before_any_upload(
    tmp_path: Path, content_service: ContentServiceServer
) -> None:
    # Issue 8: all 24 essays were uploaded, then the run failed on the broker.
    bootstrap = f"127.0.0.1:{closed_port()}"
    with pytest.raises(BrokerUnavailable) as raised:
        await run_execute(settings_for(tmp_path, bootstrap, content_service.url))
    assert raised.value.exit_code == 3
    assert f"Kafka broker at {bootstrap} is unreachable" in raised.value.message
    assert content_service.stats.posts_received == 0


async def test_missing_topics_fail_before_any_upload(
    tmp_path: Path, content_service: ContentServiceServer
) -> None:
    async with EmbeddedBroker(()) as bare:
        with pytest.raises(BrokerUnavailable) as raised:
            await run_execute(settings_for(tmp_path, bare.bootstrap, content_service.url))
    assert "the broker has no topic" in raised.value.message
    assert content_service.stats.posts_received == 0


async def test_sasl_against_a_broker_without_it_names_the_refusal(
    tmp_path: Path, kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    # Issue 8: the message said "unreachable"; the real cause was only in the log.
    security = KafkaSecurity(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_username="runner",
        sasl_password=SecretStr("hunter2-secret"),
    )
    settings = settings_for(tmp_path, kafka_broker.bootstrap, content_service.url, security)
    with pytest.raises(BrokerUnavailable) as raised:
        await run_execute(settings)
    line = raised.value.one_line()
    assert "UnsupportedSaslMechanismError" in line
    assert "unreachable" not in line
    assert "PLAIN" in line
    assert "hunter2-secret" not in line
    assert "\n" not in line
    assert content_service.stats.posts_received == 0
