"""The providers' batch APIs through their official SDKs (SPEC §13.1): submit, poll, results.

- **OpenAI Batch**: the requests as a JSONL file (one ``{"custom_id", "method": "POST", "url":
  "/v1/chat/completions", "body"}`` a line) uploaded with ``files.create(purpose="batch")``, then
  ``batches.create(endpoint="/v1/chat/completions", completion_window="24h")``; polled with
  ``batches.retrieve`` until ``completed``, ``failed``, ``expired`` or ``cancelled``; the results
  are the output file's lines (``files.content``), keyed by ``custom_id`` (``response.body`` is
  a chat completion), and the error file's. A request without a line (expired, cancelled) has
  no result.
- **Anthropic Message Batches**: ``messages.batches.create(requests=[{"custom_id", "params"}])``;
  polled with ``messages.batches.retrieve`` until ``processing_status`` is ``ended``; results
  streamed by ``messages.batches.results`` — per ``custom_id`` ``succeeded`` (a message),
  ``errored``, ``canceled`` or ``expired``.
- **Gemini batch mode** (``google-genai``): ``aio.batches.create(model=…, src=[InlinedRequest(
  contents=…, config=…, metadata={"key": custom_id})])`` — ``POST …/models/{model}:
  batchGenerateContent``, answered by a batch operation named ``batches/{id}`` — then
  ``aio.batches.get(name=…)`` (``GET …/batches/{id}``) until the state is ``SUCCEEDED``,
  ``FAILED``, ``CANCELLED`` or ``EXPIRED``; the results are inline (``dest.inlined_responses``),
  one per request in the requests' order, each a ``GenerateContentResponse`` or an ``error``,
  mapped back by their ``metadata.key`` (by position when the service leaves it out). A batch
  that failed or expired has none: its requests become ``BATCH_REQUEST_EXPIRED``.

Each :class:`BatchTransport` turns results into the judge's :class:`ProviderReply` (through the
live path's own reply readers) or a :class:`ProviderFailure` (an error callback's code).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.llm_judge.base import (
    ProviderClient,
    ProviderFailure,
    ProviderReply,
    failure_for_status,
)

__all__ = [
    "BATCH_PRICE_FACTOR",
    "BatchRequest",
    "BatchStatus",
    "BatchTransport",
    "sdk_failure",
    "transport_for",
]

BATCH_PRICE_FACTOR: Final = 0.5
"""The three providers bill batch requests at 50 % of the live price (SPEC §13.1)."""
OPENAI_DONE: Final = frozenset({"completed", "failed", "expired", "cancelled"})
GEMINI_DONE: Final = frozenset(
    {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}
)
EXPIRED: Final = "BATCH_REQUEST_EXPIRED"
"""Error code of a comparison its batch never answered (expired or cancelled)."""


@dataclass(frozen=True)
class BatchRequest:
    """One comparison's request in a batch."""

    custom_id: str
    body: dict[str, Any]
    """The live call's keyword arguments (Anthropic ``params`` / OpenAI ``body``)."""


@dataclass(frozen=True)
class BatchStatus:
    """Where a submitted batch is."""

    done: bool
    finished: int
    """Requests the provider has finished (answered or failed)."""
    total: int
    state: str


class BatchTransport(Protocol):
    """One provider's batch API."""

    async def submit(self, requests: Sequence[BatchRequest]) -> str:
        """Submit the requests; the provider's batch id."""
        ...

    async def poll(self, batch_id: str) -> BatchStatus:
        """The batch's status now."""
        ...

    async def results(
        self, batch_id: str, custom_ids: Sequence[str]
    ) -> dict[str, ProviderReply | ProviderFailure]:
        """Each answered ``custom_id``'s reply or failure (absent: no result); ``custom_ids``
        are the batch's requests in the order they were submitted."""
        ...


def sdk_failure(error: Exception) -> ProviderFailure:
    """An SDK error of a batch call as a failure (its HTTP status classified as live)."""
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return failure_for_status(status, str(error))
    return ProviderFailure("LLM_PROVIDER_CONNECTION_ERROR", str(error), retryable=True)


class OpenAIBatches:
    """:class:`BatchTransport` over the OpenAI SDK's files and batches."""

    def __init__(self, client: Any) -> None:
        self._sdk = client.sdk

    async def submit(self, requests: Sequence[BatchRequest]) -> str:
        """Upload the JSONL file, then create the batch."""
        lines = [
            json.dumps(
                {
                    "custom_id": r.custom_id,
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": r.body,
                }
            )
            for r in requests
        ]
        content = ("\n".join(lines) + "\n").encode()
        upload = await self._sdk.files.create(
            file=("comparisons.jsonl", content, "application/jsonl"), purpose="batch"
        )
        batch = await self._sdk.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchStatus:
        """``batches.retrieve``: done once completed, failed, expired or cancelled."""
        batch = await self._sdk.batches.retrieve(batch_id)
        counts = batch.request_counts
        finished = (counts.completed + counts.failed) if counts is not None else 0
        total = counts.total if counts is not None else 0
        return BatchStatus(batch.status in OPENAI_DONE, finished, total, str(batch.status))

    async def results(
        self, batch_id: str, custom_ids: Sequence[str]
    ) -> dict[str, ProviderReply | ProviderFailure]:
        """The output file's and the error file's lines, by ``custom_id``."""
        from openai.types.chat import ChatCompletion

        from eng5_np.localstack.llm_judge.openai import reply_from_completion

        batch = await self._sdk.batches.retrieve(batch_id)
        found: dict[str, ProviderReply | ProviderFailure] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            content = await self._sdk.files.content(file_id)
            for line in content.text.splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                response = item.get("response") or {}
                status = int(response.get("status_code") or 0)
                if status == 200 and isinstance(response.get("body"), dict):
                    completion = ChatCompletion.model_validate(response["body"])
                    found[item["custom_id"]] = reply_from_completion(completion, "json_schema")
                else:
                    error = item.get("error") or (response.get("body") or {}).get("error") or {}
                    message = str(error.get("message") or f"batch request failed ({status})")
                    found[item["custom_id"]] = failure_for_status(status or 500, message)
        return found


