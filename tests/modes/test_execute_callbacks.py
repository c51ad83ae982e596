"""Execute mode collecting platform callbacks into the artefact (SPEC §4.5–§4.9, §5.5, §6.2).

One awaited run on a fresh broker receives every kind of message the platform can send:
successes with both winner values from two providers, an error callback, a duplicate,
foreign-batch noise, a comparison without a batch key, poison and schema-invalid messages,
then the rich result and the thin completion. The artefact must account for each exactly.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cj_player import (
    COMPARISON_TOPIC,
    COMPLETED_TOPIC,
    RESULT_TOPIC,
    CJPlayer,
    comparison,
    completion,
    error_comparison,
    published_requests,
    read_request,
    rich_result,
)
from eng5_np.analysis import ComparisonOutcome
from eng5_np.analysis.position_effect import fit_net_of_position
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.logs import detach_run_log
from eng5_np.modes.collect import CollectConfig, StopReason
from eng5_np.modes.execute import run_execute
from eng5_np.settings import RunMode, RunSettings
from runner_process import (
    finish,
    jsonl,
    runner_env,
    start_runner,
)

pytestmark = pytest.mark.integration

# Binary fractions: their sums are exact in floating point, so costs compare with ==.
CLAUDE_COST = 2.0**-10
GPT_COST = 2.0**-9
GPT_MODEL = "gpt-4.1-mini"
BACKLOG = 2500
"""Comparisons of ~1.1 KB each: more than two of aiokafka's 1 MiB partition fetches."""


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


def _successes(wire: str, ids: list[str]) -> list[dict[str, Any]]:
    """A connected design: every essay meets its next and its third neighbour in the ring."""
    callbacks = []
    for i, essay in enumerate(ids):
        for step, winner in ((1, "Essay A"), (3, "Essay B")):
            other = ids[(i + step) % len(ids)]
            if i % 2:
                callbacks.append(
                    comparison(wire, essay, other, winner=winner, provider="openai",
                               model=GPT_MODEL, prompt_tokens=700, completion_tokens=70,
                               cost=GPT_COST)
                )  # fmt: skip
            else:
                callbacks.append(
                    comparison(wire, essay, other, winner=winner, prompt_tokens=1000,
                               completion_tokens=100, cost=CLAUDE_COST)
                )  # fmt: skip
    return callbacks


