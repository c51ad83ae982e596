"""``--judge`` parsing and keys from the environment (SPEC §13): bad values and missing keys
are exit-2 usage errors naming what to fix, and the key never appears in a message."""

from __future__ import annotations

import pytest

from eng5_np.contracts import LLMProviderType
from eng5_np.errors import JudgeMisconfigured, ModelManifestError
from eng5_np.localstack.llm_judge.spec import parse_judge, provider_settings


def test_simulated_and_provider_models_parse() -> None:
    assert parse_judge("simulated").is_simulated
    choice = parse_judge("anthropic:claude-haiku-4-5-20251001")
    assert choice.model is not None
    assert choice.model.provider is LLMProviderType.ANTHROPIC
    assert choice.label == "anthropic:claude-haiku-4-5-20251001"


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ("anthropic", JudgeMisconfigured, "'<provider>:<model>'"),
        ("mock:simulated-judge-v1", JudgeMisconfigured, "not one of anthropic"),
        ("anthropic:claude-nonexistent", ModelManifestError, "not in the model manifest"),
        ("openai:claude-haiku-4-5-20251001", ModelManifestError, "openai models:"),
    ],
)
def test_bad_judge_values_are_usage_errors(value: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words) as raised:
        parse_judge(value)
    assert getattr(raised.value, "exit_code", None) == 2


@pytest.mark.parametrize(
    ("judge", "variable", "base_variable"),
    [
        ("anthropic:claude-haiku-4-5-20251001", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        ("openai:gpt-5-mini", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
        ("openrouter:openai/gpt-5-mini", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL"),
        ("google:gemini-2.5-flash", "GEMINI_API_KEY", "GEMINI_BASE_URL"),
    ],
)
def test_keys_and_base_urls_come_from_each_providers_variables(
    judge: str, variable: str, base_variable: str
) -> None:
    choice = parse_judge(judge)
    with pytest.raises(JudgeMisconfigured, match=f"{variable} is not set") as raised:
        provider_settings(choice, {}, 5.0)
    assert raised.value.exit_code == 2
    assert variable in raised.value.advice
    settings = provider_settings(
        choice, {variable: "sk-secret-1", base_variable: "http://127.0.0.1:9/v1"}, 5.0
    )
    assert settings.api_key.get_secret_value() == "sk-secret-1"
    assert "sk-secret-1" not in repr(settings)
    assert settings.base_url == "http://127.0.0.1:9/v1"
    assert provider_settings(choice, {variable: "k"}, 5.0).base_url is None
