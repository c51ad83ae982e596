"""The model manifest and --llm-* override validation (SPEC §5.4)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from eng5_np.contracts import LLMProviderType
from eng5_np.errors import LLMProviderUnavailable, ModelManifestError
from eng5_np.reference.llm_models import (
    ModelManifest,
    fetch_live_manifest,
    load_manifest,
    validate_override,
)
from eng5_np.request.budget import ComparisonBudget, estimate_cost


def test_the_shipped_manifest_covers_every_platform_provider() -> None:
    manifest = load_manifest()
    assert {entry.provider for entry in manifest.models} == set(LLMProviderType)
    ids = [(entry.provider, entry.model_id) for entry in manifest.models]
    assert len(ids) == len(set(ids))
    assert all(entry.max_tokens > 0 for entry in manifest.models)


def test_a_known_model_is_accepted_without_warnings() -> None:
    entry, warnings = validate_override(LLMProviderType.ANTHROPIC, "claude-haiku-4-5-20251001")
    assert entry is not None
    assert entry.provider is LLMProviderType.ANTHROPIC
    assert entry.input_per_million == 1.0
    assert warnings == []


def test_no_model_means_nothing_to_validate() -> None:
    assert validate_override(LLMProviderType.OPENAI, None) == (None, [])


def test_an_unknown_model_is_refused_with_close_matches() -> None:
    with pytest.raises(ModelManifestError) as raised:
        validate_override(None, "claude-sonet-4-5")
    message = str(raised.value)
    assert "'claude-sonet-4-5' is not in the model manifest" in message
    assert "claude-sonnet-4-5-20250929" in message
    assert raised.value.exit_code == 2


def test_an_unknown_model_with_nothing_close_names_no_suggestion() -> None:
    with pytest.raises(ModelManifestError) as raised:
        validate_override(None, "zzzz")
    assert "did you mean" not in str(raised.value)


def test_a_deprecated_model_is_accepted_with_a_warning() -> None:
    entry, warnings = validate_override(None, "gpt-4o-mini")
    assert entry is not None
    assert entry.deprecated
    assert len(warnings) == 1
    assert "deprecated" in warnings[0]
    assert "gpt-4o-mini" in warnings[0]


def test_a_model_of_another_provider_is_refused() -> None:
    with pytest.raises(ModelManifestError) as raised:
        validate_override(LLMProviderType.OPENAI, "claude-haiku-4-5-20251001")
    assert "belongs to anthropic, not openai" in str(raised.value)


def test_the_same_model_id_under_two_providers_resolves_by_provider() -> None:
    manifest = ModelManifest.model_validate(
        {
            "manifest_version": 1,
            "prices_as_of": "2026-11-01",
            "models": [
                {"provider": "openai", "model_id": "shared", "display_name": "A",
                 "max_tokens": 10, "input_per_million": 1, "output_per_million": 2},
                {"provider": "openrouter", "model_id": "shared", "display_name": "B",
                 "max_tokens": 10, "input_per_million": 3, "output_per_million": 4},
            ],
        }
    )  # fmt: skip
    entry, _ = validate_override(LLMProviderType.OPENROUTER, "shared", manifest)
    assert entry is not None
    assert entry.display_name == "B"


def test_cost_of_a_call_uses_both_prices() -> None:
    entry, _ = validate_override(None, "claude-sonnet-4-5-20250929")
    assert entry is not None
    assert entry.cost_usd(1_000_000, 100_000) == pytest.approx(3.0 + 1.5)


def test_plan_cost_estimate_scales_with_the_budget_and_prices() -> None:
    small = estimate_cost(ComparisonBudget(23, 50), 400, 200, 1.0, 5.0)
    large = estimate_cost(ComparisonBudget(23, 100), 400, 200, 1.0, 5.0)
    assert large.prompt_tokens == 2 * small.prompt_tokens
    assert large.usd == pytest.approx(2 * small.usd)
    free = estimate_cost(ComparisonBudget(23, 100), 400, 200, 0.0, 0.0)
    assert free.usd == 0.0


@pytest.mark.parametrize(
    ("provider", "model_id"),
    [
        # SPEC §11.5: the platform's own ids, its default gpt-5.1 first.
        (LLMProviderType.OPENAI, "gpt-5.1"),
        (LLMProviderType.OPENAI, "gpt-5-mini-2025-08-07"),
        (LLMProviderType.OPENAI, "gpt-4o-mini-2024-07-18"),
        (LLMProviderType.ANTHROPIC, "claude-sonnet-4-5-20250929"),
        (LLMProviderType.GOOGLE, "gemini-2.5-flash-preview-05-20"),
        (LLMProviderType.OPENROUTER, "anthropic/claude-haiku-4-5-20251001"),
    ],
)
def test_the_platforms_model_ids_are_accepted(provider: LLMProviderType, model_id: str) -> None:
    entry, warnings = validate_override(provider, model_id)
    assert entry is not None
    assert entry.provider is provider
    assert warnings == []


LIVE_BODY = {
    "providers": {
        "openai": [
            {
                "model_id": "gpt-live-1",
                "provider": "openai",
                "display_name": "GPT live",
                "max_tokens": 4096,
                "cost_per_1k_input_tokens": 0.002,
                "cost_per_1k_output_tokens": 0.008,
                "is_deprecated": False,
                "capabilities": ["json"],
            }
        ],
        "someone_new": [{"model_id": "x", "provider": "someone_new"}],
    },
    "total_models": 2,
}


@pytest.fixture
async def llm_provider() -> AsyncIterator[tuple[str, list[str]]]:
    """A real aiohttp LLM Provider on loopback serving /api/v1/models (and recording paths)."""
    seen: list[str] = []

    async def models(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.json_response(LIVE_BODY)

    app = web.Application()
    app.router.add_get("/api/v1/models", models)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_the_live_manifest_is_read_and_converted(
    llm_provider: tuple[str, list[str]],
) -> None:
    url, seen = llm_provider
    manifest = await fetch_live_manifest(url)
    assert seen == ["/api/v1/models"]
    assert [e.model_id for e in manifest.models] == ["gpt-live-1"]  # unknown provider skipped
    entry = manifest.models[0]
    assert (entry.input_per_million, entry.output_per_million) == (2.0, 8.0)
    assert url in manifest.note
    # The shipped manifest does not know the live model; the live one does.
    with pytest.raises(ModelManifestError):
        validate_override(LLMProviderType.OPENAI, "gpt-live-1")
    assert validate_override(LLMProviderType.OPENAI, "gpt-live-1", manifest)[0] == entry


async def test_an_unreachable_llm_provider_is_a_dependency_error() -> None:
    with pytest.raises(LLMProviderUnavailable) as caught:
        await fetch_live_manifest(f"http://127.0.0.1:{_dead_port()}", timeout_s=2)
    assert caught.value.exit_code == 3
    assert "/api/v1/models" in caught.value.one_line()


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
