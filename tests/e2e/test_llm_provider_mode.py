"""Mock judgements must not pass for real ones (issue 14, SPEC §11.5/§11.6): with
``--llm-provider-url`` the runner asks the platform's LLM Provider whether it runs in mock
mode, records the answer in ``metadata.llm_provider_mode``, marks the run simulated and shows
it in the summary and the report; without it, the report says the judge is as the platform
reported it and how to tell. The LLM Provider is a real aiohttp server on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from eng5_np.artefact.schema import validation_errors
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.localstack.lifecycle import serve_app
from eng5_np.report.render import write_reports
from runner_process import finish, runner_env, start_runner

pytestmark = pytest.mark.e2e

MANIFEST = {
    "providers": {
        "openai": [
            {
                "model_id": "gpt-5.1",
                "provider": "openai",
                "display_name": "GPT-5.1",
                "max_tokens": 128000,
                "cost_per_1k_input_tokens": 0.00125,
                "cost_per_1k_output_tokens": 0.01,
                "is_deprecated": False,
            }
        ]
    },
    "total_models": 1,
}
MOCK_HEALTH = {
    "status": "healthy",
    "providers": {"anthropic": {"configured": False}, "openai": {"configured": False}},
}


@pytest.fixture
async def mock_llm_provider() -> AsyncIterator[str]:
    """The platform's LLM Provider in mock mode: a live manifest, no real provider configured."""

    async def models(_: web.Request) -> web.Response:
        return web.json_response(MANIFEST)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response(MOCK_HEALTH)

    app = web.Application()
    app.router.add_get("/api/v1/models", models)
    app.router.add_get("/healthz", healthz)
    runner, origin = await serve_app(app, "127.0.0.1", 0)
    try:
        yield origin
    finally:
        await runner.cleanup()


async def _no_kafka_run(
    tmp_path: Path, content_service: ContentServiceServer, *extra: str
) -> tuple[str, dict[str, Any], str]:
    run_dir = tmp_path / "run"
    env = runner_env("127.0.0.1:9", content_service.url, tmp_path / "cache")
    runner = await start_runner(
        "--mode", "execute", "--no-kafka", "--output-dir", run_dir, "--batch-id", "mock-check",
        "--llm-provider", "openai", "--llm-model", "gpt-5.1", *extra,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    done = await finish(runner)
    assert done.returncode == 0, done.stderr
    artefact = run_dir / "assessment_run.execute.json"
    document: dict[str, Any] = json.loads(artefact.read_bytes())
    assert validation_errors(document) == []
    markdown, _ = write_reports(artefact)
    return done.stdout + done.stderr, document, markdown.read_text(encoding="utf-8")


async def test_a_mock_llm_provider_is_recorded_marked_simulated_and_shown(
    tmp_path: Path, content_service: ContentServiceServer, mock_llm_provider: str
) -> None:
    output, document, report = await _no_kafka_run(
        tmp_path, content_service, "--llm-provider-url", mock_llm_provider
    )
    mode = document["metadata"]["llm_provider_mode"]
    assert mode["mode"] == "mock"
    assert mode["source"] == f"{mock_llm_provider}/healthz"
    assert mode["detail"] == "it reports no real provider configured"
    assert document["metadata"]["stack"]["judge"] == "simulated"
    assert "mock mode" in document["metadata"]["stack"]["description"]
    assert "warning: the platform's LLM Provider runs in MOCK mode" in output
    judge_rows = [line for line in output.splitlines() if line.startswith("│ judge ")]
    assert len(judge_rows) == 1
    assert "MOCK mode" in judge_rows[0]
    assert "judge identity" in report
    assert "MOCK mode" in report


async def test_without_an_llm_provider_url_the_report_says_how_to_tell(
    tmp_path: Path, content_service: ContentServiceServer
) -> None:
    _, document, report = await _no_kafka_run(tmp_path, content_service)
    assert "llm_provider_mode" not in document["metadata"]
    assert document["metadata"]["stack"]["judge"] == "llm"
    assert "as the platform reported it" in report
    assert "Telling mock judgements from real ones" in report
