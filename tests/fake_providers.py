"""Fake LLM provider servers on 127.0.0.1 that speak the providers' real HTTP formats.

One aiohttp app per provider kind — ``anthropic`` (``POST /v1/messages``), ``openai`` (``POST
/v1/chat/completions``, OpenRouter's format too) and ``google`` (``POST
/v1beta/models/<model>:generateContent``) — checks the API key the way the provider does, records
every request (path, headers, JSON body) and answers from a script of :class:`Step`s; with the
script empty it answers as a judge that prefers the longer essay (so the right answer is known
in both A/B positions). Errors have each provider's error body, ``Retry-After`` when asked.

``cache_read_tokens``/``cache_write_tokens`` report that share of the prompt tokens as
cached in each provider's usage format (Anthropic ``cache_read_input_tokens`` /
``cache_creation_input_tokens``, counted apart from ``input_tokens``; OpenAI
``prompt_tokens_details.cached_tokens``, a share of ``prompt_tokens``). ``rejects`` makes an
OpenAI-format server answer 400 to a request whose ``response_format`` type it names, as an
Ollama that does not know ``json_schema`` does; ``plain_prose`` wraps an answer sent without a
``response_format`` in prose, as a local model asked only by the prompt may.

``latency_s`` delays every answer; ``max_per_second`` turns the server into a rate-limited
provider, limited the way Anthropic documents it: a token bucket of one second's worth,
refilled continuously; a request finding it empty gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from eng5_np.localstack.lifecycle import serve_app
from fake_batches import FakeBatches

Kind = Literal["anthropic", "openai", "google"]
ESSAY = re.compile(
    r"\*\*Essay ([AB]) \(ID: ([^)]+)\):\*\*\n(.*?)(?=\n\n\*\*Essay B|\n\nDecide)", re.S
)


@dataclass
class Step:
    """One scripted answer: a judgement, an HTTP error, a refusal, a malformed body, a delay."""

    action: Literal["answer", "error", "refuse", "malformed", "raw_answer"] = "answer"
    status: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0
    winner: str | None = None
    """None: the longer essay wins."""
    raw_text: str = ""
    """The answer text of ``raw_answer`` (e.g. naming an essay outside the pair)."""


@dataclass
class Seen:
    """A request the fake received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeProvider:
    """A started fake provider; use ``async with FakeProvider("anthropic", key) as fake``
    (key ``""``: a local server that checks no key)."""

    kind: Kind
    api_key: str
    latency_s: float = 0.0
    max_per_second: float | None = None
    prompt_tokens: int = 700
    completion_tokens: int = 80
    reasoning_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    rejects: frozenset[str] = frozenset()
    plain_prose: bool = False
    rejected: int = 0
    batch_polls_to_finish: int = 1
    batch_hold: bool = False
    batch_expired: int = 0
    batch_state: str | None = None
    batch_keys: bool = True
    batches: FakeBatches | None = None
    """The batch APIs' state (:mod:`fake_batches`), set when the server starts."""
    script: deque[Step] = field(default_factory=deque)
    requests: list[Seen] = field(default_factory=list)
    answered: int = 0
    rate_limited: int = 0
    _runner: web.AppRunner | None = None
    origin: str = ""
    _tokens: float | None = None
    _refilled_at: float = 0.0

    async def __aenter__(self) -> FakeProvider:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        self.batches = FakeBatches(self)
        self.batches.routes(app)
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner, self.origin = await serve_app(app, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What the provider's base-URL variable is set to."""
        return f"{self.origin}/v1" if self.kind == "openai" else self.origin

    def then(self, *steps: Step) -> FakeProvider:
        """Queue scripted steps (first in, first answered)."""
        self.script.extend(steps)
        return self

    # -- request handling -------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        if not self.api_key:  # a local server (Ollama, vLLM) that checks no key
            return True
        bearer = request.headers.get("Authorization", "")
        if self.kind == "anthropic":
            return self.api_key in (
                request.headers.get("x-api-key"),
                bearer.removeprefix("Bearer "),
            )
        if self.kind == "openai":
            return bearer == f"Bearer {self.api_key}"
        return self.api_key in (request.headers.get("x-goog-api-key"), request.query.get("key"))

    def _over_rate(self) -> bool:
        if self.max_per_second is None:
            return False
        now = time.monotonic()
        if self._tokens is None:
            self._tokens = self.max_per_second
        else:
            elapsed = now - self._refilled_at
            self._tokens = min(self.max_per_second, self._tokens + elapsed * self.max_per_second)
        self._refilled_at = now
        if self._tokens < 1:
            return True
        self._tokens -= 1
        return False

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(Seen(request.path, dict(request.headers), body))
        if not self._authorised(request):
            return self._error(401, "invalid x-api-key", None)
        if self._over_rate():
            self.rate_limited += 1
            return self._error(429, "rate limit exceeded", "1")
        if self.kind == "openai" and self._rejected_format(body):
            self.rejected += 1
            return web.json_response(
                {
                    "error": {
                        "message": "invalid response_format type",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
                status=400,
            )
        step = self.script.popleft() if self.script else Step()
        if self.latency_s or step.delay_s:
            await asyncio.sleep(self.latency_s + step.delay_s)
        if step.action == "error":
            return self._error(step.status, f"scripted {step.status}", step.retry_after)
        self.answered += 1
        prompt = _prompt_text(self.kind, body)
        if step.action == "refuse":
            return web.json_response(self._refusal(body))
        if step.action == "malformed":
            return web.json_response(self._answer(body, "{'winner': Essay A,,", as_tool=False))
        if step.action == "raw_answer":
            return web.json_response(self._answer(body, step.raw_text, as_tool=False))
        winner = step.winner or _longer(prompt)
        answer = {
            "winner": winner,
            "justification": f"  {winner} develops its argument more fully.  ",
            "confidence": 4,
        }
        text = json.dumps(answer)
        if self.plain_prose and "response_format" not in body:
            text = f"Having read both essays, here is my verdict:\n{text}\nThank you."
        return web.json_response(self._answer(body, text, as_tool=True))

    def _rejected_format(self, body: dict[str, Any]) -> bool:
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        return kind in self.rejects

    def _error(self, status: int, message: str, retry_after: str | None) -> web.Response:
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        if self.kind == "anthropic":
            kinds = {401: "authentication_error", 429: "rate_limit_error", 529: "overloaded_error"}
            payload: dict[str, Any] = {
                "type": "error",
                "error": {"type": kinds.get(status, "api_error"), "message": message},
            }
        elif self.kind == "openai":
            payload = {"error": {"message": message, "type": "server_error", "code": None}}
        else:
            statuses = {401: "UNAUTHENTICATED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}
            payload = {
                "error": {"code": status, "message": message, "status": statuses.get(status, "X")}
            }
        return web.json_response(payload, status=status, headers=headers)

    def _usage(self) -> tuple[int, int, int]:
        return self.prompt_tokens, self.completion_tokens, self.reasoning_tokens

    def _answer(self, body: dict[str, Any], text: str, *, as_tool: bool) -> dict[str, Any]:
        prompt, completion, reasoning = self._usage()
        model = body.get("model", "")
        if self.kind == "anthropic":
            content: list[dict[str, Any]] = []
            if "thinking" in body:
                content.append({"type": "thinking", "thinking": "Weighing both.", "signature": "s"})
            if as_tool:
                content.append(
                    {
                        "type": "tool_use",
                        "id": f"toolu_{uuid.uuid4().hex[:12]}",
                        "name": body["tools"][0]["name"],
                        "input": json.loads(text),
                    }
                )
            else:
                content.append({"type": "text", "text": text})
            return {
                "id": f"msg_{uuid.uuid4().hex[:12]}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": "tool_use" if as_tool else "end_turn",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": prompt - self.cache_read_tokens - self.cache_write_tokens,
                    "cache_read_input_tokens": self.cache_read_tokens,
                    "cache_creation_input_tokens": self.cache_write_tokens,
                    "output_tokens": completion,
                    "output_tokens_details": {"thinking_tokens": reasoning},
                },
            }
        if self.kind == "openai":
            reply = _chat_completion(model, text, None, prompt, completion, reasoning)
            reply["usage"]["prompt_tokens_details"] = {"cached_tokens": self.cache_read_tokens}
            return reply
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt,
                "candidatesTokenCount": completion,
                "thoughtsTokenCount": reasoning,
                "totalTokenCount": prompt + completion + reasoning,
            },
            "modelVersion": model.split("/")[-1] if model else "",
        }

    def _refusal(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = self.prompt_tokens
        model = body.get("model", "")
        if self.kind == "anthropic":
            return {
                "id": f"msg_{uuid.uuid4().hex[:12]}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": "I can't help with that."}],
                "stop_reason": "refusal",
                "stop_sequence": None,
                "usage": {"input_tokens": prompt, "output_tokens": 9},
            }
        if self.kind == "openai":
            return _chat_completion(model, None, "I can't help with that.", prompt, 9, 0)
        return {
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt},
        }


