"""A request the CJ service never picked up (SPEC §11.6: its consumer joins at the latest
offset, so a request published before it joined is never seen): after the first-callback
deadline the run says so with what to check, waits only until --completion-timeout, and a
resume with --republish publishes the same envelope again and completes the batch (issue 14).

Real parts: the local stack's Tansu broker, Content Service and reference CJ service, whose
fault ``ignore_requests`` plays the late consumer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from eng5_np.artefact.schema import validation_errors
from eng5_np.errors import CollectionTimeout, UsageError
from eng5_np.localstack.judge import JudgeConfig
from eng5_np.localstack.judge_types import FaultConfig
from eng5_np.localstack.stack import LocalStack, LocalStackConfig
from eng5_np.logs import detach_run_log
from eng5_np.modes.collect import StopReason
from eng5_np.modes.execute import REQUEST_FILE, run_execute
from eng5_np.settings import RunMode, RunSettings
from progress_recorder import RecordingProgress

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


@pytest.fixture
async def late_cj() -> AsyncIterator[LocalStack]:
    """A stack whose CJ service never sees the first request published to it."""
    config = LocalStackConfig(judge=JudgeConfig(faults=FaultConfig(ignore_requests=1)))
    async with LocalStack(config) as stack:
        yield stack


def _settings(stack: LocalStack, tmp_path: Path, **extra: object) -> RunSettings:
    values: dict[str, object] = {
        "mode": RunMode.EXECUTE,
        "output_dir": tmp_path / "run",
        "batch_id": "never-picked-up",
        "kafka_bootstrap": stack.bootstrap,
        "content_service_url": stack.content_service_url,
        "upload_cache_dir": tmp_path / "cache",
        "await_completion": True,
        "max_comparisons": 20,
        **extra,
    }
    return RunSettings.model_validate(values)


async def test_an_unseen_request_is_named_and_republish_on_resume_completes_it(
    late_cj: LocalStack, tmp_path: Path
) -> None:
    first = RecordingProgress()
    settings = _settings(late_cj, tmp_path, completion_timeout=3, first_callback_deadline=1)
    result = await run_execute(settings, progress=first, raise_on_failure=False)
    assert result.outcome is not None
    assert result.outcome.reason is StopReason.TIMEOUT  # waited as long as asked, no longer
    said = [note for note in first.notes if note.startswith("no comparison for this batch")]
    assert len(said) == 1, first.notes
    assert "is the CJ service consuming huleedu.els.cj_assessment.requested.v1?" in said[0]
    assert "--republish" in said[0]
    assert "resume later" in said[0]
    with pytest.raises(CollectionTimeout) as timed_out:
        result.raise_for_outcome()
    assert "--republish" in timed_out.value.advice
    assert late_cj.cj_service.requests_processed == 0

    second = RecordingProgress()
    resumed = await run_execute(
        _settings(late_cj, tmp_path, completion_timeout=60, republish=True), progress=second
    )
    assert resumed.resumed
    assert resumed.wire_batch_id == result.wire_batch_id
    assert resumed.outcome is not None
    assert resumed.outcome.reason is StopReason.COMPLETED
    assert any(note.startswith("re-published the request") for note in second.notes)
    run_dir = tmp_path / "run"
    document = json.loads((run_dir / "assessment_run.execute.json").read_text())
    assert validation_errors(document) == []
    republished = document["metadata"]["request_republished"]
    assert len(republished) == 1
    assert republished[0]["offset"] > document["metadata"]["request"]["offset"]
    state = json.loads((run_dir / "state.json").read_text())
    assert state["republished"] == republished
    assert len(document["llm_comparisons"]) == 20
    assert document["validation"]["runner_status"]["partial_data"] is False
    # The very envelope that was saved went out again: one batch, answered once.
    report = late_cj.cj_service.reports[result.wire_batch_id]
    assert report.planned == 20
    assert json.loads((run_dir / REQUEST_FILE).read_bytes())["data"]["entity_id"] == (
        result.wire_batch_id
    )


async def test_republish_without_a_published_request_is_refused_before_anything(
    late_cj: LocalStack, tmp_path: Path
) -> None:
    with pytest.raises(UsageError) as refused:
        await run_execute(_settings(late_cj, tmp_path, republish=True))
    assert refused.value.exit_code == 2
    assert "--republish" in refused.value.message
    assert len(late_cj.content_service.store) == 0
