"""``--judge simulated|<provider>:<model>`` and where each provider's key and base URL come from.

Keys and base URLs are read from the environment under the names each official SDK documents
(Google's SDK reads no base-URL variable and OpenRouter has no SDK of its own, so the judge
documents ``GEMINI_BASE_URL`` and ``OPENROUTER_BASE_URL`` for them — tests point them at fake
servers on 127.0.0.1):

=========== ===================== =========================
provider    key                   base URL
=========== ===================== =========================
anthropic   ``ANTHROPIC_API_KEY``  ``ANTHROPIC_BASE_URL``
openai      ``OPENAI_API_KEY``     ``OPENAI_BASE_URL``
openrouter  ``OPENROUTER_API_KEY`` ``OPENROUTER_BASE_URL``
google      ``GEMINI_API_KEY``     ``GEMINI_BASE_URL``
=========== ===================== =========================

A missing key is :class:`~eng5_np.errors.JudgeMisconfigured` (exit 2) naming the variable,
raised before anything starts. The key becomes a ``SecretStr`` at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pydantic import SecretStr

from eng5_np.contracts import LLMProviderType
from eng5_np.errors import JudgeMisconfigured, ModelManifestError
from eng5_np.localstack.llm_judge.base import ProviderSettings
from eng5_np.reference.llm_models import ModelEntry, load_manifest

__all__ = [
    "BASE_URL_VARIABLES",
    "KEY_VARIABLES",
    "SIMULATED",
    "JudgeChoice",
    "parse_judge",
    "provider_settings",
]

SIMULATED: Final = "simulated"
KEY_VARIABLES: Final = {
    LLMProviderType.ANTHROPIC: "ANTHROPIC_API_KEY",
    LLMProviderType.OPENAI: "OPENAI_API_KEY",
    LLMProviderType.OPENROUTER: "OPENROUTER_API_KEY",
    LLMProviderType.GOOGLE: "GEMINI_API_KEY",
}
BASE_URL_VARIABLES: Final = {
    LLMProviderType.ANTHROPIC: "ANTHROPIC_BASE_URL",
    LLMProviderType.OPENAI: "OPENAI_BASE_URL",
    LLMProviderType.OPENROUTER: "OPENROUTER_BASE_URL",
    LLMProviderType.GOOGLE: "GEMINI_BASE_URL",
}


@dataclass(frozen=True)
class JudgeChoice:
    """The simulated judge (``model`` None) or one provider model of the manifest."""

    model: ModelEntry | None = None

    @property
    def is_simulated(self) -> bool:
        """Whether this is the simulated judge."""
        return self.model is None

    @property
    def label(self) -> str:
        """``simulated`` or ``provider:model``, as given on the command line."""
        if self.model is None:
            return SIMULATED
        return f"{self.model.provider.value}:{self.model.model_id}"


def parse_judge(value: str) -> JudgeChoice:
    """Parse a ``--judge`` value; usage errors (exit 2) name what is wrong."""
    text = value.strip()
    if text.lower() == SIMULATED:
        return JudgeChoice()
    provider_name, sep, model_id = text.partition(":")
    providers = ", ".join(p.value for p in KEY_VARIABLES)
    if not sep or not model_id:
        raise JudgeMisconfigured(
            f"--judge {value!r} is not 'simulated' or '<provider>:<model>' (providers: {providers})"
        )
    try:
        provider = LLMProviderType(provider_name.strip().lower())
    except ValueError:
        provider = None
    if provider not in KEY_VARIABLES:
        raise JudgeMisconfigured(f"--judge: provider {provider_name!r} is not one of {providers}")
    assert provider is not None
    manifest = load_manifest()
    entry = manifest.find(model_id, provider)
    if entry is None:
        same = [m.model_id for m in manifest.models if m.provider is provider]
        raise ModelManifestError(
            f"--judge: model {model_id!r} of {provider.value} is not in the model manifest "
            f"(its prices price the run); {provider.value} models: {', '.join(same)}"
        )
    return JudgeChoice(entry)


def provider_settings(
    choice: JudgeChoice, environ: Mapping[str, str], timeout_s: float
) -> ProviderSettings:
    """Key and base URL of the chosen provider from ``environ``; a missing key → exit 2."""
    model = choice.model
    if model is None:
        raise ValueError("the simulated judge needs no provider settings")
    variable = KEY_VARIABLES[model.provider]
    key = environ.get(variable, "").strip()
    if not key:
        raise JudgeMisconfigured(
            f"--judge {choice.label}: {variable} is not set",
            advice=f"Export {variable} with your {model.provider.value} API key, or use "
            "--judge simulated.",
        )
    base_url = environ.get(BASE_URL_VARIABLES[model.provider], "").strip() or None
    return ProviderSettings(
        provider=model.provider,
        model=model.model_id,
        api_key=SecretStr(key),
        base_url=base_url,
        timeout_s=timeout_s,
    )
