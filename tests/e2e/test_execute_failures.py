"""How an awaited execute run ends when things go wrong (SPEC §1 exit codes, §4.9, §5.5).

Each test runs the ``eng5-runner`` console script as a subprocess and plays the CJ side:
failure event → 5, completion ``failed_critically`` → 5, timeout → 4, SIGINT/SIGTERM → 4 (with
a schema-valid partial artefact), broker down → 3 fast, ``--strict-metadata`` → 2.
"""

from __future__ import annotations

import json
import signal
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from cj_player import (
    COMPARISON_TOPIC,
    COMPLETED_TOPIC,
    FAILED_TOPIC,
    RESULT_TOPIC,
    CJPlayer,
    comparison,
    completion,
    failure,
    read_request,
    rich_result,
)
from eng5_np.artefact.schema import validation_errors
from eng5_np.artefact.verify import verify_artefact
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from runner_process import (
    RunnerProcess,
    finish,
    jsonl,
    runner_env,
    start_runner,
    wait_for,
)

pytestmark = pytest.mark.e2e

ARTEFACT = "assessment_run.execute.json"


async def _start(
    tmp_path: Path,
    kafka_bootstrap: str,
    content_url: str,
    *extra: str,
    timeout_s: float = 60,
) -> tuple[RunnerProcess, str, Path]:
    label = f"{tmp_path.name[:40]}-{uuid.uuid4().hex[:6]}".replace("[", "-").replace("]", "")
    run_dir = tmp_path / "run"
    runner = await start_runner(
        "--mode", "execute", "--await-completion", "--completion-timeout", str(timeout_s),
        "--output-dir", run_dir, "--batch-id", label, *extra,
        env=runner_env(kafka_bootstrap, content_url, tmp_path / "cache"), cwd=tmp_path,
    )  # fmt: skip
    return runner, label, run_dir


