"""The documented local-model and batch-mode judge commands (README, RUNBOOK "A real LLM
judge"), verbatim: the first with ``OPENAI_BASE_URL`` pointing at an Ollama-like fake on
127.0.0.1 (no Ollama in CI), the second with a made-up key and ``ANTHROPIC_BASE_URL`` pointing
at a fake Anthropic server with Message Batches (no key in CI)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from doc_commands import (
    BATCH_JUDGE_EXECUTE,
    COMMAND_TIMEOUT_S,
    LOCAL_MODEL_EXECUTE,
    NEEDS_API_KEY,
    NEEDS_LOCAL_SERVER,
    doc_env,
    documented_commands,
    to_argv,
)

from eng5_np.artefact.schema import validation_errors
from fake_providers import FakeProvider

pytestmark = pytest.mark.e2e


async def _run_verbatim(
    command: str, cwd: Path, env: dict[str, str]
) -> tuple[int | None, bytes, bytes]:
    """A documented command as written, in ``cwd`` with ``env`` (+ its own settings)."""
    argv, settings, _ = to_argv(command, {})
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env={**env, **settings},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT_S)
    return process.returncode, stdout, stderr


async def test_the_local_model_command_runs_against_an_ollama_like_server(tmp_path: Path) -> None:
    quoted = {c.text for c in documented_commands()}
    assert set(NEEDS_LOCAL_SERVER) <= quoted
    async with FakeProvider("openai", "", rejects=frozenset({"json_schema"})) as fake:
        env = {**doc_env(tmp_path), "OPENAI_BASE_URL": fake.base_url}
        returncode, stdout, stderr = await _run_verbatim(LOCAL_MODEL_EXECUTE, tmp_path, env)
        models = {seen.body["model"] for seen in fake.requests}
    assert returncode == 0, stderr.decode()
    assert models == {"llama3.1:8b"}
    (folder,) = [p for p in (tmp_path / "eng5_runs").iterdir() if p.is_dir()]
    document = json.loads((folder / "assessment_run.execute.json").read_text())
    assert validation_errors(document) == []
    assert len(document["llm_comparisons"]) == 60
    (judge,) = document["metadata"]["stack"]["judges"]
    assert (judge["label"], judge["local"], judge["priced"]) == ("ollama:llama3.1:8b", True, False)
    assert document["costs"]["unpriced_comparisons"] == 60
    assert f"local model at {fake.origin}" in stderr.decode()
    assert "estimated cost" in stdout.decode()
    assert "unknown" in stdout.decode()


async def test_the_batch_mode_command_runs_against_a_fake_message_batches_server(
    tmp_path: Path,
) -> None:
    assert BATCH_JUDGE_EXECUTE in NEEDS_API_KEY
    assert BATCH_JUDGE_EXECUTE in {c.text for c in documented_commands()}
    key = "sk-ant-docs-batch-not-a-key"
    async with FakeProvider("anthropic", key) as fake:
        env = {**doc_env(tmp_path), "ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": fake.base_url}
        returncode, stdout, stderr = await _run_verbatim(BATCH_JUDGE_EXECUTE, tmp_path, env)
        assert fake.batches is not None
        submissions, live = fake.batches.submissions, len(fake.requests)
    assert returncode == 0, stderr.decode()
    assert live == 0  # every comparison went through the batch API
    (folder,) = [p for p in (tmp_path / "eng5_runs").iterdir() if p.is_dir()]
    document = json.loads((folder / "assessment_run.execute.json").read_text())
    assert validation_errors(document) == []
    assert len(document["llm_comparisons"]) == 60
    assert {c["judge"]["mode"] for c in document["llm_comparisons"]} == {"batch"}
    # One provider batch per wave of the default (platform) pairing design, each once.
    assert submissions == len({c["judge"]["batch_id"] for c in document["llm_comparisons"]})
    assert key not in stdout.decode() + stderr.decode()
