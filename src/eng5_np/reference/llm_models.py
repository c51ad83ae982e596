"""The LLM model manifest shipped with the runner (SPEC §5.4): providers, models, prices.

The manifest is data (``eng5_np/data/llm_models.json``): update the file when providers change
prices or retire models. ``validate_override`` checks ``--llm-provider``/``--llm-model``
against it: an unknown model is a usage error listing close matches; a deprecated one is a
warning for the caller to show.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from eng5_np.contracts.enums import LLMProviderType
from eng5_np.errors import LLMProviderUnavailable, ModelManifestError

MANIFEST_RESOURCE = "llm_models.json"


class ModelEntry(BaseModel):
    """One model a provider offers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: LLMProviderType
    model_id: str = Field(min_length=1)
    display_name: str
    max_tokens: int = Field(gt=0)
    context_window: int | None = Field(
        default=None,
        gt=0,
        description="Tokens one request may hold (prompt and answer); None when not known",
    )
    input_per_million: float = Field(ge=0, description="USD per million prompt tokens")
    output_per_million: float = Field(ge=0, description="USD per million completion tokens")
    cache_read_per_million: float | None = Field(
        default=None, ge=0, description="USD per million prompt tokens read from the cache"
    )
    cache_write_per_million: float | None = Field(
        default=None, ge=0, description="USD per million prompt tokens written to the cache"
    )
    deprecated: bool = False

    def cost_usd(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        """Price of one call with these token counts.

        ``prompt_tokens`` counts every prompt token, cached ones included; the
        ``cache_read_tokens`` and ``cache_write_tokens`` among them are priced at the cache
        rates (the input price where the manifest names none).
        """
        read = min(cache_read_tokens, prompt_tokens)
        write = min(cache_write_tokens, prompt_tokens - read)
        read_rate = self.input_per_million
        if self.cache_read_per_million is not None:
            read_rate = self.cache_read_per_million
        write_rate = self.input_per_million
        if self.cache_write_per_million is not None:
            write_rate = self.cache_write_per_million
        return (
            (prompt_tokens - read - write) * self.input_per_million
            + read * read_rate
            + write * write_rate
            + completion_tokens * self.output_per_million
        ) / 1_000_000


class ModelManifest(BaseModel):
    """All known models."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    manifest_version: int
    prices_as_of: str
    note: str = ""
    models: tuple[ModelEntry, ...]

    def find(self, model_id: str, provider: LLMProviderType | None = None) -> ModelEntry | None:
        """The entry for ``model_id`` (and ``provider`` when given), if known."""
        for entry in self.models:
            if entry.model_id == model_id and (provider is None or entry.provider == provider):
                return entry
        return None

    def close_matches(self, model_id: str, limit: int = 3) -> list[str]:
        """Known model ids that look like ``model_id``."""
        ids = [entry.model_id for entry in self.models]
        return difflib.get_close_matches(model_id, ids, n=limit, cutoff=0.4)


@cache
def load_manifest() -> ModelManifest:
    """The shipped manifest (read once per process)."""
    raw = resources.files("eng5_np.data").joinpath(MANIFEST_RESOURCE).read_text("utf-8")
    return ModelManifest.model_validate(json.loads(raw))


def validate_override(
    provider: LLMProviderType | None, model_id: str | None, manifest: ModelManifest | None = None
) -> tuple[ModelEntry | None, list[str]]:
    """Check an LLM override against the manifest; return the entry and any warnings.

    Raises :class:`ModelManifestError` (exit 2) for an unknown model or a model that belongs to
    another provider than ``--llm-provider``.
    """
    if model_id is None:
        return None, []
    known = manifest or load_manifest()
    entry = known.find(model_id)
    if entry is None:
        suggestions = known.close_matches(model_id)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise ModelManifestError(f"--llm-model {model_id!r} is not in the model manifest{hint}")
    if provider is not None and entry.provider != provider:
        same_provider = known.find(model_id, provider)
        if same_provider is None:
            raise ModelManifestError(
                f"--llm-model {model_id!r} belongs to {entry.provider.value}, not "
                f"{provider.value}; drop --llm-provider or pick a {provider.value} model"
            )
        entry = same_provider
    warnings: list[str] = []
    if entry.deprecated:
        warnings.append(
            f"model {entry.model_id} ({entry.display_name}) is deprecated by "
            f"{entry.provider.value}; results may not be reproducible once it is retired"
        )
    return entry, warnings


LIVE_MANIFEST_PATH = "/api/v1/models"
LIVE_MANIFEST_TIMEOUT_S = 10.0


def manifest_from_provider_service(body: object, source: str) -> ModelManifest:
    """Convert the LLM Provider's ``/api/v1/models`` answer (SPEC §11.5) into a manifest.

    Prices there are USD per 1,000 tokens; here per million. Providers the runner does not
    know are skipped (the wire enum could not name them anyway).
    """
    if not isinstance(body, dict) or not isinstance(body.get("providers"), dict):
        raise ValueError("the answer has no 'providers' object")
    known = {p.value for p in LLMProviderType}
    entries: list[ModelEntry] = []
    for provider, models in body["providers"].items():
        if provider not in known or not isinstance(models, list):
            continue
        for model in models:
            entries.append(
                ModelEntry(
                    provider=LLMProviderType(provider),
                    model_id=str(model["model_id"]),
                    display_name=str(model.get("display_name") or model["model_id"]),
                    max_tokens=int(model.get("max_tokens") or 1),
                    input_per_million=float(model.get("cost_per_1k_input_tokens") or 0) * 1000,
                    output_per_million=float(model.get("cost_per_1k_output_tokens") or 0) * 1000,
                    deprecated=bool(model.get("is_deprecated", False)),
                )
            )
    if not entries:
        raise ValueError("the answer lists no model of a known provider")
    return ModelManifest(
        manifest_version=1,
        prices_as_of="live",
        note=f"live manifest from {source}",
        models=tuple(entries),
    )


async def fetch_live_manifest(
    base_url: str, timeout_s: float = LIVE_MANIFEST_TIMEOUT_S
) -> ModelManifest:
    """The platform LLM Provider's live model manifest, or :class:`LLMProviderUnavailable`."""
    import aiohttp

    url = f"{base_url.rstrip('/')}{LIVE_MANIFEST_PATH}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.get(url) as response,
        ):
            status = response.status
            body = await response.json(content_type=None) if status == 200 else None
    except (TimeoutError, aiohttp.ClientError, ValueError) as error:
        raise LLMProviderUnavailable(
            f"LLM Provider model manifest at {url} cannot be read: {type(error).__name__}"
        ) from None
    if status != 200:
        raise LLMProviderUnavailable(f"LLM Provider answered {status} to GET {url}")
    try:
        return manifest_from_provider_service(body, url)
    except (ValueError, KeyError, TypeError) as error:
        raise LLMProviderUnavailable(
            f"LLM Provider model manifest at {url} is not the documented shape: {error}"
        ) from None