def _artefact(run_dir: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((run_dir / ARTEFACT).read_bytes())
    return document


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


async def test_failure_event_ends_the_run_with_exit_5_and_its_reason(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    runner, label, run_dir = await _start(tmp_path, kafka_broker.bootstrap, content_service.url)
    request = await read_request(kafka_broker.bootstrap, batch_label=label)
    wire, ids = request.wire_batch_id, request.essay_ids
    reason = "stuck-batch monitor gave up after 3600 s"

    async with CJPlayer(kafka_broker.bootstrap) as cj:
        await cj.send(COMPARISON_TOPIC, comparison(wire, ids[0], ids[1]))
        await cj.send(FAILED_TOPIC, failure(wire, reason))
    done = await finish(runner)

    assert done.returncode == 5, done.stderr
    assert reason in _error_lines(done.stderr)[0]
    assert "Traceback" not in done.stderr
    status = _artefact(run_dir)["validation"]["runner_status"]
    assert reason in status["failed"]["reason"]
    assert status["observed_events"]["failures"] == 1
    assert len(jsonl(run_dir / "events" / "failures.jsonl")) == 1
    assert verify_artefact(run_dir / ARTEFACT).ok


async def test_completion_failed_critically_also_exits_5(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    runner, label, run_dir = await _start(tmp_path, kafka_broker.bootstrap, content_service.url)
    request = await read_request(kafka_broker.bootstrap, batch_label=label)

    async with CJPlayer(kafka_broker.bootstrap) as cj:
        await cj.send(COMPLETED_TOPIC, completion(request.wire_batch_id, "failed_critically"))
    done = await finish(runner)

    assert done.returncode == 5, done.stderr
    assert "LOW_SUCCESS_RATE" in _error_lines(done.stderr)[0]
    status = _artefact(run_dir)["validation"]["runner_status"]
    assert status["failed"]["status"] == "failed_critically"
    assert status["completion_status"] == "failed_critically"
    assert verify_artefact(run_dir / ARTEFACT).ok


async def test_timeout_exits_4_with_a_valid_partial_artefact(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    runner, label, run_dir = await _start(
        tmp_path, kafka_broker.bootstrap, content_service.url, timeout_s=2
    )
    done = await finish(runner)

    assert done.returncode == 4, done.stderr
    assert len(_error_lines(done.stderr)) == 1
    assert "Traceback" not in done.stderr
    status = _artefact(run_dir)["validation"]["runner_status"]
    assert status["partial_data"] is True
    assert status["timeout_seconds"] == 2
    assert status["elapsed_seconds"] >= 2
    assert verify_artefact(run_dir / ARTEFACT).ok
    # The request did go out; only the wait was cut short.
    assert (await read_request(kafka_broker.bootstrap, batch_label=label)).key is not None


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_signal_mid_collection_exits_4_keeping_what_was_collected(
    signum: signal.Signals,
    kafka_broker: EmbeddedBroker,
    content_service: ContentServiceServer,
    tmp_path: Path,
) -> None:
    runner, label, run_dir = await _start(tmp_path, kafka_broker.bootstrap, content_service.url)
    request = await read_request(kafka_broker.bootstrap, batch_label=label)
    wire, ids = request.wire_batch_id, request.essay_ids
    comparisons_file = run_dir / "events" / "comparisons.jsonl"

    async with CJPlayer(kafka_broker.bootstrap) as cj:
        await cj.send_all(
            COMPARISON_TOPIC, [comparison(wire, ids[i], ids[i + 1]) for i in range(3)]
        )
    await wait_for(lambda: len(jsonl(comparisons_file)) == 3, 15, "3 collected comparisons")
    runner.process.send_signal(signum)
    done = await finish(runner, timeout_s=15)

    assert done.returncode == 4, done.stderr
    assert "interrupted" in _error_lines(done.stderr)[0]
    assert "Traceback" not in done.stderr
    artefact = _artefact(run_dir)
    status = artefact["validation"]["runner_status"]
    assert status["partial_data"] is True
    assert "interrupt" in status["stop_reason"]
    assert [r["sequence"] for r in artefact["llm_comparisons"]] == [1, 2, 3]
    assert verify_artefact(run_dir / ARTEFACT).ok


async def test_broker_down_exits_3_fast_with_one_line(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bootstrap = f"127.0.0.1:{port}"
    started = time.monotonic()

    runner, _, _ = await _start(tmp_path, bootstrap, content_service.url)
    done = await finish(runner, timeout_s=30)

    elapsed = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert elapsed < 15
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error:")
    assert bootstrap in lines[0]
    assert "Traceback" not in done.stderr


async def test_strict_metadata_stops_at_a_comparison_without_prompt_hash(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    runner, label, run_dir = await _start(
        tmp_path, kafka_broker.bootstrap, content_service.url, "--strict-metadata"
    )
    request = await read_request(kafka_broker.bootstrap, batch_label=label)
    wire, ids = request.wire_batch_id, request.essay_ids
    incomplete = comparison(wire, ids[0], ids[1], prompt_sha256=None)

    async with CJPlayer(kafka_broker.bootstrap) as cj:
        await cj.send(COMPARISON_TOPIC, comparison(wire, ids[2], ids[3]))
        await cj.send(COMPARISON_TOPIC, incomplete)
    done = await finish(runner)

    assert done.returncode == 2, done.stderr
    error = _error_lines(done.stderr)[0]
    assert incomplete["data"]["request_id"] in error
    assert "prompt_sha256" in error
    assert "Traceback" not in done.stderr
    assert len(jsonl(run_dir / "events" / "comparisons.jsonl")) == 1
    assert jsonl(run_dir / "events" / "rejected.jsonl") == []
    # What was collected before the stop is kept as a valid partial artefact.
    artefact = json.loads((run_dir / "assessment_run.execute.json").read_text())
    assert validation_errors(artefact) == []
    assert artefact["validation"]["runner_status"]["partial_data"] is True
    assert len(artefact["llm_comparisons"]) == 1


async def test_a_result_that_follows_the_completion_within_the_grace_is_used(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    """The completion may come first; --result-grace waits for the result (issue 14) and the
    run ends as an ordinary complete one, the service's θ in bt_summary."""
    runner, label, run_dir = await _start(
        tmp_path, kafka_broker.bootstrap, content_service.url, "--result-grace", "60"
    )
    request = await read_request(kafka_broker.bootstrap, batch_label=label)
    wire, ids = request.wire_batch_id, request.essay_ids
    async with CJPlayer(kafka_broker.bootstrap) as cj:
        pairs = list(zip(ids, ids[1:] + ids[:1], strict=True))
        await cj.send_all(COMPARISON_TOPIC, [comparison(wire, a, b) for a, b in pairs])
        await cj.send(COMPLETED_TOPIC, completion(wire))
        completions = run_dir / "events" / "completions.jsonl"
        await wait_for(lambda: len(jsonl(completions)) == 1, 30, "the completion to be read")
        await cj.send(RESULT_TOPIC, rich_result(wire, ids))
    done = await finish(runner)

    assert done.returncode == 0, done.stderr
    document = _artefact(run_dir)
    status = document["validation"]["runner_status"]
    assert "service_result_missing" not in status
    assert status["stop_reason"] == "result and completion"
    assert all(entry["theta"] is not None for entry in document["bt_summary"])
    assert verify_artefact(run_dir / ARTEFACT).ok
