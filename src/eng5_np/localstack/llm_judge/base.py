"""What every provider module offers the judge: one call, a reply, and classified failures.

A provider module wraps one official SDK behind :class:`ProviderClient`. Its ``ask`` sends one
comparison prompt and returns a :class:`ProviderReply` (the raw structured answer, token
usage, a refusal if the model refused), or raises :class:`ProviderFailure` with a platform
error code and whether the failure is worth retrying. The SDKs' own retries are switched off
(``max_retries=0`` / one attempt): :mod:`~eng5_np.localstack.llm_judge.throttle` owns retries,
so its backoff, ``Retry-After`` handling and counters are the only ones that count.

Error codes (strings, as the platform's callbacks carry them, SPEC §4.9): ``RATE_LIMIT`` (429),
``LLM_PROVIDER_TIMEOUT`` (408, client timeout), ``LLM_PROVIDER_SERVICE_ERROR`` (5xx, 529),
``LLM_PROVIDER_CONNECTION_ERROR`` — retryable; ``AUTHENTICATION_ERROR`` (401/403) and
``INVALID_REQUEST`` (other 4xx) — not retryable.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Protocol

from pydantic import SecretStr

from eng5_np.contracts import LLMProviderType, ReasoningEffort
from eng5_np.localstack.llm_judge.prompt import JudgePrompt

__all__ = [
    "CallOptions",
    "ProviderClient",
    "ProviderFailure",
    "ProviderReply",
    "ProviderSettings",
    "ProviderUsage",
    "failure_for_status",
    "redact",
    "retry_after_seconds",
]

DEFAULT_MAX_TOKENS: Final = 1024
"""Answer tokens when the request sets no ``max_tokens_override``."""
REASONING_BUDGETS: Final = {
    ReasoningEffort.LOW: 1024,
    ReasoningEffort.MEDIUM: 4096,
    ReasoningEffort.HIGH: 16384,
}
"""Thinking-token budgets for providers that take a budget (Anthropic, Google)."""


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach one provider: model, key, base URL, request timeout."""

    provider: LLMProviderType
    model: str
    api_key: SecretStr
    base_url: str | None = None
    """None → the SDK's default (or its own base-URL environment variable)."""
    timeout_s: float = 60.0
    compatible: bool = False
    """An OpenAI-compatible server (Ollama, vLLM, …): structured output is negotiated."""


@dataclass(frozen=True)
class CallOptions:
    """Per-batch generation options, from the request's ``llm_config_overrides``."""

    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float | None = None
    reasoning_effort: ReasoningEffort | None = None

    @property
    def thinking_budget(self) -> int | None:
        """Thinking tokens for budget-based providers; None = no extended thinking."""
        if self.reasoning_effort is None:
            return None
        return REASONING_BUDGETS.get(self.reasoning_effort)


@dataclass(frozen=True)
class ProviderUsage:
    """Tokens one call was billed for."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    """Every billed output token, reasoning included."""
    reasoning_tokens: int = 0
    """The reasoning share of ``completion_tokens``, when the provider reports it."""
    cache_read_tokens: int = 0
    """The share of ``prompt_tokens`` read from the provider's prompt cache."""
    cache_write_tokens: int = 0
    """The share of ``prompt_tokens`` written to the prompt cache (Anthropic)."""


@dataclass(frozen=True)
class ProviderReply:
    """A provider's answer to one call."""

    answer: object
    """The structured answer: a mapping (tool input) or JSON text; None when absent."""
    usage: ProviderUsage
    refusal: str | None = None
    """The model's refusal, when it refused."""
    response_model: str | None = None
    """The model id the provider says answered."""
    structured_output: str | None = None
    """How the answer was constrained: ``tool``, ``json_schema``, ``json_object``,
    ``response_schema`` or ``plain`` (a parsed plain answer)."""


class ProviderFailure(Exception):
    """A call that produced no answer; ``retryable`` failures are retried by the throttle."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.status = status


class ProviderClient(Protocol):
    """One provider's SDK client for one model."""

    @property
    def settings(self) -> ProviderSettings:
        """Provider, model and where it is reached."""
        ...

    async def ask(self, prompt: JudgePrompt, options: CallOptions) -> ProviderReply:
        """Send one prompt; :class:`ProviderFailure` when no answer came back."""
        ...

    async def aclose(self) -> None:
        """Close the SDK's HTTP connections."""
        ...


def retry_after_seconds(
    headers: Mapping[str, str] | None, now: float | None = None
) -> float | None:
    """Seconds a provider asked to wait: ``retry-after-ms``, or ``retry-after`` (s or a date)."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    milliseconds = lowered.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, moment.timestamp() - current)


def failure_for_status(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> ProviderFailure:
    """Classify an HTTP error status the way every provider module does."""
    wait = retry_after_seconds(headers)
    if status == 429:
        return ProviderFailure(
            "RATE_LIMIT", message, retryable=True, retry_after_s=wait, status=status
        )
    if status == 408:
        return ProviderFailure(
            "LLM_PROVIDER_TIMEOUT", message, retryable=True, retry_after_s=wait, status=status
        )
    if status >= 500:
        return ProviderFailure(
            "LLM_PROVIDER_SERVICE_ERROR", message, retryable=True, retry_after_s=wait, status=status
        )
    if status in (401, 403):
        return ProviderFailure("AUTHENTICATION_ERROR", message, retryable=False, status=status)
    return ProviderFailure("INVALID_REQUEST", message, retryable=False, status=status)


def timeout_failure(message: str) -> ProviderFailure:
    """A call that timed out on our side."""
    return ProviderFailure("LLM_PROVIDER_TIMEOUT", message, retryable=True)


def connection_failure(message: str) -> ProviderFailure:
    """A call that could not reach the provider."""
    return ProviderFailure("LLM_PROVIDER_CONNECTION_ERROR", message, retryable=True)


def redact(text: str, secret: SecretStr) -> str:
    """``text`` with every occurrence of the secret replaced (SDK messages may echo requests)."""
    value = secret.get_secret_value()
    return text.replace(value, "***") if value else text


def monotonic() -> float:
    """The clock provider modules time calls with."""
    return time.monotonic()
