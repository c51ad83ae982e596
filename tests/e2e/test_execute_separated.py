"""Issue 8's done-when: 20,000 callbacks in which every pair has a fixed winner.

Real judges produce separated data (an essay that wins every comparison); the plain maximum
likelihood fit does not exist for it, and the runner used to die in the final write with
"Did not converge" and no artefact. The runner subprocess must now exit 0 with a valid artefact
holding every callback, finite standard errors, and the separated essays named.
"""

from __future__ import annotations

import itertools
import json
import math
import uuid
from pathlib import Path

import pytest

from artefact_ssr import check_ssr
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
from eng5_np.artefact.schema import validation_errors
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from runner_process import finish, runner_env, start_runner

pytestmark = pytest.mark.integration

CALLBACKS = 20_000
ARTEFACT = "assessment_run.execute.json"


async def test_fixed_winner_batch_of_20000_callbacks_exits_0_with_the_separation_named(
    kafka_broker_fresh: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    bootstrap = kafka_broker_fresh.bootstrap
    label = f"separated-{uuid.uuid4().hex[:8]}"
    run_dir = tmp_path / "run"
    runner = await start_runner(
        "--mode", "execute", "--await-completion", "--completion-timeout", "300",
        "--output-dir", run_dir, "--batch-id", label,
        env=runner_env(bootstrap, content_service.url, tmp_path / "cache"), cwd=tmp_path,
    )  # fmt: skip
    request = await read_request(bootstrap, batch_label=label, timeout_s=120)
    wire, ids = request.wire_batch_id, request.essay_ids
    # The essay listed first beats every later one, every time, shown in either position.
    pairs = list(itertools.combinations(range(len(ids)), 2))
    callbacks = []
    for index in range(CALLBACKS):
        stronger, weaker = pairs[index % len(pairs)]
        if index % 2:
            callbacks.append(comparison(wire, ids[stronger], ids[weaker], winner="Essay A"))
        else:
            callbacks.append(comparison(wire, ids[weaker], ids[stronger], winner="Essay B"))
    async with CJPlayer(bootstrap) as cj:
        await cj.send_batched(COMPARISON_TOPIC, callbacks)
        await cj.send(RESULT_TOPIC, rich_result(wire, ids))
        await cj.send(COMPLETED_TOPIC, completion(wire))

    finished = await finish(runner, timeout_s=300)

    assert finished.returncode == 0, finished.stderr
    document = json.loads((run_dir / ARTEFACT).read_bytes())
    assert validation_errors(document) == []
    assert len(document["llm_comparisons"]) == CALLBACKS
    assert document["validation"]["runner_status"]["partial_data"] is False
    summary = document["bt_summary"]
    assert {e["essay_id"] for e in summary} == set(ids)
    assert all(math.isfinite(e["standard_error"]) and e["standard_error"] > 0 for e in summary)
    runner_order = sorted(summary, key=lambda e: -e["runner_theta"])
    assert [e["essay_id"] for e in runner_order] == ids
    analysis = document["validation"]["analysis"]
    assert analysis["errors"] == []
    # A total order: no group of essays has its θ fixed by the data, so every essay is named.
    assert sorted(analysis["separated"]) == sorted(ids)
    reasons = " ".join(analysis["reasons"])
    assert "linked both ways by chains of wins" in reasons
    assert ids[0] in reasons
    check_ssr(document)
    gates = (run_dir / "report.md").read_text().split("## Headline figures")[1].split("\n## ")[0]
    ssr_gate = next(line for line in gates.splitlines() if "scale separation" in line)
    assert ssr_gate.endswith("| WARN |"), ssr_gate
