"""Uploads inside execute mode (SPEC §4.8, §5.3): cache across runs, retries, refusals, outages."""

from __future__ import annotations

import json
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cj_player import (
    published_requests,
    read_request,
)
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.logs import detach_run_log
from eng5_np.modes.execute import run_execute
from eng5_np.settings import RunMode, RunSettings, bundled_sample_dataset
from runner_process import (
    finish,
    runner_env,
    start_runner,
)

pytestmark = pytest.mark.integration

TEXTS = 24
"""23 essays and the prompt of the sample dataset, all distinct."""
REQUEST_FILE = Path("requests") / "els_cj_assessment_request.json"


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


def _settings(tmp_path: Path, name: str, content_url: str, **extra: object) -> RunSettings:
    values: dict[str, object] = {
        "mode": RunMode.EXECUTE,
        "output_dir": tmp_path / name,
        "batch_id": f"{name}-{uuid.uuid4().hex[:8]}",
        "content_service_url": content_url,
        "upload_cache_dir": tmp_path / "cache",
        **extra,
    }
    return RunSettings.model_validate(values)


def _request_storage_ids(run_dir: Path) -> set[str]:
    request = json.loads((run_dir / REQUEST_FILE).read_bytes())
    prompt = request["data"]["student_prompt_ref"]["references"]["student_prompt_text"]
    return {e["text_storage_id"] for e in request["data"]["essays_for_cj"]} | {prompt["storage_id"]}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_second_run_uploads_nothing_and_publishes_the_cached_ids(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    first = await run_execute(_settings(tmp_path, "first", content_service.url, no_kafka=True))
    assert content_service.stats.posts_received == TEXTS

    second = await run_execute(
        _settings(tmp_path, "second", content_service.url, kafka_bootstrap=kafka_broker.bootstrap)
    )

    assert content_service.stats.posts_received == TEXTS
    request = await read_request(kafka_broker.bootstrap, key=second.wire_batch_id)
    first_ids = _request_storage_ids(first.artefact_path.parent)
    assert _request_storage_ids(second.artefact_path.parent) == first_ids
    assert set(request.storage_ids.values()) <= first_ids
    artefact = json.loads(second.artefact_path.read_bytes())
    recorded = {
        e["storage_id"] for e in artefact["inputs"]["anchors"] + artefact["inputs"]["students"]
    }
    assert recorded == set(request.storage_ids.values())


async def test_server_errors_are_retried_until_every_text_is_stored(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    content_service.faults.fail_next_posts = 3

    result = await run_execute(_settings(tmp_path, "retry", content_service.url, no_kafka=True))

    stats = content_service.stats
    assert stats.posts_failed_injected == 3
    assert stats.posts_stored == TEXTS
    assert stats.posts_received == TEXTS + 3
    assert len(_request_storage_ids(result.artefact_path.parent)) == TEXTS


async def test_a_refused_essay_stops_the_run_naming_the_file_and_nothing_is_published(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    dataset = Path(shutil.copytree(bundled_sample_dataset(), tmp_path / "dataset"))
    marker = f"REFUSE-{uuid.uuid4().hex}"
    essay = dataset / "student_essays" / "student_03_teacher.txt"
    essay.write_text(essay.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
    content_service.faults.reject_marker = marker.encode()
    label = f"refused-{uuid.uuid4().hex[:8]}"
    run_dir = tmp_path / "run"

    runner = await start_runner(
        "--mode", "execute", "--await-completion", "--dataset-dir", dataset,
        "--output-dir", run_dir, "--batch-id", label,
        env=runner_env(kafka_broker.bootstrap, content_service.url, tmp_path / "cache"),
        cwd=tmp_path,
    )  # fmt: skip
    done = await finish(runner)

    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "student_essays/student_03_teacher.txt" in errors[0]
    assert "400" in errors[0]
    assert "Traceback" not in done.stderr
    assert content_service.stats.posts_stored == TEXTS - 1
    assert not (run_dir / REQUEST_FILE).exists()
    assert await published_requests(kafka_broker.bootstrap, batch_label=label) == []


async def test_content_service_down_exits_3_naming_the_url(
    kafka_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1/content"
    label = f"nocontent-{uuid.uuid4().hex[:8]}"

    runner = await start_runner(
        "--mode", "execute", "--output-dir", tmp_path / "run", "--batch-id", label,
        env=runner_env(kafka_broker.bootstrap, url, tmp_path / "cache"), cwd=tmp_path,
    )  # fmt: skip
    done = await finish(runner)

    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert url in errors[0]
    assert "Traceback" not in done.stderr
    assert await published_requests(kafka_broker.bootstrap, batch_label=label) == []
