"""Telling the platform's LLM Provider in mock mode from a real one (SPEC §11.5, §11.6): its
``/healthz`` reports no real provider configured. Read tolerantly; an unknown shape, an error
or no answer is ``unknown``, never a guess. The HTTP tests ask a real aiohttp server on loopback
imitating the LLM Provider."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from eng5_np.localstack.lifecycle import serve_app
from eng5_np.reference.provider_mode import (
    JUDGE_AS_REPORTED,
    describe_judge,
    probe_provider_mode,
    read_provider_mode,
)

SOURCE = "http://llm/healthz"


@pytest.mark.parametrize(
    ("body", "mode", "providers"),
    [
        # No real provider configured, the mock one is (a mapping of states).
        (
            {
                "status": "healthy",
                "providers": {
                    "anthropic": {"configured": False},
                    "openai": {"configured": False},
                    "mock": {"configured": True},
                },
            },
            "mock",
            (),
        ),
        ({"providers": {"anthropic": "not_configured", "openai": False}}, "mock", ()),
        ({"checks": {"available_providers": []}}, "unknown", ()),  # an empty list says nothing
        ({"details": {"configured_providers": ["mock"]}}, "mock", ()),
        ({"dependencies": {"llm": {"use_mock_llm": True}}}, "mock", ()),
        ({"mock_mode": False, "providers": ["openai"]}, "real", ()),
        ({"providers": ["OpenAI", "anthropic"]}, "real", ("anthropic", "openai")),
        (
            {
                "providers": [
                    {"name": "google", "status": "ok"},
                    {"name": "openai", "status": "down"},
                ]
            },
            "real",
            ("google",),
        ),
        ({"status": "ok", "service": "llm_provider_service"}, "unknown", ()),
        ({"providers": {"openai": {"model": "gpt-5.1"}}}, "unknown", ()),  # no readable state
    ],
)
def test_the_health_answer_is_read_for_configured_providers(
    body: dict[str, Any], mode: str, providers: tuple[str, ...]
) -> None:
    read = read_provider_mode(body, SOURCE)
    assert read.mode == mode, read
    assert read.providers == providers
    assert read.as_dict()["source"] == SOURCE


def test_the_lines_people_read_say_what_each_mode_means() -> None:
    mock = read_provider_mode({"providers": {"openai": False}}, SOURCE)
    assert "MOCK mode" in mock.describe()
    assert "invented" in mock.describe()
    assert describe_judge(mock.as_dict()) == mock.describe()
    assert "unknown" in read_provider_mode({}, SOURCE).describe()
    assert "--llm-provider-url" in describe_judge(None)
    assert describe_judge(None) == JUDGE_AS_REPORTED


@pytest.fixture
async def llm_provider() -> AsyncIterator[tuple[str, list[web.StreamResponse]]]:
    """A loopback LLM Provider whose /healthz answers the next queued response."""
    queued: list[web.StreamResponse] = []

    async def healthz(_: web.Request) -> web.StreamResponse:
        return queued.pop(0)

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner, origin = await serve_app(app, "127.0.0.1", 0)
    try:
        yield origin, queued
    finally:
        await runner.cleanup()


async def test_the_health_route_is_asked_and_failures_are_unknown(
    llm_provider: tuple[str, list[web.StreamResponse]],
) -> None:
    url, queued = llm_provider
    queued.append(web.json_response({"status": "healthy", "providers": {"openai": False}}))
    mock = await probe_provider_mode(url)
    assert mock.mode == "mock"
    assert mock.source == f"{url}/healthz"
    queued.append(web.Response(status=500, text="Internal Server Error"))
    assert (await probe_provider_mode(url)).mode == "unknown"
    queued.append(web.json_response(["not", "an", "object"]))
    assert (await probe_provider_mode(url)).mode == "unknown"
    dead = await probe_provider_mode(f"http://127.0.0.1:{_dead_port()}", timeout_s=2)
    assert dead.mode == "unknown"
    assert "ClientConnectorError" in dead.detail


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
