"""End to end with a local model as the judge, alone or on a panel (issue 18): the runner as a
subprocess, its stack's judge talking through the real OpenAI SDK to an Ollama-like fake on
127.0.0.1 that rejects ``response_format: json_schema`` with 400. The run is labelled a local
model, never "paid", and is unpriced (cost unknown) or priced by ``--judge-price``; a panel of
two judges splits the comparisons and the report has a "Judges" section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_local_stack_llm_judge import KEY, RUN_DEADLINE_S, _artefact, _env, _execute

from fake_providers import FakeProvider, Step
from runner_process import finish, start_runner

pytestmark = pytest.mark.e2e

MODEL = "llama3.1:8b"


async def test_an_unpriced_local_model_judges_a_run(tmp_path: Path) -> None:
    out = tmp_path / "local"
    async with FakeProvider("openai", "", rejects=frozenset({"json_schema"})) as fake:
        runner = await start_runner(
            *_execute(
                out,
                "--judge",
                f"ollama:{MODEL}",
                "--judge-base-url",
                fake.base_url,
                "--max-comparisons",
                "30",
            ),
            env=_env(tmp_path),
            cwd=tmp_path,
        )
        done = await finish(runner, RUN_DEADLINE_S)
        rejected, requests = fake.rejected, len(fake.requests)
    assert done.returncode == 0, done.stderr
    origin = fake.origin
    assert f"real LLM judge ollama:{MODEL} (local model at {origin})" in done.stderr
    assert "cost unknown (unpriced)" in done.stderr
    document = _artefact(out)
    stack = document["metadata"]["stack"]
    assert (stack["judge"], stack["provider"], stack["model"]) == ("llm", "openai", MODEL)
    (judge,) = stack["judges"]
    assert judge["label"] == f"ollama:{MODEL}"
    assert judge["endpoint"] == origin
    assert (judge["public_api"], judge["local"], judge["priced"]) == (False, True, False)
    assert judge["server"] == "ollama"
    assert judge["sdk"] == "openai"
    assert "paid" not in stack["description"]
    # The options keep the judge server's scheme and host only (a path or query may hold a key).
    assert document["metadata"]["options"]["judge_base_url"] == origin
    comparisons = document["llm_comparisons"]
    assert len(comparisons) == 30
    # Concurrent first calls may each meet the rejection once; every call after is JSON mode.
    assert 1 <= rejected <= 8
    assert requests == 30 + rejected
    assert {c["judge"]["structured_output"] for c in comparisons} == {"json_object"}
    assert all(c["judge"]["priced"] is False and c["cost_usd"] == 0 for c in comparisons)
    costs = document["costs"]
    assert costs["unpriced_comparisons"] == 30
    assert costs["token_counts"][0]["priced"] is False
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"local model at {origin}" in report
    assert "paid" not in report
    assert "their cost is unknown, not $0" in report
    assert "unknown (an unpriced judge" in done.stdout  # the terminal summary's total


async def test_a_priced_local_model_and_an_unpriced_cost_limit(tmp_path: Path) -> None:
    refused = await start_runner(
        *_execute(tmp_path / "limited", "--judge", f"ollama:{MODEL}", "--cost-limit", "1"),
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    done = await finish(refused, 60)
    assert done.returncode == 2, done.stderr
    assert f"judge ollama:{MODEL} is unpriced" in done.stderr
    assert "Traceback" not in done.stderr
    out = tmp_path / "priced"
    async with FakeProvider("openai", "") as fake:
        runner = await start_runner(
            *_execute(
                out,
                "--judge",
                f"openai-compatible:{MODEL}",
                "--judge-price",
                "0.2,0.6",
                "--max-comparisons",
                "12",
            ),
            env=_env(tmp_path, OPENAI_BASE_URL=fake.base_url),
            cwd=tmp_path,
        )
        done = await finish(runner, RUN_DEADLINE_S)
    assert done.returncode == 0, done.stderr
    document = _artefact(out)
    price = (700 * 0.2 + 80 * 0.6) / 1e6
    assert document["costs"]["total_usd"] == pytest.approx(12 * price)
    assert "unpriced_comparisons" not in document["costs"]
    (judge,) = document["metadata"]["stack"]["judges"]
    assert judge["priced"] is True
    assert (judge["input_per_million"], judge["output_per_million"]) == (0.2, 0.6)
    assert {c["judge"]["structured_output"] for c in document["llm_comparisons"]} == {"json_schema"}
    assert "priced at --judge-price $0.2/$0.6 per million tokens" in json.dumps(
        document["metadata"]["stack"]
    )


async def test_a_two_judge_panel_splits_the_comparisons_and_reports_each(tmp_path: Path) -> None:
    out = tmp_path / "panel"
    claude = "anthropic:claude-haiku-4-5-20251001"
    biased = f"ollama:{MODEL}"
    async with (
        FakeProvider("anthropic", KEY) as anthropic,
        FakeProvider("openai", "") as ollama,
    ):
        ollama.then(*[Step(winner="Essay A") for _ in range(100)])  # always the first essay
        env = _env(tmp_path, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=anthropic.base_url)
        runner = await start_runner(
            *_execute(
                out,
                "--judge",
                f"{claude},{biased}",
                "--judge-base-url",
                ollama.base_url,
                "--max-comparisons",
                "40",
            ),
            env=env,
            cwd=tmp_path,
        )
        done = await finish(runner, RUN_DEADLINE_S)
        calls = (len(anthropic.requests), len(ollama.requests))
    assert done.returncode == 0, done.stderr
    assert "real LLM judge panel of 2" in done.stderr
    document = _artefact(out)
    labels = [c["judge"]["label"] for c in document["llm_comparisons"]]
    assert (labels.count(claude), labels.count(biased)) == (20, 20) == calls
    stack = document["metadata"]["stack"]
    assert [j["label"] for j in stack["judges"]] == [claude, biased]
    assert [j["public_api"] for j in stack["judges"]] == [False, False]
    figures = {f["label"]: f for f in document["validation"]["analysis"]["judges"]}
    assert figures[biased]["essay_a_win_share"] == 1.0
    assert figures[claude]["comparisons"] == 20
    assert figures[biased]["infit"] is not None
    assert figures[claude]["infit"] is not None
    assert figures[biased]["infit"] > figures[claude]["infit"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Judges" in report
    assert f"| {biased} | 20 | 0 |" in report
    assert "<h2>Judges</h2>" in (out / "report.html").read_text(encoding="utf-8")


async def test_a_sweep_of_two_real_judges_runs_both_cells(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    claude = "anthropic:claude-haiku-4-5-20251001"
    local = f"ollama:{MODEL}"
    async with (
        FakeProvider("anthropic", KEY) as anthropic,
        FakeProvider("openai", "") as ollama,
    ):
        env = _env(tmp_path, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=anthropic.base_url)
        runner = await start_runner(
            "sweep",
            "--local-stack",
            "--judge",
            claude,
            "--judge",
            local,
            "--judge-base-url",
            ollama.base_url,
            "--max-comparisons",
            "16",
            "--output-dir",
            str(out),
            env=env,
            cwd=tmp_path,
        )
        done = await finish(runner, RUN_DEADLINE_S)
        calls = (len(anthropic.requests), len(ollama.requests))
    assert done.returncode == 0, done.stderr
    assert calls == (16, 16)
    assert done.stderr.count("local stack started") == 2  # one per batch, each its own judge
    record = json.loads((out / "sweep.json").read_text())
    assert [c["values"]["judge"] for c in record["cells"]] == [claude, local]
    assert [c["exit_code"] for c in record["cells"]] == [0, 0]
    # The Anthropic cell is priced from the manifest, the unpriced local one is unknown.
    assert record["cells"][0]["estimate_usd"] > 0
    assert record["cells"][1]["estimate_usd"] is None
    for cell, label in zip(record["cells"], (claude, local), strict=True):
        artefact = _artefact(out / cell["folder"] / "rep-01")
        assert {c["judge"]["label"] for c in artefact["llm_comparisons"]} == {label}
        assert artefact["metadata"]["stack"]["judges"][0]["label"] == label
    assert (out / "compare.md").is_file()
