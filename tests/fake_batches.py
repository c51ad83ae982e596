"""The providers' batch APIs on a fake provider (issue 18, SPEC §13.1), added to every
:class:`~fake_providers.FakeProvider`:

- ``openai``: ``POST /v1/files`` (multipart, purpose ``batch``, a JSONL file of requests with
  ``custom_id``), ``POST /v1/batches``, ``GET /v1/batches/{id}`` and
  ``GET /v1/files/{id}/content`` (the output file: one line per request, keyed by
  ``custom_id``);
- ``anthropic``: ``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}`` and its
  ``results_url`` (JSONL: per ``custom_id`` a ``succeeded`` / ``errored`` / ``expired`` result);
- ``google``: ``POST /v1beta/models/{model}:batchGenerateContent`` (or ``/v1/``), body
  ``{"batch": {"displayName", "inputConfig": {"requests": {"requests": [{"request",
  "metadata": {"key"}}]}}}}``, answered by the batch operation ``{"name": "batches/…",
  "metadata": {GenerateContentBatch}}``; and ``GET /v1beta/batches/{id}`` (the operation;
  once done ``metadata.output.inlinedResponses`` holds one ``{"response" | "error",
  "metadata"}`` per request, in the requests' order).

A batch stays in progress until it has been polled ``batch_polls_to_finish`` times and
``batch_hold`` is off; then every request is answered as the live endpoint would (the longer
essay wins), except the last ``batch_expired`` ones, which expire (Gemini: an ``error`` with code 4,
``DEADLINE_EXCEEDED``); ``batch_state`` makes a Gemini batch end ``FAILED`` or ``EXPIRED``
instead, without output, and ``batch_keys`` off leaves each Gemini response's ``metadata``
out (users report the service doing so; the responses still come in the requests' order).
``submissions`` counts batches created: a resumed run must not add one.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from fake_providers import FakeProvider


@dataclass
class FakeBatch:
    """One submitted batch."""

    batch_id: str
    requests: list[dict[str, Any]]
    """Each ``{"custom_id": …, "body": …}``."""
    input_file_id: str = ""
    model: str = ""
    """Gemini: the ``models/…`` the batch was created for."""
    polls: int = 0
    results: list[dict[str, Any]] | None = None


@dataclass
class FakeBatches:
    """The batch routes' state on one fake provider."""

    provider: FakeProvider
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, FakeBatch] = field(default_factory=dict)
    submissions: int = 0
    polls: int = 0

    def routes(self, app: web.Application) -> None:
        """Add the batch routes (before the live endpoint's catch-all)."""
        if self.provider.kind == "openai":
            app.router.add_post("/v1/files", self._upload)
            app.router.add_post("/v1/batches", self._create_openai)
            app.router.add_get("/v1/batches/{id}", self._retrieve_openai)
            app.router.add_get("/v1/files/{id}/content", self._content)
        elif self.provider.kind == "anthropic":
            app.router.add_post("/v1/messages/batches", self._create_anthropic)
            app.router.add_get("/v1/messages/batches/{id}", self._retrieve_anthropic)
            app.router.add_get("/v1/messages/batches/{id}/results", self._results_anthropic)
        else:
            # The SDK's default API version (``v1`` in google-genai 3.x, ``v1beta`` before).
            version = "{version:v1(?:beta)?}"
            app.router.add_post(
                f"/{version}/models/{{model}}:batchGenerateContent", self._create_gemini
            )
            app.router.add_get(f"/{version}/batches/{{id}}", self._get_gemini)

    # -- shared ---------------------------------------------------------------------------

    def _poll(self, batch: FakeBatch) -> bool:
        """Count a poll; True once the batch has finished."""
        self.polls += 1
        batch.polls += 1
        provider = self.provider
        ready = batch.polls >= provider.batch_polls_to_finish and not provider.batch_hold
        if batch.results is None and ready:
            batch.results = self._answers(batch)
        return batch.results is not None

    def _answers(self, batch: FakeBatch) -> list[dict[str, Any]]:
        from fake_providers import judgement

        provider = self.provider
        cut = len(batch.requests) - provider.batch_expired
        answers = []
        for index, item in enumerate(batch.requests):
            expired = index >= cut
            answers.append(
                {
                    "custom_id": item["custom_id"],
                    "expired": expired,
                    "body": None if expired else judgement(provider, item["body"]),
                }
            )
            if not expired:
                provider.answered += 1
        return answers

    def _authorised(self, request: web.Request) -> web.Response | None:
        if self.provider._authorised(request):
            return None
        return self.provider._error(401, "invalid api key", None)

    # -- OpenAI -----------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        form = await request.post()
        upload = form["file"]
        assert form["purpose"] == "batch"
        content = upload.file.read() if hasattr(upload, "file") else bytes(str(upload), "utf-8")
        file_id = f"file-{uuid.uuid4().hex[:12]}"
        self.files[file_id] = content
        return web.json_response(
            {
                "id": file_id,
                "object": "file",
                "bytes": len(content),
                "created_at": int(time.time()),
                "filename": getattr(upload, "filename", "batch.jsonl"),
                "purpose": "batch",
                "status": "processed",
            }
        )

    async def _create_openai(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        body = await request.json()
        assert body["endpoint"] == "/v1/chat/completions"
        assert body["completion_window"] == "24h"
        lines = self.files[body["input_file_id"]].decode().splitlines()
        requests = []
        for line in lines:
            item = json.loads(line)
            assert item["method"] == "POST"
            assert item["url"] == "/v1/chat/completions"
            requests.append({"custom_id": item["custom_id"], "body": item["body"]})
        batch = FakeBatch(f"batch_{uuid.uuid4().hex[:12]}", requests, body["input_file_id"])
        self.batches[batch.batch_id] = batch
        self.submissions += 1
        return web.json_response(self._openai_batch(batch, "validating"))

    def _openai_batch(self, batch: FakeBatch, status: str) -> dict[str, Any]:
        done = batch.results is not None
        completed = sum(1 for r in batch.results or () if not r["expired"])
        return {
            "id": batch.batch_id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": status,
            "created_at": int(time.time()),
            "output_file_id": f"file-out-{batch.batch_id}" if done else None,
            "error_file_id": None,
            "request_counts": {
                "total": len(batch.requests),
                "completed": completed,
                "failed": 0,
            },
        }

    async def _retrieve_openai(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        batch = self.batches[request.match_info["id"]]
        done = self._poll(batch)
        expired = done and self.provider.batch_expired > 0
        status = ("expired" if expired else "completed") if done else "in_progress"
        return web.json_response(self._openai_batch(batch, status))

    async def _content(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        batch_id = request.match_info["id"].removeprefix("file-out-")
        batch = self.batches[batch_id]
        lines = [
            json.dumps(
                {
                    "id": f"batch_req_{uuid.uuid4().hex[:8]}",
                    "custom_id": result["custom_id"],
                    "response": {
                        "status_code": 200,
                        "request_id": uuid.uuid4().hex,
                        "body": result["body"],
                    },
                    "error": None,
                }
            )
            for result in batch.results or ()
            if not result["expired"]  # an expired request has no line in the output file
        ]
        return web.Response(body="\n".join(lines) + "\n", content_type="application/jsonl")

    # -- Anthropic --------------------------------------------------------------------------

    async def _create_anthropic(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        body = await request.json()
        requests = [{"custom_id": r["custom_id"], "body": r["params"]} for r in body["requests"]]
        batch = FakeBatch(f"msgbatch_{uuid.uuid4().hex[:12]}", requests)
        self.batches[batch.batch_id] = batch
        self.submissions += 1
        return web.json_response(self._anthropic_batch(batch))

    def _anthropic_batch(self, batch: FakeBatch) -> dict[str, Any]:
        now = datetime.now(UTC)
        done = batch.results is not None
        expired = sum(1 for r in batch.results or () if r["expired"])
        return {
            "id": batch.batch_id,
            "type": "message_batch",
            "processing_status": "ended" if done else "in_progress",
            "request_counts": {
                "processing": 0 if done else len(batch.requests),
                "succeeded": len(batch.requests) - expired if done else 0,
                "errored": 0,
                "canceled": 0,
                "expired": expired,
            },
            "created_at": now.isoformat(),
            "expires_at": (now + timedelta(hours=24)).isoformat(),
            "ended_at": now.isoformat() if done else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": (
                f"{self.provider.origin}/v1/messages/batches/{batch.batch_id}/results"
                if done
                else None
            ),
        }

    async def _retrieve_anthropic(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        batch = self.batches[request.match_info["id"]]
        self._poll(batch)
        return web.json_response(self._anthropic_batch(batch))

    async def _results_anthropic(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        batch = self.batches[request.match_info["id"]]
        lines = [
            json.dumps(
                {
                    "custom_id": result["custom_id"],
                    "result": (
                        {"type": "expired"}
                        if result["expired"]
                        else {"type": "succeeded", "message": result["body"]}
                    ),
                }
            )
            for result in batch.results or ()
        ]
        return web.Response(body="\n".join(lines) + "\n", content_type="application/binary")

    # -- Gemini -----------------------------------------------------------------------------

    async def _create_gemini(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        body = (await request.json())["batch"]
        assert body["displayName"]
        model = f"models/{request.match_info['model']}"
        requests = [
            {
                "custom_id": (r.get("metadata") or {}).get("key"),
                "body": {"model": model, **r["request"]},
            }
            for r in body["inputConfig"]["requests"]["requests"]
        ]
        batch = FakeBatch(f"batches/{uuid.uuid4().hex[:12]}", requests, model=model)
        self.batches[batch.batch_id] = batch
        self.submissions += 1
        return web.json_response(self._gemini_operation(batch, body["displayName"]))

    def _gemini_operation(self, batch: FakeBatch, name: str = "eng5") -> dict[str, Any]:
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        done = batch.results is not None
        ended = self.provider.batch_state
        state = (ended or "BATCH_STATE_SUCCEEDED") if done else "BATCH_STATE_RUNNING"
        failed = sum(1 for r in batch.results or () if r["expired"])
        metadata: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "model": batch.model,
            "displayName": name,
            "state": state,
            "createTime": now,
            "updateTime": now,
            "batchStats": {
                "requestCount": str(len(batch.requests)),
                "successfulRequestCount": str(len(batch.requests) - failed if done else 0),
                "failedRequestCount": str(failed),
                "pendingRequestCount": str(0 if done else len(batch.requests)),
            },
        }
        operation: dict[str, Any] = {"name": batch.batch_id, "metadata": metadata}
        if done:
            metadata["endTime"] = now
            operation["done"] = True
            if ended is None:
                keys = self.provider.batch_keys
                responses = [
                    ({"metadata": {"key": r["custom_id"]}} if keys else {})
                    | (
                        {"error": {"code": 4, "message": "Deadline exceeded."}}
                        if r["expired"]
                        else {"response": r["body"]}
                    )
                    for r in batch.results or ()
                ]
                metadata["output"] = {"inlinedResponses": {"inlinedResponses": responses}}
                operation["response"] = {
                    "@type": "type.googleapis.com/google.ai.generativelanguage.v1main."
                    "GenerateContentBatchOutput",
                    **metadata["output"],
                }
            else:
                operation["error"] = {"code": 4, "message": f"the batch ended {ended}"}
        return operation

    async def _get_gemini(self, request: web.Request) -> web.Response:
        if (refused := self._authorised(request)) is not None:
            return refused
        batch = self.batches[f"batches/{request.match_info['id']}"]
        self._poll(batch)
        return web.json_response(self._gemini_operation(batch))