def judgement(provider: FakeProvider, body: dict[str, Any]) -> dict[str, Any]:
    """The live endpoint's successful answer to ``body`` (the longer essay wins, or the next
    scripted step's winner); what a batch result holds."""
    step = provider.script.popleft() if provider.script else Step()
    winner = step.winner or _longer(_prompt_text(provider.kind, body))
    answer = {
        "winner": winner,
        "justification": f"  {winner} develops its argument more fully.  ",
        "confidence": 4,
    }
    return provider._answer(body, json.dumps(answer), as_tool=True)


def _chat_completion(
    model: str, text: str | None, refusal: str | None, prompt: int, completion: int, reasoning: int
) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": refusal},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    }


def _prompt_text(kind: Kind, body: dict[str, Any]) -> str:
    """The user message of a request, whatever the provider's format."""
    if kind == "anthropic":
        content = body["messages"][0]["content"]
        if isinstance(content, str):
            return content
        return "\n\n".join(block["text"] for block in content if block.get("type") == "text")
    if kind == "openai":
        return str(body["messages"][-1]["content"])
    return str(body["contents"][0]["parts"][0]["text"])


def essays_in(prompt: str) -> dict[str, tuple[str, str]]:
    """``{"A": (wire id, text), "B": (…)}`` as the prompt shows them."""
    return {m.group(1): (m.group(2), m.group(3)) for m in ESSAY.finditer(prompt)}


def _longer(prompt: str) -> str:
    essays = essays_in(prompt)
    return "Essay A" if len(essays["A"][1]) >= len(essays["B"][1]) else "Essay B"


def prompt_of(kind: Kind, seen: Seen) -> str:
    """The user message of a recorded request."""
    return _prompt_text(kind, seen.body)
