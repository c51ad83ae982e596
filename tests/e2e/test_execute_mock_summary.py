"""A run against services given by address whose callbacks come from a mock judge (a stack
started with `eng5-runner stack up`, or the platform's LLM Provider in mock mode) says so in the
terminal summary, as its artefact and report already did (issue 14, item 10)."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path

import pytest

from cj_player import (
    COMPARISON_TOPIC,
    COMPLETED_TOPIC,
    RESULT_TOPIC,
    CJPlayer,
    comparison,
    completion,
    read_request,
    rich_result,
)
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from runner_process import finish, runner_env, start_runner

pytestmark = pytest.mark.integration


async def test_mock_callbacks_make_the_terminal_summary_say_simulated(
    kafka_broker_fresh: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    bootstrap = kafka_broker_fresh.bootstrap
    label = f"mock-{uuid.uuid4().hex[:8]}"
    run_dir = tmp_path / "run"
    runner = await start_runner(
        "--mode", "execute", "--await-completion", "--completion-timeout", "60",
        "--output-dir", run_dir, "--batch-id", label,
        env=runner_env(bootstrap, content_service.url, tmp_path / "cache"), cwd=tmp_path,
    )  # fmt: skip
    request = await read_request(bootstrap, batch_label=label, timeout_s=60)
    wire, ids = request.wire_batch_id, request.essay_ids
    callbacks = [
        comparison(wire, a, b, provider="mock", model="simulated-judge-v1")
        for a, b in itertools.islice(itertools.combinations(ids, 2), 20)
    ]
    async with CJPlayer(bootstrap) as cj:
        await cj.send_all(COMPARISON_TOPIC, callbacks)
        await cj.send(RESULT_TOPIC, rich_result(wire, ids))
        await cj.send(COMPLETED_TOPIC, completion(wire))

    finished = await finish(runner, timeout_s=90)

    assert finished.returncode == 0, finished.stderr
    document = json.loads((run_dir / "assessment_run.execute.json").read_bytes())
    assert document["metadata"]["stack"]["judge"] == "simulated"
    assert "warning: simulated judge — these are not LLM judgements" in finished.stdout
    assert "callbacks came from a simulated/mock judge" in finished.stdout
    assert "simulated judge: no money spent" in finished.stdout
