"""Where a real judge was: its endpoint, SDK and version, and whether that is a provider's API.

:func:`judge_provenance` describes one configured judge for the artefact's
``metadata.stack.judges`` and for people: the endpoint as scheme, host and port only (no
credentials, no path or query, where a secret could hide), the official SDK and its installed
version, whether the endpoint is the provider's public API (the SDK's default host, or one of
:data:`PUBLIC_API_HOSTS`), and how the run is priced. A loopback or private-network host is a
*local* server: its description says "local model at …" (a provider-format endpoint there,
e.g. a proxy or a test's fake: "local endpoint …") and never "paid".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Final
from urllib.parse import urlsplit

from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.llm_judge.base import ProviderSettings
from eng5_np.localstack.llm_judge.spec import JudgeChoice

__all__ = ["PUBLIC_API_HOSTS", "JudgeProvenance", "endpoint_origin", "judge_provenance"]

PUBLIC_API_HOSTS: Final = {
    LLMProviderType.ANTHROPIC: "https://api.anthropic.com",
    LLMProviderType.OPENAI: "https://api.openai.com",
    LLMProviderType.OPENROUTER: "https://openrouter.ai",
    LLMProviderType.GOOGLE: "https://generativelanguage.googleapis.com",
}
"""Each provider's public API, as scheme and host; the SDKs' defaults."""
SDK_DISTRIBUTIONS: Final = {
    LLMProviderType.ANTHROPIC: "anthropic",
    LLMProviderType.OPENAI: "openai",
    LLMProviderType.OPENROUTER: "openai",
    LLMProviderType.GOOGLE: "google-genai",
}


def endpoint_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: user, password, path, query and fragment dropped."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def _is_local(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _sdk_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class JudgeProvenance:
    """One judge's provenance (see the module docstring)."""

    label: str
    provider: str
    model: str
    endpoint: str
    public_api: bool
    local: bool
    sdk: str
    sdk_version: str
    priced: bool
    input_per_million: float
    output_per_million: float
    server: str | None = None

    @property
    def where(self) -> str:
        """``provider API``, ``local model at …`` or ``server at …`` for people."""
        if self.public_api:
            return "provider API"
        if self.server is not None and self.local:
            return f"local model at {self.endpoint}"
        if self.server is not None:
            return f"OpenAI-compatible server at {self.endpoint}"
        if self.local:
            return f"local endpoint {self.endpoint}, not the provider's public API"
        return f"{self.endpoint} (not the provider's public API)"

    @property
    def pricing(self) -> str:
        """How its comparisons are priced, for people."""
        if not self.priced:
            return "unpriced (cost unknown)"
        if self.server is not None:
            return (
                f"priced at --judge-price ${self.input_per_million:g}/"
                f"${self.output_per_million:g} per million tokens"
            )
        if self.public_api:
            return "every comparison is paid"
        return "priced at the manifest's prices"

    def as_dict(self) -> dict[str, Any]:
        """The artefact's ``metadata.stack.judges[]`` entry."""
        block: dict[str, Any] = {
            "label": self.label,
            "provider": self.provider,
            "model": self.model,
            "endpoint": self.endpoint,
            "public_api": self.public_api,
            "local": self.local,
            "sdk": self.sdk,
            "sdk_version": self.sdk_version,
            "priced": self.priced,
        }
        if self.priced:
            block["input_per_million"] = self.input_per_million
            block["output_per_million"] = self.output_per_million
        if self.server is not None:
            block["server"] = self.server
        return block


def judge_provenance(choice: JudgeChoice, settings: ProviderSettings) -> JudgeProvenance:
    """The provenance of a real judge (``choice`` not simulated) reached with ``settings``."""
    model = choice.model
    if model is None:
        raise ValueError("the simulated judge has no endpoint")
    public = PUBLIC_API_HOSTS[settings.provider]
    if settings.base_url is None and choice.server is None:
        endpoint = public
    elif settings.base_url is None:
        endpoint = "unknown"
    else:
        endpoint = endpoint_origin(settings.base_url)
    distribution = SDK_DISTRIBUTIONS[settings.provider]
    return JudgeProvenance(
        label=choice.label,
        provider=settings.provider.value,
        model=model.model_id,
        endpoint=endpoint,
        public_api=choice.server is None and endpoint == public,
        local=_is_local(endpoint),
        sdk=distribution,
        sdk_version=_sdk_version(distribution),
        priced=choice.priced,
        input_per_million=model.input_per_million,
        output_per_million=model.output_per_million,
        server=choice.server,
    )
