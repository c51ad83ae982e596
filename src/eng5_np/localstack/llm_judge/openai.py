"""OpenAI Chat Completions through the official ``openai`` SDK (imported lazily); OpenRouter too.

OpenAI: ``response_format={"type": "json_schema", "json_schema": {"name": …, "schema":
ANSWER_SCHEMA, "strict": True}}``, the reasoning effort as the top-level ``reasoning_effort``,
``max_completion_tokens``; ``message.refusal`` is a refusal.

OpenRouter speaks the same API at its own base URL (``OPENROUTER_BASE_URL``, default
``https://openrouter.ai/api/v1``). Not every model behind it supports strict schemas, so it
gets JSON mode, ``response_format={"type": "json_object"}`` (the prompt spells the fields out),
and the reasoning effort in OpenRouter's own ``reasoning: {"effort": …}`` body field.

OpenAI-compatible servers (Ollama, vLLM, llama.cpp, LM Studio; ``settings.compatible``) do not
all accept every ``response_format``, so structured output is negotiated: a strict JSON schema
first, then JSON mode (``json_object``), then no ``response_format`` at all (the prompt's
response instructions ask for the JSON object, and :mod:`.answer` parses it out of the plain
answer). A call the server rejects with 400 while a ``response_format`` was sent is retried
once without that feature (so at most twice in all, down to a plain answer); the level reached
is kept for the client's later calls and recorded on each reply (``structured_output``).

Prompt caching: OpenAI caches ≥ 1,024-token prompt prefixes by itself; the judge's prompt puts
the shared part first (:mod:`.prompt`) and sends ``prompt_cache_key`` (the prefix's hash) to
OpenAI so requests of one batch land on the same cache.

Usage: ``prompt_tokens``, ``completion_tokens`` (reasoning included, as billed),
``completion_tokens_details.reasoning_tokens`` and
``prompt_tokens_details.cached_tokens`` (the cached share of ``prompt_tokens``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import structlog

from eng5_np.contracts import LLMProviderType, ReasoningEffort
from eng5_np.localstack.llm_judge.base import (
    CallOptions,
    ProviderFailure,
    ProviderReply,
    ProviderSettings,
    ProviderUsage,
    connection_failure,
    failure_for_status,
    redact,
    timeout_failure,
)
from eng5_np.localstack.llm_judge.prompt import ANSWER_SCHEMA, ANSWER_TOOL_NAME, JudgePrompt

if TYPE_CHECKING:
    from openai import AsyncOpenAI

logger = structlog.get_logger(__name__)

__all__ = [
    "OPENROUTER_DEFAULT_BASE_URL",
    "STRUCTURED_LEVELS",
    "OpenAIClient",
    "reply_from_completion",
]

OPENROUTER_DEFAULT_BASE_URL: Final = "https://openrouter.ai/api/v1"
STRUCTURED_LEVELS: Final = ("json_schema", "json_object", "plain")
"""Structured-output levels, strictest first, tried in turn on a compatible server."""
REJECTED_FEATURE_STATUS: Final = 400


def reply_from_completion(completion: Any, level: str) -> ProviderReply:
    """A :class:`ProviderReply` from a ``ChatCompletion`` (live or a batch result)."""
    usage = completion.usage
    details = usage.completion_tokens_details if usage is not None else None
    cached = usage.prompt_tokens_details if usage is not None else None
    reply_usage = ProviderUsage(
        prompt_tokens=usage.prompt_tokens if usage is not None else 0,
        completion_tokens=usage.completion_tokens if usage is not None else 0,
        reasoning_tokens=(details.reasoning_tokens or 0) if details is not None else 0,
        cache_read_tokens=(cached.cached_tokens or 0) if cached is not None else 0,
    )
    if not completion.choices:
        return ProviderReply(
            answer=None,
            usage=reply_usage,
            response_model=completion.model,
            structured_output=level,
        )
    message = completion.choices[0].message
    return ProviderReply(
        answer=message.content,
        usage=reply_usage,
        refusal=message.refusal or None,
        response_model=completion.model,
        structured_output=level,
    )


class OpenAIClient:
    """:class:`~eng5_np.localstack.llm_judge.base.ProviderClient` for OpenAI and OpenRouter."""

    def __init__(self, settings: ProviderSettings) -> None:
        from openai import AsyncOpenAI

        self._settings = settings
        self._openrouter = settings.provider is LLMProviderType.OPENROUTER
        self._level = "json_object" if self._openrouter else "json_schema"
        base_url = settings.base_url
        if base_url is None and self._openrouter:
            base_url = OPENROUTER_DEFAULT_BASE_URL
        self._client: AsyncOpenAI = AsyncOpenAI(
            api_key=settings.api_key.get_secret_value(),
            base_url=base_url,
            timeout=settings.timeout_s,
            max_retries=0,  # the throttle retries; see base.py
        )

    @property
    def settings(self) -> ProviderSettings:
        """Provider, model and where it is reached."""
        return self._settings

    @property
    def structured_output(self) -> str:
        """The structured-output level the next call uses."""
        return self._level

    def request(
        self, prompt: JudgePrompt, options: CallOptions, level: str | None = None
    ) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` for one prompt."""
        level = level or self._level
        kwargs: dict[str, Any] = {
            "model": self._settings.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "max_completion_tokens": options.max_tokens,
        }
        if options.temperature is not None:
            kwargs["temperature"] = options.temperature
        effort = options.reasoning_effort
        if level == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": ANSWER_TOOL_NAME, "schema": ANSWER_SCHEMA, "strict": True},
            }
        elif level == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        if self._openrouter:
            if effort is not None:
                reasoning = (
                    {"enabled": False}
                    if effort is ReasoningEffort.NONE
                    else {"effort": effort.value}
                )
                kwargs["extra_body"] = {"reasoning": reasoning}
        elif effort is not None:
            kwargs["reasoning_effort"] = effort.value
        if not self._openrouter and not self._settings.compatible:
            kwargs["prompt_cache_key"] = prompt.prefix_sha256[:32]
        return kwargs

    async def ask(self, prompt: JudgePrompt, options: CallOptions) -> ProviderReply:
        """Send one prompt; :class:`ProviderFailure` when no answer came back."""
        import openai

        secret = self._settings.api_key
        level = self._level
        try:
            while True:
                try:
                    completion = await self._client.chat.completions.create(
                        **self.request(prompt, options, level)
                    )
                    break
                except openai.BadRequestError:
                    if not self._settings.compatible or level == STRUCTURED_LEVELS[-1]:
                        raise
                # The server rejected a feature: once more without it (SPEC §13.1), and
                # later calls start there too (concurrent calls may have gone further).
                level = STRUCTURED_LEVELS[STRUCTURED_LEVELS.index(level) + 1]
                self._level = max(self._level, level, key=STRUCTURED_LEVELS.index)
                logger.info(
                    "llm_judge.structured_output_downgraded", to=level, model=self._settings.model
                )
        except openai.APIStatusError as error:
            headers = dict(error.response.headers)
            raise failure_for_status(
                error.status_code, redact(str(error), secret), headers
            ) from None
        except openai.APITimeoutError:
            raise timeout_failure(f"no answer within {self._settings.timeout_s:g} s") from None
        except openai.APIConnectionError as error:
            raise connection_failure(redact(str(error), secret)) from None
        except openai.APIError as error:
            raise ProviderFailure(
                "LLM_PROVIDER_SERVICE_ERROR", redact(str(error), secret), retryable=True
            ) from None
        return reply_from_completion(completion, level)

    @property
    def sdk(self) -> AsyncOpenAI:
        """The SDK client (the batch judge submits through it)."""
        return self._client

    async def aclose(self) -> None:
        """Close the SDK's HTTP connections."""
        await self._client.close()
