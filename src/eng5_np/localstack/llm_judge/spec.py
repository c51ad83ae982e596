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

**OpenAI-compatible servers** (Ollama, vLLM, llama.cpp's ``llama-server``, LM Studio):
``openai-compatible:<model>`` with ``--judge-base-url URL`` (else ``OPENAI_BASE_URL``), and the
shortcuts ``ollama:<model>`` (default ``http://127.0.0.1:11434/v1``) and ``vllm:<model>``
(default ``http://127.0.0.1:8000/v1``). Any model name is accepted: such a model is in no
manifest. Its key is optional: ``OPENAI_COMPATIBLE_API_KEY``, else ``OPENAI_API_KEY`` when the
base URL came from ``OPENAI_BASE_URL`` (the pair the OpenAI SDK itself uses), else a
placeholder the SDK requires and local servers ignore — an OpenAI key is never sent to a server
it was not exported for. ``--judge-price IN,OUT`` (USD per million tokens) prices it; without
it the judge is *unpriced*: callbacks carry ``cost_estimate`` 0 with ``priced`` false, and the
artefact and reports show the cost as unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from pydantic import SecretStr

from eng5_np.contracts import LLMProviderType
from eng5_np.errors import JudgeMisconfigured, ModelManifestError
from eng5_np.localstack.llm_judge.base import ProviderSettings
from eng5_np.reference.llm_models import ModelEntry, load_manifest

__all__ = [
    "BASE_URL_VARIABLES",
    "COMPATIBLE_KEY_VARIABLE",
    "COMPATIBLE_SERVERS",
    "KEY_VARIABLES",
    "SIMULATED",
    "JudgeChoice",
    "parse_judge",
    "parse_panel",
    "parse_price",
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
COMPATIBLE_SERVERS: Final[dict[str, str | None]] = {
    "openai-compatible": None,
    "ollama": "http://127.0.0.1:11434/v1",
    "vllm": "http://127.0.0.1:8000/v1",
}
"""OpenAI-compatible server kinds and their default base URLs (None: one must be given)."""
COMPATIBLE_KEY_VARIABLE: Final = "OPENAI_COMPATIBLE_API_KEY"
PLACEHOLDER_KEY: Final = "not-needed"
"""What the OpenAI SDK is given as key when a compatible server needs none."""
COMPATIBLE_MAX_TOKENS: Final = 32768
"""The manifest-style ``max_tokens`` of a compatible server's model (unknown; not enforced)."""


@dataclass(frozen=True)
class JudgeChoice:
    """The simulated judge (``model`` None), a provider model of the manifest, or a model on
    an OpenAI-compatible server (``server`` set; ``model`` then speaks the ``openai`` wire
    provider and carries the ``--judge-price`` prices, zero when unpriced)."""

    model: ModelEntry | None = None
    server: str | None = None
    """``openai-compatible``, ``ollama`` or ``vllm``; None for the providers' own APIs."""
    priced: bool = True
    """False for a compatible server without ``--judge-price``: its cost is unknown."""

    @property
    def is_simulated(self) -> bool:
        """Whether this is the simulated judge."""
        return self.model is None

    @property
    def label(self) -> str:
        """``simulated`` or ``provider:model``, as given on the command line."""
        if self.model is None:
            return SIMULATED
        prefix = self.server if self.server is not None else self.model.provider.value
        return f"{prefix}:{self.model.model_id}"


def parse_price(value: str) -> tuple[float, float]:
    """``--judge-price IN,OUT``: USD per million input and output tokens (exit 2 if bad)."""
    parts = [part.strip() for part in value.split(",")]
    try:
        prices = tuple(float(part) for part in parts)
    except ValueError:
        prices = ()
    if len(prices) != 2 or not all(math.isfinite(p) and p >= 0 for p in prices):
        raise JudgeMisconfigured(
            f"--judge-price {value!r} is not IN,OUT (USD per million input and output tokens, "
            "e.g. 0.2,0.6)"
        )
    return prices[0], prices[1]


def _compatible(server: str, model_id: str, price: tuple[float, float] | None) -> JudgeChoice:
    inputs, outputs = price if price is not None else (0.0, 0.0)
    entry = ModelEntry(
        provider=LLMProviderType.OPENAI,
        model_id=model_id,
        display_name=f"{model_id} ({server})",
        max_tokens=COMPATIBLE_MAX_TOKENS,
        input_per_million=inputs,
        output_per_million=outputs,
    )
    return JudgeChoice(entry, server=server, priced=price is not None)


def parse_judge(value: str, *, price: tuple[float, float] | None = None) -> JudgeChoice:
    """Parse a ``--judge`` value; usage errors (exit 2) name what is wrong.

    ``price`` (``--judge-price``) prices an OpenAI-compatible server's model; a manifest
    model is priced by the manifest, so a price for one is refused.
    """
    text = value.strip()
    if text.lower() == SIMULATED:
        return JudgeChoice()
    provider_name, sep, model_id = text.partition(":")
    model_id = model_id.strip()
    providers = ", ".join([*(p.value for p in KEY_VARIABLES), *COMPATIBLE_SERVERS])
    if not sep or not model_id:
        raise JudgeMisconfigured(
            f"--judge {value!r} is not 'simulated' or '<provider>:<model>' (providers: {providers})"
        )
    server = provider_name.strip().lower()
    if server in COMPATIBLE_SERVERS:
        return _compatible(server, model_id, price)
    try:
        provider = LLMProviderType(server)
    except ValueError:
        provider = None
    if provider not in KEY_VARIABLES:
        raise JudgeMisconfigured(f"--judge: provider {provider_name!r} is not one of {providers}")
    if price is not None:
        raise JudgeMisconfigured(
            f"--judge-price prices a model on an OpenAI-compatible server; {text} is priced by "
            "the model manifest",
            advice="Drop --judge-price, or use openai-compatible:<model> / ollama:<model>.",
        )
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


def _checked_base_url(url: str, label: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise JudgeMisconfigured(
            f"--judge {label}: base URL {parts.scheme or '?'}://{parts.hostname or '?'}… is not "
            "an http(s) URL with a host",
            advice="Give --judge-base-url http://HOST:PORT/v1 (the server's OpenAI-compatible "
            "root).",
        )
    return url.rstrip("/")


def _compatible_settings(
    choice: JudgeChoice, environ: Mapping[str, str], timeout_s: float, base_url: str | None
) -> ProviderSettings:
    assert choice.model is not None
    assert choice.server is not None
    from_environ = environ.get(BASE_URL_VARIABLES[LLMProviderType.OPENAI], "").strip()
    url = base_url or from_environ or COMPATIBLE_SERVERS[choice.server]
    if not url:
        raise JudgeMisconfigured(
            f"--judge {choice.label}: no server to call",
            advice="Give --judge-base-url http://HOST:PORT/v1 (or export OPENAI_BASE_URL).",
        )
    key = environ.get(COMPATIBLE_KEY_VARIABLE, "").strip()
    if not key and not base_url and from_environ:
        key = environ.get(KEY_VARIABLES[LLMProviderType.OPENAI], "").strip()
    return ProviderSettings(
        provider=LLMProviderType.OPENAI,
        model=choice.model.model_id,
        api_key=SecretStr(key or PLACEHOLDER_KEY),
        base_url=_checked_base_url(url, choice.label),
        timeout_s=timeout_s,
        compatible=True,
    )


def parse_panel(value: str, *, price: tuple[float, float] | None = None) -> tuple[JudgeChoice, ...]:
    """``--judge A,B,…``: one judge, or a panel of real judges (exit 2 naming what is wrong).

    ``price`` prices every OpenAI-compatible member; a panel names each judge once and has no
    simulated member.
    """
    parts = [part.strip() for part in value.split(",")]
    if len(parts) == 1:
        return (parse_judge(parts[0], price=price),)
    if any(not part for part in parts):
        raise JudgeMisconfigured(f"--judge {value!r}: an empty judge between commas")
    if price is not None and not any(
        part.partition(":")[0].strip().lower() in COMPATIBLE_SERVERS for part in parts
    ):
        parse_judge(parts[0], price=price)  # the manifest-priced refusal, naming the judge
    choices = tuple(
        parse_judge(
            part,
            price=price if part.partition(":")[0].strip().lower() in COMPATIBLE_SERVERS else None,
        )
        for part in parts
    )
    if any(choice.is_simulated for choice in choices):
        raise JudgeMisconfigured(
            f"--judge {value!r}: a panel is of real judges; the simulated judge cannot sit on one"
        )
    labels = [choice.label for choice in choices]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise JudgeMisconfigured(f"--judge: {', '.join(repeated)} named twice in the panel")
    return choices


def provider_settings(
    choice: JudgeChoice,
    environ: Mapping[str, str],
    timeout_s: float,
    base_url: str | None = None,
) -> ProviderSettings:
    """Key and base URL of the chosen provider from ``environ``; a missing key → exit 2.

    ``base_url`` (``--judge-base-url``) is for OpenAI-compatible servers only; the providers'
    own APIs take theirs from their base-URL variables.
    """
    model = choice.model
    if model is None:
        raise ValueError("the simulated judge needs no provider settings")
    if choice.server is not None:
        return _compatible_settings(choice, environ, timeout_s, base_url)
    if base_url is not None:
        variable = BASE_URL_VARIABLES[model.provider]
        raise JudgeMisconfigured(
            f"--judge-base-url is for OpenAI-compatible servers; {choice.label} takes its base "
            f"URL from {variable}",
            advice=f"Export {variable} instead, or use openai-compatible:<model>.",
        )
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
