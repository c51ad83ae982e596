"""Is the platform's LLM Provider judging for real, or in mock mode? (SPEC §11.5, §11.6)

In mock mode the LLM Provider labels its callbacks with a real provider and model (e.g.
``openai``/``gpt-5.1``) and invents costs, so the callbacks alone cannot tell; only its error
callbacks say ``provider: mock``, and every ``response_time_ms`` is 0. What SPEC §11.6 measured
about the service itself: its ``GET /healthz`` reports that no real provider is configured.
SPEC does not fix the shape of that answer, so :func:`read_provider_mode` reads it tolerantly:

1. a boolean under a key naming ``mock`` (``mock_mode``, ``use_mock_llm``, …), anywhere in
   the body, decides on its own;
2. otherwise every collection under a key naming ``provider`` is read for *configured*
   providers — a list of names, a list of objects with a name, or a mapping name → state
   (``true``, a word like ``configured``/``ok``/``healthy``, or an object whose ``configured``,
   ``enabled``, ``available`` or ``status`` says so). No configured real provider
   (``anthropic``, ``openai``, ``google``, ``openrouter``) → ``mock``; one or more → ``real``;
3. anything else — no such key, not JSON, no answer — is ``unknown``, never a guess.

:func:`probe_provider_mode` asks the service and never raises: the mode is information for
the artefact and the report, not a reason to stop a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from eng5_np.primitives.redaction import redact_url

HEALTH_PATH: Final = "/healthz"
PROBE_TIMEOUT_S: Final = 10.0
"""Seconds the health route may take before the mode counts as unknown."""
REAL_PROVIDERS: Final = frozenset({"anthropic", "openai", "google", "openrouter"})
"""The platform's providers that judge for real (``mock`` is the other one, SPEC §4.5)."""
CONFIGURED_WORDS: Final = frozenset(
    {"configured", "enabled", "available", "ok", "healthy", "up", "ready", "active", "true"}
)
STATE_KEYS: Final = ("configured", "enabled", "available", "status", "state", "healthy")
NAME_KEYS: Final = ("provider", "name", "id", "type")
MAX_DEPTH: Final = 4
"""How deep into the body to look (health answers nest a level or two)."""

Mode = Literal["mock", "real", "unknown"]


@dataclass(frozen=True)
class ProviderMode:
    """What the LLM Provider's health route said about how it judges."""

    mode: Mode
    source: str
    """The route asked, credentials redacted."""
    detail: str
    providers: tuple[str, ...] = ()
    """The real providers it reports configured (``real`` only)."""

    def as_dict(self) -> dict[str, Any]:
        """The artefact's ``metadata.llm_provider_mode`` block."""
        block: dict[str, Any] = {"mode": self.mode, "source": self.source, "detail": self.detail}
        if self.providers:
            block["providers"] = list(self.providers)
        return block

    def describe(self) -> str:
        """One line for the terminal summary and the report."""
        if self.mode == "mock":
            return (
                "the platform's LLM Provider runs in MOCK mode: judgements, models and costs on "
                f"the callbacks are invented ({self.detail})"
            )
        if self.mode == "real":
            named = ", ".join(self.providers)
            return f"the platform's LLM Provider reports real providers: {named}"
        return (
            f"unknown: the LLM Provider's {HEALTH_PATH} did not say whether it runs in mock mode "
            f"({self.detail}); the judge is as the platform reported it"
        )


JUDGE_AS_REPORTED: Final = (
    "as the platform reported it (provider/model on the callbacks), not checked: the "
    "platform's LLM Provider in mock mode names real models too — pass --llm-provider-url to "
    "ask it (RUNBOOK, 'Telling mock judgements from real ones')"
)
"""What can be said of an external run's judge when no LLM Provider URL was given."""


def describe_judge(recorded: dict[str, Any] | None) -> str:
    """The judge line of an external run from its ``metadata.llm_provider_mode`` (or None)."""
    if recorded is None:
        return JUDGE_AS_REPORTED
    mode = ProviderMode(
        recorded["mode"],
        recorded["source"],
        recorded.get("detail", ""),
        tuple(recorded.get("providers", ())),
    )
    return mode.describe()


def read_provider_mode(body: Any, source: str) -> ProviderMode:
    """The mode a health answer states (see the module docstring for the rules); pure."""
    flag = next(_mock_flags(body, 0), None)
    if flag is not None:
        key, value = flag
        mode: Mode = "mock" if value else "real"
        return ProviderMode(mode, source, f"{key}: {str(value).lower()}")
    found = False
    configured: set[str] = set()
    for names in _provider_collections(body, 0):
        found = True
        configured.update(names)
    if not found:
        return ProviderMode("unknown", source, "no provider information in its answer")
    real = tuple(sorted(configured & REAL_PROVIDERS))
    if not real:
        return ProviderMode("mock", source, "it reports no real provider configured")
    return ProviderMode("real", source, f"configured: {', '.join(real)}", real)


async def probe_provider_mode(base_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> ProviderMode:
    """Ask ``<base_url>/healthz`` how the LLM Provider judges; ``unknown`` on any failure."""
    import aiohttp

    url = f"{base_url.rstrip('/')}{HEALTH_PATH}"
    source = redact_url(url)
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.get(url) as response,
        ):
            status = response.status
            body = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError) as error:
        return ProviderMode("unknown", source, f"no readable answer ({type(error).__name__})")
    if not isinstance(body, dict):
        return ProviderMode("unknown", source, f"{status}: not a JSON object")
    return read_provider_mode(body, source)


def _mock_flags(node: Any, depth: int) -> Iterator[tuple[str, bool]]:
    """Every boolean under a key naming ``mock``, depth first."""
    if depth > MAX_DEPTH or not isinstance(node, dict):
        return
    for key, value in node.items():
        if "mock" in str(key).lower() and isinstance(value, bool):
            yield str(key), value
    for value in node.values():
        yield from _mock_flags(value, depth + 1)


def _provider_collections(node: Any, depth: int) -> Iterator[set[str]]:
    """For every readable collection under a key naming ``provider``, the provider names it
    marks as configured (lower case). A collection whose entries state nothing readable is
    skipped: it cannot tell a mock service from a real one."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            yield from _provider_collections(item, depth + 1)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if "provider" in str(key).lower() and isinstance(value, list | dict):
            names = _configured(value)
            if names is not None:
                yield names
        elif isinstance(value, dict | list):
            yield from _provider_collections(value, depth + 1)


def _configured(collection: list[Any] | dict[str, Any]) -> set[str] | None:
    """The configured provider names of one collection; None when no entry is readable."""
    states: dict[str, bool | None] = {}
    if isinstance(collection, dict):
        states = {str(name).lower(): _state(value) for name, value in collection.items()}
    else:
        for item in collection:
            if isinstance(item, str):
                states[item.lower()] = True  # a list of names lists what is there
            elif isinstance(item, dict):
                name = next((item[k] for k in NAME_KEYS if isinstance(item.get(k), str)), None)
                if name is not None:
                    state = _state(item)
                    states[name.lower()] = True if state is None else state
    if not states or all(state is None for state in states.values()):
        return None
    return {name for name, state in states.items() if state}


def _state(value: Any) -> bool | None:
    """Whether one provider's state says it is configured; None when it says nothing."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in CONFIGURED_WORDS
    if isinstance(value, dict):
        for key in STATE_KEYS:
            if key in value:
                return _state(value[key])
    return None
