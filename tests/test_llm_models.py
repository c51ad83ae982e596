"""The model manifest and --llm-* override validation (SPEC §5.4)."""

from __future__ import annotations

import pytest

from eng5_np.budget import ComparisonBudget, estimate_cost
from eng5_np.contracts import LLMProviderType
from eng5_np.errors import ModelManifestError
from eng5_np.llm_models import ModelManifest, load_manifest, validate_override


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
