"""The real LLM judge: one comparison in, one ``LLMComparisonResultV1`` callback out (SPEC §13).

:meth:`LLMJudge.compare` builds the prompt (:mod:`.prompt`), reserves its estimated price with
the cost guard (:mod:`.cost`), asks the provider through the throttle (:mod:`.throttle`) and
validates the answer (:mod:`.answer`). An unusable answer (malformed, refused, naming an
essay outside the pair) is asked for once more; a second unusable answer, or a provider
failure that outlived its retries, becomes an error callback in the platform's format
(``error_detail`` with the code, SPEC §4.5).

What a callback carries: the real provider and model id (also on error callbacks — the
platform writes ``"unknown"`` there, but the model is known here and the runner stores what
it receives), the tokens of every call the comparison made (so a retried answer's tokens are
paid for in the open), ``cost_estimate`` = those tokens × the manifest's prices, and
``response_time_ms`` = the time spent in provider calls (not queueing or backing off).
``request_metadata`` echoes the CJ service's keys and adds ``prompt_sha256``,
``reasoning_tokens`` (the reasoning share of ``completion_tokens``), ``answer_attempts`` and,
when set, ``reasoning_effort`` — unknown keys the runner keeps without relying on them — and
the judge's facts under :data:`JUDGE_FACTS_KEY` (``judge``): its label (``ollama:llama3.1:8b``),
``priced`` (false: an unpriced compatible server, ``cost_estimate`` 0 is no price),
``cache_read_tokens`` / ``cache_write_tokens`` (the cached share of ``prompt_tokens``, priced at
the cache rates) and ``structured_output`` (how the answer was constrained). The runner copies
them into the artefact's comparison records (``judge``). The wire fields themselves stay
exactly the platform's (SPEC §4.5).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import structlog

from eng5_np.contracts import (
    ErrorDetail,
    LLMComparisonResultV1,
    LLMProviderType,
    TokenUsage,
    utc_now,
)
from eng5_np.localstack.judge_types import JudgeVerdict
from eng5_np.localstack.llm_judge.answer import JudgeAnswer, UnusableAnswer, parse_answer
from eng5_np.localstack.llm_judge.base import (
    CallOptions,
    ProviderClient,
    ProviderFailure,
    ProviderReply,
)
from eng5_np.localstack.llm_judge.cost import CostGuard, CostLimitReached
from eng5_np.localstack.llm_judge.prompt import JudgePrompt, PromptContext, build_prompt
from eng5_np.localstack.llm_judge.protocol import JudgeTask
from eng5_np.localstack.llm_judge.throttle import JudgeStats, Throttle
from eng5_np.primitives.redaction import redact_text
from eng5_np.reference.llm_models import ModelEntry

__all__ = ["ANSWER_ATTEMPTS", "INVALID_RESPONSE", "JUDGE_FACTS_KEY", "LLMJudge"]

ANSWER_ATTEMPTS: Final = 2
"""An unusable answer is asked for once more."""
INVALID_RESPONSE: Final = "INVALID_RESPONSE"
"""Error code of a comparison whose answers were unusable."""
LLM_PROVIDER_SERVICE: Final = "llm_provider_service"
OPERATION: Final = "generate_comparison"
JUDGE_FACTS_KEY: Final = "judge"

logger = structlog.get_logger(__name__)


@dataclass
class _Spend:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    structured_output: str | None = None
    cost_usd: float = 0.0
    provider_s: float = 0.0
    attempts: int = 0


@dataclass(frozen=True)
class _Failure:
    code: str
    message: str
    details: dict[str, Any]


class LLMJudge:
    """Judges pairs with one provider model for one batch (see the module docstring)."""

    def __init__(
        self,
        client: ProviderClient,
        model: ModelEntry,
        throttle: Throttle,
        guard: CostGuard,
        context: PromptContext,
        options: CallOptions,
        *,
        label: str | None = None,
        priced: bool = True,
    ) -> None:
        self._client = client
        self._model = model
        self._label = label or f"{model.provider.value}:{model.model_id}"
        self._priced = priced
        self._throttle = throttle
        self._guard = guard
        self._context = context
        self._options = options

    @property
    def provider(self) -> LLMProviderType:
        """The provider every callback names."""
        return self._model.provider

    @property
    def model_id(self) -> str:
        """The model every callback names."""
        return self._model.model_id

    @property
    def label(self) -> str:
        """The judge as ``--judge`` named it."""
        return self._label

    @property
    def stats(self) -> JudgeStats:
        """The counters this judge reports into (shared by a stack's judges)."""
        return self._throttle.stats

    @property
    def client(self) -> ProviderClient:
        """The SDK client this judge asks through."""
        return self._client

    @property
    def options(self) -> CallOptions:
        """The batch's generation options."""
        return self._options

    @property
    def guard(self) -> CostGuard:
        """The cost guard the judge's calls reserve with."""
        return self._guard

    def most_tokens(self) -> int:
        """The most answer tokens one call can be billed: every token it is allowed (thinking
        included), as no provider returns more than the model's own limit."""
        budget = self._options.thinking_budget or 0
        return min(self._options.max_tokens + budget, self._model.max_tokens)

    def prompt_for(self, task: JudgeTask) -> JudgePrompt:
        """The prompt of one comparison."""
        return build_prompt(
            self._context,
            essay_a_id=task.essay_a.essay_id,
            essay_a_text=task.essay_a.text,
            essay_b_id=task.essay_b.essay_id,
            essay_b_text=task.essay_b.text,
        )

    def batch_verdict(
        self,
        task: JudgeTask,
        prompt: JudgePrompt,
        outcome: ProviderReply | ProviderFailure,
        *,
        price_factor: float,
        request_id: str,
        requested_at: Any,
        facts: dict[str, Any],
    ) -> JudgeVerdict:
        """The callback of a comparison answered in a provider batch: one answer, no retry
        (asking again would take another batch), priced at ``price_factor`` × the manifest's
        prices; ``facts`` join ``request_metadata.judge``."""
        spend = _Spend(attempts=1)
        answer: JudgeAnswer | None = None
        failure: _Failure | None = None
        if isinstance(outcome, ProviderFailure):
            details = {"http_status": outcome.status} if outcome.status is not None else {}
            failure = _Failure(outcome.code, redact_text(outcome.message), details)
        else:
            usage = outcome.usage
            spend.prompt_tokens = usage.prompt_tokens
            spend.completion_tokens = usage.completion_tokens
            spend.reasoning_tokens = usage.reasoning_tokens
            spend.cache_read_tokens = usage.cache_read_tokens
            spend.cache_write_tokens = usage.cache_write_tokens
            spend.structured_output = outcome.structured_output
            spend.cost_usd = price_factor * self._model.cost_usd(
                usage.prompt_tokens,
                usage.completion_tokens,
                cache_read_tokens=usage.cache_read_tokens,
                cache_write_tokens=usage.cache_write_tokens,
            )
            try:
                if outcome.refusal is not None:
                    raise UnusableAnswer(f"refused: {outcome.refusal}", refused=True)
                answer = parse_answer(
                    outcome.answer,
                    essay_a_id=task.essay_a.essay_id,
                    essay_b_id=task.essay_b.essay_id,
                )
            except UnusableAnswer as unusable:
                failure = _Failure(
                    INVALID_RESPONSE,
                    f"unusable answer: {unusable.reason}",
                    {"refused": unusable.refused, "not_retried": "answered in a provider batch"},
                )
        stats = self._throttle.stats
        stats.comparisons += 1
        stats.spent_usd += spend.cost_usd
        callback = self._callback(
            task, prompt.sha256, spend, requested_at, answer, failure, request_id=request_id
        )
        callback.request_metadata[JUDGE_FACTS_KEY].update(facts)
        return JudgeVerdict(callback=callback, duplicate=False)

    async def compare(self, task: JudgeTask) -> JudgeVerdict:
        """Judge one pair; :class:`CostLimitReached` when the limit forbids starting it."""
        prompt = self.prompt_for(task)
        spend = _Spend()
        requested_at = utc_now()
        answer: JudgeAnswer | None = None
        failure: _Failure | None = None
        for attempt in range(ANSWER_ATTEMPTS):
            try:
                reply = await self._ask(prompt, spend)
            except CostLimitReached:
                if attempt == 0:
                    raise
                assert failure is not None
                failure.details["not_retried"] = "cost limit reached"
                break
            except ProviderFailure as error:
                failure = _Failure(
                    error.code,
                    redact_text(error.message),  # a base URL's credentials, should it echo one
                    {"http_status": error.status} if error.status is not None else {},
                )
                break
            try:
                if reply.refusal is not None:
                    raise UnusableAnswer(f"refused: {reply.refusal}", refused=True)
                answer = parse_answer(
                    reply.answer,
                    essay_a_id=task.essay_a.essay_id,
                    essay_b_id=task.essay_b.essay_id,
                )
                failure = None
                break
            except UnusableAnswer as unusable:
                failure = _Failure(
                    INVALID_RESPONSE,
                    f"unusable answer: {unusable.reason}",
                    {"refused": unusable.refused},
                )
                if attempt + 1 < ANSWER_ATTEMPTS:
                    self._throttle.stats.answer_retries += 1
                    logger.info("llm_judge.answer_retried", reason=unusable.reason)
        stats = self._throttle.stats
        stats.comparisons += 1
        stats.spent_usd += spend.cost_usd  # stats may be shared by a panel's judges
        return JudgeVerdict(
            callback=self._callback(task, prompt.sha256, spend, requested_at, answer, failure),
            duplicate=False,
        )

    async def _ask(self, prompt: Any, spend: _Spend) -> ProviderReply:
        """One answer attempt (transport retries inside), its price settled with the guard."""
        chars = len(prompt.canonical_text())
        most = self.most_tokens()  # the most this call can cost: its prompt and every token
        reservation = await self._guard.acquire(lambda: self._guard.estimate(chars, most), chars)
        spend.attempts += 1

        async def timed_call() -> ProviderReply:
            started = time.monotonic()
            try:
                return await self._client.ask(prompt, self._options)
            finally:
                spend.provider_s += time.monotonic() - started

        try:
            reply = await self._throttle.call(timed_call)
        except BaseException:
            self._guard.settle(reservation)
            raise
        usage = reply.usage
        spend.prompt_tokens += usage.prompt_tokens
        spend.completion_tokens += usage.completion_tokens
        spend.reasoning_tokens += usage.reasoning_tokens
        spend.cache_read_tokens += usage.cache_read_tokens
        spend.cache_write_tokens += usage.cache_write_tokens
        spend.structured_output = reply.structured_output or spend.structured_output
        spend.cost_usd += self._guard.settle(
            reservation,
            usage.prompt_tokens,
            usage.completion_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        )
        return reply

    def _callback(
        self,
        task: JudgeTask,
        prompt_sha256: str,
        spend: _Spend,
        requested_at: Any,
        answer: JudgeAnswer | None,
        failure: _Failure | None,
        *,
        request_id: str | None = None,
    ) -> LLMComparisonResultV1:
        response_ms = int(spend.provider_s * 1000)
        completed_at = max(utc_now(), requested_at + timedelta(milliseconds=response_ms))
        metadata: dict[str, Any] = {
            **task.request_metadata,
            "prompt_sha256": prompt_sha256,
            "reasoning_tokens": spend.reasoning_tokens,
            "answer_attempts": spend.attempts,
        }
        if self._options.reasoning_effort is not None:
            metadata["reasoning_effort"] = self._options.reasoning_effort.value
        facts: dict[str, Any] = {
            "label": self._label,
            "priced": self._priced,
            "cache_read_tokens": spend.cache_read_tokens,
            "cache_write_tokens": spend.cache_write_tokens,
        }
        if spend.structured_output is not None:
            facts["structured_output"] = spend.structured_output
        metadata[JUDGE_FACTS_KEY] = facts
        common: dict[str, Any] = {
            "request_id": request_id or str(uuid.uuid4()),
            "correlation_id": task.correlation_id,
            "provider": self._model.provider,
            "model": self._model.model_id,
            "response_time_ms": response_ms,
            "token_usage": TokenUsage(
                prompt_tokens=spend.prompt_tokens,
                completion_tokens=spend.completion_tokens,
                total_tokens=spend.prompt_tokens + spend.completion_tokens,
            ),
            "cost_estimate": round(spend.cost_usd, 10),
            "requested_at": requested_at,
            "completed_at": completed_at,
            "request_metadata": metadata,
        }
        if answer is not None:
            return LLMComparisonResultV1(
                winner=answer.winner,
                justification=answer.justification,
                confidence=answer.confidence,
                **common,
            )
        assert failure is not None
        return LLMComparisonResultV1(
            error_detail=ErrorDetail(
                error_code=failure.code,
                message=failure.message,
                correlation_id=task.correlation_id,
                timestamp=completed_at,
                service=LLM_PROVIDER_SERVICE,
                operation=OPERATION,
                details={
                    "provider": self._model.provider.value,
                    "model": self._model.model_id,
                    "answer_attempts": spend.attempts,
                    **failure.details,
                },
            ),
            **common,
        )
