"""The documented local-model judge command (README, RUNBOOK "A real LLM judge"), verbatim,
with ``OPENAI_BASE_URL`` pointing at an Ollama-like fake on 127.0.0.1 — no Ollama in CI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from doc_commands import (
    COMMAND_TIMEOUT_S,
    LOCAL_MODEL_EXECUTE,
    NEEDS_LOCAL_SERVER,
    doc_env,
    documented_commands,
    to_argv,
)

from eng5_np.artefact.schema import validation_errors
from fake_providers import FakeProvider

pytestmark = pytest.mark.e2e


async def test_the_local_model_command_runs_against_an_ollama_like_server(tmp_path: Path) -> None:
    quoted = {c.text for c in documented_commands()}
    assert set(NEEDS_LOCAL_SERVER) <= quoted
    async with FakeProvider("openai", "", rejects=frozenset({"json_schema"})) as fake:
        argv, settings, _ = to_argv(LOCAL_MODEL_EXECUTE, {})
        env = {**doc_env(tmp_path), "OPENAI_BASE_URL": fake.base_url, **settings}
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT_S)
        models = {seen.body["model"] for seen in fake.requests}
    assert process.returncode == 0, stderr.decode()
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
