"""Google Gemini through the official ``google-genai`` SDK (imported lazily).

``client.aio.models.generate_content`` with ``GenerateContentConfig(system_instruction=…,
response_mime_type="application/json", response_schema=…, max_output_tokens=…)``; with a
reasoning effort ``thinking_config=ThinkingConfig(thinking_budget=N)`` (none 0, low 1024,
medium 4096, high 16384). The base URL comes from ``http_options=HttpOptions(base_url=…)``
(the SDK reads no base-URL variable; the judge reads ``GEMINI_BASE_URL``), and
``HttpRetryOptions(attempts=1)`` switches the SDK's retries off.

Usage: ``prompt_token_count`` → prompt; ``candidates_token_count + thoughts_token_count`` →
completion (thinking is billed as output); ``thoughts_token_count`` → reasoning tokens.
A blocked prompt (``prompt_feedback.block_reason``) or a candidate stopped for safety is a
refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from eng5_np.contracts import ReasoningEffort
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
from eng5_np.localstack.llm_judge.prompt import JudgePrompt

if TYPE_CHECKING:
    from google.genai import Client

__all__ = ["RESPONSE_SCHEMA", "GoogleClient", "reply_from_response"]

RESPONSE_SCHEMA: Final[dict[str, Any]] = {
    "type": "OBJECT",
    "properties": {
        "winner": {"type": "STRING", "enum": ["Essay A", "Essay B"]},
        "justification": {"type": "STRING"},
        "confidence": {"type": "INTEGER"},
    },
    "required": ["winner", "justification", "confidence"],
}
"""The answer schema in Gemini's OpenAPI-subset form."""
REFUSAL_REASONS: Final = frozenset(
    {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}
)


class GoogleClient:
    """:class:`~eng5_np.localstack.llm_judge.base.ProviderClient` for Google Gemini."""

    def __init__(self, settings: ProviderSettings) -> None:
        import aiohttp
        from google.genai import Client, types

        self._settings = settings
        # Our own session: the SDK would otherwise subclass aiohttp's ClientSession, which
        # aiohttp deprecates; owning it also means aclose() closes exactly what was opened.
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.timeout_s)
        )
        options = types.HttpOptions(
            base_url=settings.base_url,
            timeout=int(settings.timeout_s * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),  # the throttle retries
            aiohttp_client=self._session,
        )
        self._client: Client = Client(
            api_key=settings.api_key.get_secret_value(), http_options=options
        )

    @property
    def settings(self) -> ProviderSettings:
        """Provider, model and where it is reached."""
        return self._settings

    def config(self, prompt: JudgePrompt, options: CallOptions) -> Any:
        """The ``GenerateContentConfig`` of one call."""
        from google.genai import types

        thinking = None
        if options.reasoning_effort is ReasoningEffort.NONE:
            thinking = types.ThinkingConfig(thinking_budget=0)
        elif options.thinking_budget is not None:
            thinking = types.ThinkingConfig(thinking_budget=options.thinking_budget)
        return types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_schema=RESPONSE_SCHEMA,
            max_output_tokens=options.max_tokens + (options.thinking_budget or 0),
            temperature=options.temperature,
            thinking_config=thinking,
        )

    async def ask(self, prompt: JudgePrompt, options: CallOptions) -> ProviderReply:
        """Send one prompt; :class:`ProviderFailure` when no answer came back."""
        import aiohttp
        from google.genai import errors

        secret = self._settings.api_key
        try:
            response = await self._client.aio.models.generate_content(
                model=self._settings.model,
                contents=prompt.user,
                config=self.config(prompt, options),
            )
        except errors.APIError as error:
            raw_headers = getattr(error.response, "headers", None)
            headers = {str(k): str(v) for k, v in raw_headers.items()} if raw_headers else None
            raise failure_for_status(error.code, redact(str(error), secret), headers) from None
        except TimeoutError:
            raise timeout_failure(f"no answer within {self._settings.timeout_s:g} s") from None
        except aiohttp.ClientError as error:
            raise connection_failure(redact(str(error), secret)) from None
        except ValueError as error:  # a body the SDK cannot decode
            raise ProviderFailure(
                "LLM_PROVIDER_SERVICE_ERROR", redact(str(error), secret), retryable=True
            ) from None
        except Exception as error:
            if type(error).__name__ in {"ReadTimeout", "ConnectTimeout", "TimeoutException"}:
                raise timeout_failure(f"no answer within {self._settings.timeout_s:g} s") from None
            raise
        return reply_from_response(response)

    def request(self, prompt: JudgePrompt, options: CallOptions) -> dict[str, Any]:
        """One prompt as a batch's inlined request (``contents`` and ``config``)."""
        return {"contents": prompt.user, "config": self.config(prompt, options)}

    @property
    def sdk(self) -> Client:
        """The SDK client (the batch judge submits through it)."""
        return self._client

    async def aclose(self) -> None:
        """Close the SDK's HTTP connections."""
        try:
            await self._client.aio.aclose()
        finally:
            await self._session.close()


def reply_from_response(response: Any) -> ProviderReply:
    """A ``GenerateContentResponse`` as the judge's reply (live or from a batch)."""
    meta = response.usage_metadata
    thoughts = (meta.thoughts_token_count or 0) if meta is not None else 0
    usage = ProviderUsage(
        prompt_tokens=(meta.prompt_token_count or 0) if meta is not None else 0,
        completion_tokens=((meta.candidates_token_count or 0) if meta is not None else 0)
        + thoughts,
        reasoning_tokens=thoughts,
    )
    refusal = None
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        reason = getattr(feedback.block_reason, "value", feedback.block_reason)
        refusal = f"prompt blocked: {reason}"
    candidates = response.candidates or []
    finish = candidates[0].finish_reason if candidates else None
    finish_name = getattr(finish, "value", finish)
    if finish_name in REFUSAL_REASONS:
        refusal = f"answer stopped: {finish_name}"
    text = None if refusal is not None else _text(response)
    return ProviderReply(
        answer=text,
        usage=usage,
        refusal=refusal,
        response_model=response.model_version,
        structured_output="response_schema",
    )


def _text(response: Any) -> str | None:
    """The answer text of the first candidate, without thought parts."""
    candidates = response.candidates or []
    if not candidates or candidates[0].content is None:
        return None
    parts = candidates[0].content.parts or []
    texts = [part.text for part in parts if part.text and not part.thought]
    return "".join(texts) or None