class AnthropicBatches:
    """:class:`BatchTransport` over the Anthropic SDK's Message Batches."""

    def __init__(self, client: Any) -> None:
        self._sdk = client.sdk

    async def submit(self, requests: Sequence[BatchRequest]) -> str:
        """``messages.batches.create``."""
        batch = await self._sdk.messages.batches.create(
            requests=[{"custom_id": r.custom_id, "params": r.body} for r in requests]
        )
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchStatus:
        """``messages.batches.retrieve``: done once ``ended``."""
        batch = await self._sdk.messages.batches.retrieve(batch_id)
        c = batch.request_counts
        finished = c.succeeded + c.errored + c.canceled + c.expired
        return BatchStatus(
            batch.processing_status == "ended",
            finished,
            finished + c.processing,
            str(batch.processing_status),
        )

    async def results(
        self, batch_id: str, custom_ids: Sequence[str]
    ) -> dict[str, ProviderReply | ProviderFailure]:
        """``messages.batches.results``: succeeded → the reply, errored → its failure."""
        from eng5_np.localstack.llm_judge.anthropic import reply_from_message

        found: dict[str, ProviderReply | ProviderFailure] = {}
        async for entry in await self._sdk.messages.batches.results(batch_id):
            result = entry.result
            if result.type == "succeeded":
                found[entry.custom_id] = reply_from_message(result.message)
            elif result.type == "errored":
                error = getattr(result.error, "error", None)
                message = str(getattr(error, "message", "") or "the batch request errored")
                found[entry.custom_id] = ProviderFailure(
                    "LLM_PROVIDER_SERVICE_ERROR", message, retryable=False
                )
        return found


class GeminiBatches:
    """:class:`BatchTransport` over the ``google-genai`` SDK's batch mode (inlined requests)."""

    def __init__(self, client: Any) -> None:
        self._sdk = client.sdk
        self._model = client.settings.model

    async def submit(self, requests: Sequence[BatchRequest]) -> str:
        """``aio.batches.create`` with one inlined request per comparison."""
        from google.genai import types

        inlined = [
            types.InlinedRequest(
                contents=r.body["contents"],
                config=r.body["config"],
                metadata={"key": r.custom_id},
            )
            for r in requests
        ]
        job = await self._sdk.aio.batches.create(
            model=self._model,
            src=inlined,
            config=types.CreateBatchJobConfig(display_name=f"eng5-{len(requests)}-comparisons"),
        )
        return str(job.name)

    async def poll(self, batch_id: str) -> BatchStatus:
        """``aio.batches.get``: done once succeeded, failed, cancelled or expired."""
        job = await self._sdk.aio.batches.get(name=batch_id)
        state = str(getattr(job.state, "value", job.state))
        responses = job.dest.inlined_responses if job.dest is not None else None
        return BatchStatus(state in GEMINI_DONE, len(responses or ()), 0, state)

    async def results(
        self, batch_id: str, custom_ids: Sequence[str]
    ) -> dict[str, ProviderReply | ProviderFailure]:
        """The inlined responses, by ``metadata.key`` (else by position): a response → the
        reply, an ``error`` → its failure."""
        from eng5_np.localstack.llm_judge.google import reply_from_response

        job = await self._sdk.aio.batches.get(name=batch_id)
        responses = (job.dest.inlined_responses if job.dest is not None else None) or []
        found: dict[str, ProviderReply | ProviderFailure] = {}
        for index, item in enumerate(responses):
            key = (item.metadata or {}).get("key")
            if key is None and index < len(custom_ids):
                key = custom_ids[index]
            if key is None:
                continue
            if item.response is not None:
                found[key] = reply_from_response(item.response)
            elif item.error is not None:
                message = str(item.error.message or "the batch request failed")
                found[key] = ProviderFailure(
                    "LLM_PROVIDER_SERVICE_ERROR",
                    f"{message} (status {item.error.code})",
                    retryable=False,
                )
        return found


def transport_for(client: ProviderClient) -> BatchTransport:
    """The batch API of ``client``'s provider (OpenAI itself, Anthropic or Google)."""
    settings = client.settings
    if settings.provider is LLMProviderType.GOOGLE:
        return GeminiBatches(client)
    if settings.provider is LLMProviderType.ANTHROPIC:
        return AnthropicBatches(client)
    if settings.provider is LLMProviderType.OPENAI and not settings.compatible:
        return OpenAIBatches(client)
    raise ValueError(f"no batch API for {settings.provider.value}")
