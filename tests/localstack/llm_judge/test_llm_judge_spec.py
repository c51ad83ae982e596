"""``--judge`` parsing and keys from the environment (SPEC §13): bad values and missing keys
are exit-2 usage errors naming what to fix, and the key never appears in a message."""

from __future__ import annotations

import pytest

from eng5_np.contracts import LLMProviderType
from eng5_np.errors import JudgeMisconfigured, ModelManifestError
from eng5_np.localstack.llm_judge.runtime import JudgingConfig
from eng5_np.localstack.llm_judge.spec import parse_judge, parse_price, provider_settings


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


# -- OpenAI-compatible servers (issue 18) -----------------------------------------------------


@pytest.mark.parametrize(
    ("judge", "default_url"),
    [
        ("ollama:llama3.1:8b", "http://127.0.0.1:11434/v1"),
        ("vllm:Qwen/Qwen2.5-7B-Instruct", "http://127.0.0.1:8000/v1"),
    ],
)
def test_shortcuts_have_default_base_urls_and_need_no_key(judge: str, default_url: str) -> None:
    choice = parse_judge(judge)
    assert choice.label == judge
    assert not choice.priced
    settings = provider_settings(choice, {}, 5.0)
    assert settings.base_url == default_url
    assert settings.compatible
    assert settings.provider is LLMProviderType.OPENAI
    assert settings.api_key.get_secret_value() == "not-needed"
    given = provider_settings(choice, {}, 5.0, base_url="http://10.0.0.7:9000/v1/")
    assert given.base_url == "http://10.0.0.7:9000/v1"


def test_openai_compatible_needs_a_base_url() -> None:
    choice = parse_judge("openai-compatible:llama3.1:8b")
    assert choice.model is not None
    assert choice.model.model_id == "llama3.1:8b"  # any name: such a model is in no manifest
    with pytest.raises(JudgeMisconfigured, match="no server to call") as raised:
        provider_settings(choice, {}, 5.0)
    assert "--judge-base-url" in raised.value.advice
    from_env = provider_settings(choice, {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}, 5.0)
    assert from_env.base_url == "http://127.0.0.1:8080/v1"
    with pytest.raises(JudgeMisconfigured, match="is not an http"):
        provider_settings(choice, {}, 5.0, base_url="ftp://host/v1")


def test_an_openai_key_goes_only_where_it_was_exported_for() -> None:
    choice = parse_judge("openai-compatible:m")
    environ = {"OPENAI_API_KEY": "sk-real-openai", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}
    paired = provider_settings(choice, environ, 5.0)
    assert paired.api_key.get_secret_value() == "sk-real-openai"
    elsewhere = provider_settings(choice, environ, 5.0, base_url="http://127.0.0.1:2/v1")
    assert elsewhere.api_key.get_secret_value() == "not-needed"
    own = provider_settings(
        choice, {**environ, "OPENAI_COMPATIBLE_API_KEY": "lm-studio-key"}, 5.0, "http://h:3/v1"
    )
    assert own.api_key.get_secret_value() == "lm-studio-key"


def test_judge_price_and_base_url_are_for_compatible_servers_only() -> None:
    priced = parse_judge("ollama:llama3.1:8b", price=parse_price("0.2, 0.6"))
    assert priced.priced
    assert priced.model is not None
    assert (priced.model.input_per_million, priced.model.output_per_million) == (0.2, 0.6)
    with pytest.raises(JudgeMisconfigured, match="priced by the model manifest"):
        parse_judge("openai:gpt-5-mini", price=(1.0, 2.0))
    with pytest.raises(JudgeMisconfigured, match="takes its base URL from ANTHROPIC_BASE_URL"):
        provider_settings(
            parse_judge("anthropic:claude-haiku-4-5-20251001"),
            {"ANTHROPIC_API_KEY": "k"},
            5.0,
            base_url="http://127.0.0.1:1",
        )
    for bad in ("0.2", "a,b", "-1,2", "1,2,3", "nan,1"):
        with pytest.raises(JudgeMisconfigured, match="is not IN,OUT"):
            parse_price(bad)


def test_cost_limit_refuses_an_unpriced_judge() -> None:
    with pytest.raises(JudgeMisconfigured, match="is unpriced") as raised:
        JudgingConfig.from_options("ollama:llama3.1:8b", {}, cost_limit_usd=1.0)
    assert raised.value.exit_code == 2
    assert "--judge-price" in raised.value.advice
    limited = JudgingConfig.from_options(
        "ollama:llama3.1:8b", {}, cost_limit_usd=1.0, price="0.1,0.1"
    )
    assert limited.cost_limit_usd == 1.0


def test_provenance_keeps_scheme_and_host_only_and_says_where() -> None:
    local = JudgingConfig.from_options(
        "openai-compatible:llama3.1:8b",
        {},
        base_url="http://user:hunter2@127.0.0.1:11434/v1/secret-path?key=abc",
    )
    where = local.provenance
    assert where is not None
    block = where.as_dict()
    assert block["endpoint"] == "http://127.0.0.1:11434"
    assert "hunter2" not in str(block)
    assert "secret-path" not in str(block)
    assert "abc" not in str(block)
    assert (block["public_api"], block["local"], block["priced"]) == (False, True, False)
    assert block["sdk"] == "openai"
    assert block["sdk_version"][0].isdigit()
    text = local.describe()
    assert "local model at http://127.0.0.1:11434" in text
    assert "unpriced" in text
    assert "paid" not in text
    public = JudgingConfig.from_options("openai:gpt-5-mini", {"OPENAI_API_KEY": "k"})
    assert public.provenance is not None
    assert public.provenance.as_dict()["endpoint"] == "https://api.openai.com"
    assert public.provenance.public_api
    assert "(provider API)" in public.describe()
    assert "every comparison is paid" in public.describe()
    proxied = JudgingConfig.from_options(
        "anthropic:claude-haiku-4-5-20251001",
        {"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "https://llm-proxy.example.org/a"},
    )
    assert proxied.provenance is not None
    assert not proxied.provenance.public_api
    assert "llm-proxy.example.org (not the provider's public API)" in proxied.describe()
