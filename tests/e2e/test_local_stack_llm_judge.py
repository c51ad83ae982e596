"""End to end with a real LLM judge on the local stack (issue 11, SPEC §13): the runner as a
subprocess, its stack's judge talking through the real Anthropic SDK to a fake Anthropic server
on 127.0.0.1 (``ANTHROPIC_BASE_URL``). Also: a missing key, the cost limit, both orders."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.schema import validation_errors
from eng5_np.localstack.llm_judge.cost import usd
from fake_providers import FakeProvider, essays_in, prompt_of
from runner_process import finish, start_runner

pytestmark = pytest.mark.e2e

MODEL = "claude-haiku-4-5-20251001"
KEY = "sk-ant-e2e-5c0ffee-do-not-leak"
PROVIDER_PREFIXES = ("ANTHROPIC_", "OPENAI_", "OPENROUTER_", "GEMINI_", "GOOGLE_")
RUN_DEADLINE_S = 240.0


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENG5_", "KAFKA_", *PROVIDER_PREFIXES)) and k != "CONTENT_SERVICE_URL"
    }
    env.update(ENG5_UPLOAD_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="160", **extra)
    return env


def _execute(out: Path, *extra: str) -> list[str]:
    return [
        "--mode",
        "execute",
        "--local-stack",
        "--await-completion",
        "--completion-timeout",
        "200",
        "--output-dir",
        str(out),
        *extra,
    ]


def _artefact(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "assessment_run.execute.json").read_text())
    assert validation_errors(document) == []
    return document


def _no_key_anywhere(out: Path, *outputs: str) -> None:
    for path in out.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(encoding="utf-8", errors="replace"), path
    for text in outputs:
        assert KEY not in text


async def test_execute_with_the_anthropic_judge_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    async with FakeProvider("anthropic", KEY, reasoning_tokens=12) as fake:
        env = _env(tmp_path, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=fake.base_url)
        runner = await start_runner(
            *_execute(
                out,
                "--judge",
                f"anthropic:{MODEL}",
                "--judge-concurrency",
                "6",
                "--max-comparisons",
                "60",
                "--judge-both-orders",
                "0.25",
            ),
            env=env,
            cwd=tmp_path,
        )
        done = await finish(runner, RUN_DEADLINE_S)
        requests = list(fake.requests)
    assert done.returncode == 0, done.stderr
    assert "real LLM judge anthropic:claude-haiku-4-5-20251001" in done.stderr
    # Progress: the judge's rate, retries and waits (the last line comes at the end).
    assert f"judge: {60 + 15} comparisons · " in done.stderr
    assert "retries 0 (429: 0, unusable answers: 0)" in done.stderr
    document = _artefact(out)
    stack = document["metadata"]["stack"]
    assert stack["kind"] == "local"
    assert stack["judge"] == "llm"
    assert stack["provider"] == "anthropic"
    assert stack["model"] == MODEL
    assert "simulated" not in json.dumps(stack)
    comparisons = document["llm_comparisons"]
    assert len(comparisons) == 60 + 15  # the budget plus a quarter of it swapped
    assert len(requests) == len(comparisons)
    assert {(c["provider"], c["model"], c["status"]) for c in comparisons} == {
        ("anthropic", MODEL, "succeeded")
    }
    price = (700 * 1.0 + 80 * 5.0) / 1e6
    assert all(c["cost_usd"] == pytest.approx(price) for c in comparisons)
    assert document["costs"]["total_usd"] == pytest.approx(price * len(comparisons))
    (tokens,) = document["costs"]["token_counts"]
    assert (tokens["provider"], tokens["model"]) == ("anthropic", MODEL)
    assert tokens["prompt_tokens"] == 700 * len(comparisons)
    # The essays the judge saw are the wire ids the artefact records, A and B as published.
    shown = {
        (essays["A"][0], essays["B"][0])
        for essays in (essays_in(prompt_of("anthropic", seen)) for seen in requests)
    }
    assert shown == {(c["essay_a_id"], c["essay_b_id"]) for c in comparisons}
    # The swapped quarter: pairs judged in both orders, with the longer essay winning both.
    pairs = {(c["essay_a_id"], c["essay_b_id"]): c["winner_id"] for c in comparisons}
    both = [(a, b) for (a, b) in pairs if (b, a) in pairs]
    assert len(both) == 2 * 15
    assert all(pairs[(a, b)] == pairs[(b, a)] for a, b in both)
    raw = [json.loads(line) for line in (out / "events/comparisons.jsonl").read_text().splitlines()]
    assert all(r["data"]["request_metadata"]["reasoning_tokens"] == 12 for r in raw)
    result = json.loads((out / "events/assessment_results.jsonl").read_text().splitlines()[0])
    assert result["data"]["model_provider"] == "anthropic"
    assert result["data"]["assessment_metadata"]["simulated"] is False
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Simulated judge" not in report
    assert "judge: llm" in report
    assert f"real LLM judge anthropic:{MODEL}" in report
    assert f"anthropic:{MODEL}" in done.stdout  # the terminal summary's stack line
    _no_key_anywhere(out, done.stdout, done.stderr)


async def test_a_missing_key_exits_2_before_anything_starts(tmp_path: Path) -> None:
    out = tmp_path / "nokey"
    runner = await start_runner(
        *_execute(out, "--judge", f"anthropic:{MODEL}"), env=_env(tmp_path), cwd=tmp_path
    )
    done = await finish(runner, 60)
    assert done.returncode == 2, done.stderr
    assert "ANTHROPIC_API_KEY is not set" in done.stderr
    assert "local stack started" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


async def test_the_cost_limit_ends_the_batch_as_failed_with_a_partial_artefact(
    tmp_path: Path,
) -> None:
    out = tmp_path / "costly"
    async with FakeProvider("anthropic", KEY) as fake:
        env = _env(tmp_path, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=fake.base_url)
        runner = await start_runner(
            *_execute(out, "--judge", f"anthropic:{MODEL}", "--cost-limit", "0.02"),
            env=env,
            cwd=tmp_path,
        )
        done = await finish(runner, RUN_DEADLINE_S)
        calls = len(fake.requests)
    assert done.returncode == 5, done.stderr
    assert "COST_LIMIT_REACHED" in done.stderr
    document = _artefact(out)
    failed = document["validation"]["runner_status"]["failed"]
    assert "COST_LIMIT_REACHED" in failed["reason"]
    comparisons = document["llm_comparisons"]
    # $0.02 buys 18 calls of $0.0011 (the fake's 700 + 80 tokens at $1/$5 per M). The first
    # calls' worst-case reservations no longer stop the batch after a few (issue 14).
    assert len(comparisons) == calls == 18
    total = document["costs"]["total_usd"]
    assert total == pytest.approx(18 * 0.0011)
    assert total <= 0.02
    # The message and the artefact state one figure, at one precision.
    assert re.search(r"after 18 of \d+ comparisons, which cost", failed["reason"])
    assert f"which cost {usd(total)};" in failed["reason"]
    assert f"the judge has spent {usd(total)} of the limit of $0.02 " in failed["reason"]
    assert f"which cost {usd(total)};" in done.stderr.replace("\n", "")
    _no_key_anywhere(out, done.stdout, done.stderr)


async def test_both_orders_with_the_simulated_judge(tmp_path: Path) -> None:
    out = tmp_path / "both"
    runner = await start_runner(
        *_execute(out, "--max-comparisons", "40", "--judge-both-orders", "0.5"),
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    done = await finish(runner, RUN_DEADLINE_S)
    assert done.returncode == 0, done.stderr
    document = _artefact(out)
    assert document["metadata"]["stack"]["judge"] == "simulated"
    pairs = [(c["essay_a_id"], c["essay_b_id"]) for c in document["llm_comparisons"]]
    assert len(pairs) == 60
    assert sum((b, a) in pairs for a, b in pairs) == 2 * 20
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "no pair was judged in both orders" not in report
