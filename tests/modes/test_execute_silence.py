"""A run that hears nothing says so, and still ends with a valid partial artefact (SPEC §5.5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from eng5_np.artefact.schema import validation_errors
from eng5_np.errors import CollectionTimeout
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.logs import detach_run_log
from eng5_np.modes.collect import CollectConfig
from eng5_np.modes.execute import run_execute
from eng5_np.settings import RunMode, RunSettings
from progress_recorder import RecordingProgress

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


async def test_silence_is_reported_and_the_timeout_keeps_a_valid_partial_artefact(
    tmp_path: Path, kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    settings = RunSettings(
        mode=RunMode.EXECUTE,
        output_dir=tmp_path / "run",
        batch_id="silent-batch",
        kafka_bootstrap=kafka_broker.bootstrap,
        content_service_url=content_service.url,
        upload_cache_dir=tmp_path / "cache",
        await_completion=True,
        completion_timeout=4,
    )
    progress = RecordingProgress()
    # Long enough for two warnings even when uploads and publishing ran slowly (busy CI).
    config = CollectConfig(timeout_s=4, poll_s=0.1, silence_warning_s=1.0)

    with pytest.raises(CollectionTimeout) as raised:
        await run_execute(settings, progress=progress, collect_config=config)

    assert raised.value.exit_code == 4
    silences = [note for note in progress.notes if note.startswith("no callback for")]
    # Repeated through the silence (issue 8: once in 216 s), each with the time so far.
    assert len(silences) >= 2, progress.notes
    seconds = [float(note.split()[3]) for note in silences]
    assert seconds == sorted(set(seconds))  # each says the longer time so far
    assert seconds[0] >= 1
    assert all(note.endswith("s; still waiting") for note in silences)
    assert progress.upload_totals[-1] == 24  # 23 essays and the prompt
    artefact_path = tmp_path / "run" / "assessment_run.execute.json"
    artefact = json.loads(artefact_path.read_text())
    assert validation_errors(artefact) == []
    status = artefact["validation"]["runner_status"]
    assert status["partial_data"] is True
    assert status["stop_reason"].startswith("no completion within 4 s")
    assert str(artefact_path) in str(raised.value)
