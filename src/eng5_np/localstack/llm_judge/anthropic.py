"""Anthropic Messages API through the official ``anthropic`` SDK (imported lazily).

Structured answer: the ``record_comparison`` tool with :data:`ANSWER_SCHEMA` as its input
schema, forced with ``tool_choice={"type": "tool", "name": …}``. With a reasoning effort the
call enables extended thinking, ``thinking={"type": "enabled", "budget_tokens": N}`` (low 1024,
medium 4096, high 16384; ``max_tokens`` grows by N); Anthropic refuses a forced tool together
with thinking, so then the tool is offered with ``tool_choice={"type": "auto"}`` and the
prompt's response instructions ask for it — a text answer holding the JSON is accepted too.
No temperature is sent: the SDK's Messages API (anthropic 2.x) has no such parameter, so a
``temperature_override`` does not apply to Anthropic judges.

Prompt caching (SPEC §13.1): the user message is two content blocks, the batch's shared prefix
(assignment, instructions, rubric) marked ``cache_control: {"type": "ephemeral"}`` — which
caches tools, system prompt and that block — then the essays and response instructions. A
prefix shorter than the model's minimum is simply not cached.

Usage: ``input_tokens`` + ``cache_read_input_tokens`` + ``cache_creation_input_tokens`` →
prompt (Anthropic counts the three apart; the callback's ``prompt_tokens`` are all of them),
the two cache counts kept apart to be priced at the cache rates; ``output_tokens`` (thinking
included, as billed) → completion; ``output_tokens_details.thinking_tokens`` → reasoning tokens.
``stop_reason == "refusal"`` is a refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    from anthropic import AsyncAnthropic

__all__ = ["AnthropicClient", "reply_from_message"]

TOOL_DESCRIPTION = "Record which essay is better, why, and how confident you are."


def _user_content(prompt: JudgePrompt) -> str | list[dict[str, Any]]:
    """The user message: the shared prefix as a cached block, then the rest."""
    if not prompt.user_prefix:
        return prompt.user
    return [
        {"type": "text", "text": prompt.user_prefix, "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": prompt.user_rest},
    ]


def reply_from_message(message: Any) -> ProviderReply:
    """A :class:`ProviderReply` from a Messages API ``Message`` (live or a batch result)."""
    usage = message.usage
    details = getattr(usage, "output_tokens_details", None)
    reasoning = getattr(details, "thinking_tokens", 0) or 0
    answer: object = None
    texts: list[str] = []
    for block in message.content:
        if block.type == "tool_use" and block.name == ANSWER_TOOL_NAME:
            answer = block.input
            break
        if block.type == "text":
            texts.append(block.text)
    if answer is None and texts:
        answer = "".join(texts)
    refusal = None
    if message.stop_reason == "refusal":
        refusal = "".join(texts) or "the model refused to answer"
    read = usage.cache_read_input_tokens or 0
    written = usage.cache_creation_input_tokens or 0
    return ProviderReply(
        answer=answer,
        usage=ProviderUsage(
            prompt_tokens=usage.input_tokens + read + written,
            completion_tokens=usage.output_tokens,
            reasoning_tokens=reasoning,
            cache_read_tokens=read,
            cache_write_tokens=written,
        ),
        refusal=refusal,
        response_model=message.model,
        structured_output="tool" if isinstance(answer, dict) else "plain",
    )


class AnthropicClient:
    """:class:`~eng5_np.localstack.llm_judge.base.ProviderClient` for Anthropic."""

    def __init__(self, settings: ProviderSettings) -> None:
        from anthropic import AsyncAnthropic

        self._settings = settings
        self._client: AsyncAnthropic = AsyncAnthropic(
            api_key=settings.api_key.get_secret_value(),
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,  # the throttle retries; see base.py
        )

    @property
    def settings(self) -> ProviderSettings:
        """Provider, model and where it is reached."""
        return self._settings

    def request(self, prompt: JudgePrompt, options: CallOptions) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for one prompt."""
        tool = {
            "name": ANSWER_TOOL_NAME,
            "description": TOOL_DESCRIPTION,
            "input_schema": ANSWER_SCHEMA,
        }
        kwargs: dict[str, Any] = {
            "model": self._settings.model,
            "system": prompt.system,
            "messages": [{"role": "user", "content": _user_content(prompt)}],
            "tools": [tool],
            "max_tokens": options.max_tokens,
        }
        budget = options.thinking_budget
        if budget is None:
            kwargs["tool_choice"] = {"type": "tool", "name": ANSWER_TOOL_NAME}
        else:
            kwargs["thinking"] = {"type": "enabled", "budget_tokens": budget}
            kwargs["tool_choice"] = {"type": "auto"}
            kwargs["max_tokens"] = options.max_tokens + budget
        return kwargs

    async def ask(self, prompt: JudgePrompt, options: CallOptions) -> ProviderReply:
        """Send one prompt; :class:`ProviderFailure` when no answer came back."""
        import anthropic

        secret = self._settings.api_key
        try:
            message = await self._client.messages.create(**self.request(prompt, options))
        except anthropic.APIStatusError as error:
            headers = dict(error.response.headers)
            raise failure_for_status(
                error.status_code, redact(str(error), secret), headers
            ) from None
        except anthropic.APITimeoutError:
            raise timeout_failure(f"no answer within {self._settings.timeout_s:g} s") from None
        except anthropic.APIConnectionError as error:
            raise connection_failure(redact(str(error), secret)) from None
        except anthropic.APIError as error:  # e.g. a response body the SDK cannot read
            raise ProviderFailure(
                "LLM_PROVIDER_SERVICE_ERROR", redact(str(error), secret), retryable=True
            ) from None
        return reply_from_message(message)

    @property
    def sdk(self) -> AsyncAnthropic:
        """The SDK client (the batch judge submits through it)."""
        return self._client

    async def aclose(self) -> None:
        """Close the SDK's HTTP connections."""
        await self._client.close()