async def test_every_kind_of_callback_is_classified_and_hydrated_exactly(
    kafka_broker_fresh: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    bootstrap = kafka_broker_fresh.bootstrap
    settings = RunSettings(
        mode=RunMode.EXECUTE,
        output_dir=tmp_path / "run",
        batch_id=f"callbacks-{uuid.uuid4().hex[:8]}",
        kafka_bootstrap=bootstrap,
        content_service_url=content_service.url,
        upload_cache_dir=tmp_path / "cache",
        await_completion=True,
    )
    run = asyncio.create_task(
        run_execute(settings, collect_config=CollectConfig(timeout_s=60, poll_s=0.1))
    )
    request = await read_request(bootstrap, batch_label=settings.batch_id)
    wire, ids = request.wire_batch_id, request.essay_ids
    other_batch = str(uuid.uuid4())

    successes = _successes(wire, ids)
    failed = error_comparison(wire, ids[0], ids[5])
    keyless = comparison(None, ids[2], "anchor_from_elsewhere", winner="Essay B")
    accepted = [*successes, failed, keyless]
    duplicate = json.loads(json.dumps(successes[0]))
    duplicate["event_id"] = str(uuid.uuid4())
    foreign = [
        comparison(other_batch, ids[0], ids[1]),
        comparison(None, "student_x_elsewhere", "anchor_y_elsewhere"),
    ]
    no_hash = comparison(wire, ids[3], ids[4], prompt_sha256=None)
    invalid = comparison(wire, ids[3], ids[4], winner="Essay C")
    with_itself = comparison(wire, ids[6], ids[6])
    poison = b"\x00{not json"

    async with CJPlayer(bootstrap) as cj:
        await cj.send_all(COMPARISON_TOPIC, [*successes, failed, duplicate, *foreign])
        await cj.send_all(COMPARISON_TOPIC, [keyless, poison, invalid, no_hash, with_itself])
        await cj.send(COMPLETED_TOPIC, completion(other_batch))
        # The platform's outbox relay re-publishes with a new event_id (SPEC §11.5): the
        # copies are the same job and count once.
        result_event, done_event = rich_result(wire, ids), completion(wire)
        await cj.send(RESULT_TOPIC, result_event)
        await cj.send(RESULT_TOPIC, {**result_event, "event_id": str(uuid.uuid4())})
        await cj.send(COMPLETED_TOPIC, done_event)
        await cj.send(COMPLETED_TOPIC, {**done_event, "event_id": str(uuid.uuid4())})
    result = await asyncio.wait_for(run, timeout=30)

    assert result.outcome is not None
    assert result.outcome.reason is StopReason.COMPLETED
    run_dir = settings.resolved_output_dir
    artefact = json.loads(result.artefact_path.read_bytes())
    records = artefact["llm_comparisons"]

    # Every accepted comparison once, in arrival order, winners mapped from "Essay A/B".
    assert [r["sequence"] for r in records] == list(range(1, len(accepted) + 1))
    sent = {c["data"]["request_id"]: c["data"] for c in accepted}
    assert [r["request_id"] for r in records] == list(sent)
    for record in records:
        data = sent[record["request_id"]]
        meta = data["request_metadata"]
        assert (record["essay_a_id"], record["essay_b_id"]) == (
            meta["essay_a_id"],
            meta["essay_b_id"],
        )
        assert record["prompt_hash"] == meta["prompt_sha256"]
        assert record["correlation_id"] == data["correlation_id"]
        if data["winner"] == "Essay A":
            assert (record["winner_id"], record["loser_id"]) == (
                meta["essay_a_id"],
                meta["essay_b_id"],
            )
        elif data["winner"] == "Essay B":
            assert (record["winner_id"], record["loser_id"]) == (
                meta["essay_b_id"],
                meta["essay_a_id"],
            )
    assert {d["winner"] for d in sent.values()} == {"Essay A", "Essay B", None}

    error_record = next(r for r in records if r["request_id"] == failed["data"]["request_id"])
    assert error_record["status"] == "failed"
    assert error_record.get("winner_id") is None
    assert error_record.get("loser_id") is None
    assert error_record["error_code"] == "RATE_LIMIT"
    assert error_record["failure_reason"] == failed["data"]["error_detail"]["message"]
    assert (error_record["provider"], error_record["model"]) == ("openai", "unknown")
    assert [r["status"] for r in records].count("failed") == 1

    keyless_record = next(r for r in records if r["request_id"] == keyless["data"]["request_id"])
    assert keyless_record["winner_id"] == "anchor_from_elsewhere"

    status = artefact["validation"]["runner_status"]
    assert status["partial_data"] is False
    assert status["observed_events"] == {
        "llm_comparisons": len(accepted),
        "assessment_results": 1,
        "completions": 1,
        "rejected": 4,
        "duplicates": 3,
        "foreign": 3,
        "failures": 0,
    }
    assert jsonl(run_dir / "events" / "comparisons.jsonl") == accepted
    rejected = jsonl(run_dir / "events" / "rejected.jsonl")
    assert [r["topic"] for r in rejected] == [COMPARISON_TOPIC] * 4
    assert all(r["reason"] and isinstance(r["offset"], int) for r in rejected)
    assert "json" in rejected[0]["reason"].lower()
    assert "winner" in rejected[1]["reason"]
    assert rejected[1]["raw"] == json.dumps(invalid)
    assert "prompt_sha256" in rejected[2]["reason"]
    assert no_hash["data"]["request_id"] in rejected[2]["reason"]
    assert "itself" in rejected[3]["reason"]

    # Costs and tokens per (provider, model), summed exactly.
    by_model: dict[tuple[str, str], Counter[str]] = {}
    for data in sent.values():
        line = by_model.setdefault((data["provider"], data["model"]), Counter())
        line["prompt_tokens"] += data["token_usage"]["prompt_tokens"]
        line["completion_tokens"] += data["token_usage"]["completion_tokens"]
        line["usd"] += data["cost_estimate"]
    costs = artefact["costs"]
    assert {
        (c["provider"], c["model"]): {
            k: c[k] for k in ("prompt_tokens", "completion_tokens", "usd")
        }
        for c in costs["token_counts"]
    } == by_model
    assert ("openai", "unknown") in by_model
    assert costs["total_usd"] == sum(line["usd"] for line in by_model.values())

    # BT summary: counts and SEs computed by the runner from the successful comparisons.
    outcomes = [
        ComparisonOutcome(r["essay_a_id"], r["essay_b_id"], r["winner_id"], r["loser_id"])
        for r in records
        if r["status"] == "succeeded"
    ]
    fit, _ = fit_net_of_position(outcomes)  # the fit a run reports: θ net of δ
    counts = Counter(e for o in outcomes for e in (o.essay_a_id, o.essay_b_id))
    summary = {e["essay_id"]: e for e in artefact["bt_summary"]}
    assert set(summary) == set(ids)
    anchor_ids = {a["anchor_id"] for a in artefact["inputs"]["anchors"]}
    for essay_id, entry in summary.items():
        assert entry["comparison_count"] == counts[essay_id] > 0
        assert entry["standard_error"] > 0
        assert entry["standard_error"] == pytest.approx(fit.standard_error[essay_id], rel=1e-9)
        # Who is an anchor is the runner's knowledge (the wire ids are opaque, SPEC §3).
        assert entry["is_anchor"] == (essay_id in anchor_ids)

    env = runner_env(bootstrap, content_service.url, tmp_path / "cache")
    checker = await start_runner("verify", result.artefact_path, env=env, cwd=tmp_path)
    verified = await finish(checker)
    assert verified.returncode == 0, verified.stderr
    assert "OK" in verified.stdout


async def test_collecting_later_reads_a_backlog_larger_than_one_fetch_completely(
    kafka_broker_fresh: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    """Publish now, collect later: result and completion must not cut the backlog short.

    They travel on other topics, so the first fetch can hold them next to only the first
    megabyte of comparisons; the run must still read every comparison before it stops.
    """
    bootstrap = kafka_broker_fresh.bootstrap
    values: dict[str, Any] = {
        "mode": RunMode.EXECUTE,
        "output_dir": tmp_path / "run",
        "batch_id": f"later-{uuid.uuid4().hex[:8]}",
        "kafka_bootstrap": bootstrap,
        "content_service_url": content_service.url,
        "upload_cache_dir": tmp_path / "cache",
    }
    published = await run_execute(RunSettings.model_validate(values))
    assert published.outcome is None
    request = await read_request(bootstrap, key=published.wire_batch_id)
    wire, ids = request.wire_batch_id, request.essay_ids
    backlog = [
        comparison(wire, ids[i % len(ids)], ids[(i + 1 + i % 7) % len(ids)]) for i in range(BACKLOG)
    ]
    async with CJPlayer(bootstrap) as cj:
        await cj.send_batched(COMPARISON_TOPIC, backlog)
        await cj.send(RESULT_TOPIC, rich_result(wire, ids))
        await cj.send(COMPLETED_TOPIC, completion(wire))
    assert sum(len(json.dumps(c)) for c in backlog) > 2 * 1024 * 1024

    collected = await run_execute(
        RunSettings.model_validate({**values, "await_completion": True}),
        # The default poll interval: a longer poll lets the first fetch of every topic land.
        collect_config=CollectConfig(timeout_s=60),
    )

    assert collected.resumed is True
    assert collected.outcome is not None
    assert collected.outcome.reason is StopReason.COMPLETED
    artefact = json.loads(collected.artefact_path.read_bytes())
    assert [r["request_id"] for r in artefact["llm_comparisons"]] == [
        c["data"]["request_id"] for c in backlog
    ]
    assert len(await published_requests(bootstrap, key=wire)) == 1
