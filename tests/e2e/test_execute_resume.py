"""Kill -9 mid-collection and re-run (SPEC §5.5 resumable, §10 reliability).

The first runner is SIGKILLed after it appended some comparisons (its state file may lag
behind the event file); more callbacks arrive while no runner is up. The re-run with the same
``--output-dir`` and ``--batch-id`` must not publish again and must end with every callback
exactly once.
"""

from __future__ import annotations

import json
import signal
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
    published_requests,
    read_request,
    rich_result,
)
from eng5_np.artefact.verify import verify_artefact
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from runner_process import (
    finish,
    jsonl,
    runner_env,
    start_runner,
    wait_for,
)

pytestmark = pytest.mark.e2e

BEFORE_KILL = 12
WHILE_DOWN = 8
AFTER_RESTART = 6


async def test_killed_runner_resumes_without_republishing_and_keeps_every_callback_once(
    kafka_broker_fresh: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    bootstrap = kafka_broker_fresh.bootstrap
    label = f"resume-{uuid.uuid4().hex[:8]}"
    run_dir = tmp_path / "run"
    args = (
        "--mode", "execute", "--await-completion", "--completion-timeout", "60",
        "--output-dir", run_dir, "--batch-id", label,
    )  # fmt: skip
    env = runner_env(bootstrap, content_service.url, tmp_path / "cache")
    comparisons_file = run_dir / "events" / "comparisons.jsonl"

    first = await start_runner(*args, env=env, cwd=tmp_path)
    request = await read_request(bootstrap, batch_label=label)
    wire, ids = request.wire_batch_id, request.essay_ids
    sent = [
        comparison(wire, ids[i % len(ids)], ids[(i + 1) % len(ids)],
                   winner="Essay A" if i % 3 else "Essay B")
        for i in range(BEFORE_KILL + WHILE_DOWN + AFTER_RESTART)
    ]  # fmt: skip

    async with CJPlayer(bootstrap) as cj:
        await cj.send_all(COMPARISON_TOPIC, sent[:BEFORE_KILL])
        await wait_for(lambda: len(jsonl(comparisons_file)) >= 4, 15, "applied comparisons")
        first.process.send_signal(signal.SIGKILL)
        killed = await finish(first, timeout_s=10)
        assert killed.returncode == -signal.SIGKILL
        assert json.loads((run_dir / "state.json").read_bytes())["request_published"] is True

        await cj.send_all(COMPARISON_TOPIC, sent[BEFORE_KILL : BEFORE_KILL + WHILE_DOWN])
        second = await start_runner(*args, env=env, cwd=tmp_path)
        await cj.send_all(COMPARISON_TOPIC, sent[BEFORE_KILL + WHILE_DOWN :])
        await wait_for(
            lambda: len(jsonl(comparisons_file)) >= len(sent), 20, "all comparisons collected"
        )
        await cj.send(RESULT_TOPIC, rich_result(wire, ids))
        await cj.send(COMPLETED_TOPIC, completion(wire))
        done = await finish(second)

    assert done.returncode == 0, done.stderr
    assert len(await published_requests(bootstrap, key=wire)) == 1

    artefact = json.loads((run_dir / "assessment_run.execute.json").read_bytes())
    records = artefact["llm_comparisons"]
    assert [r["sequence"] for r in records] == list(range(1, len(sent) + 1))
    request_ids = [r["request_id"] for r in records]
    assert len(set(request_ids)) == len(request_ids)
    assert set(request_ids) == {c["data"]["request_id"] for c in sent}
    lines = jsonl(comparisons_file)
    assert sorted(c["data"]["request_id"] for c in lines) == sorted(request_ids)
    status = artefact["validation"]["runner_status"]
    assert status["partial_data"] is False
    assert status["observed_events"]["llm_comparisons"] == len(sent)
    assert artefact["metadata"]["batch_id"] == label
    assert verify_artefact(run_dir / "assessment_run.execute.json").ok
