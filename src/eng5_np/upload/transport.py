"""HTTP to the Content Service (SPEC §4.8): one POST with retries, and a reachability check.

5xx answers, timeouts and connection errors are retried with exponential backoff and full
jitter; 4xx answers are final. When the service answers nothing at all — a text went through
its whole retry cycle without anyone getting an answer, or ``concurrency × min(attempts, 4)``
tries in a row got none — the service is down rather than a text being bad, and
:class:`ContentServicePoster` raises :class:`ContentServiceUnavailable` so the caller does not
wait out the same cycle for every other text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time

import aiohttp
import yarl

from eng5_np.errors import ContentServiceUnavailable
from eng5_np.primitives.redaction import redact_text, redact_url
from eng5_np.upload.retry import RetryPolicy

__all__ = ["ContentServicePoster", "TextUploadFailed", "check_reachable"]

ERROR_TEXT_MAX_CHARS = 200
RESPONSE_READ_LIMIT_BYTES = 64 * 1024
CORRELATION_HEADER = "X-Correlation-ID"
SILENT_CYCLE_ATTEMPTS = 4
"""Tries per concurrent slot that may go unanswered in a row before the service counts as
down (a 30%-failing service answers far more often than that)."""


class TextUploadFailed(Exception):
    """One text could not be uploaded; ``reason`` is the line shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def check_reachable(url: str, timeout_s: float = 3.0) -> None:
    """Connect to the URL's host and port over TCP, or raise within ``timeout_s``."""
    shown = redact_url(url)
    try:
        parsed = yarl.URL(url)
    except (TypeError, ValueError) as error:
        raise ContentServiceUnavailable(
            f"Content Service URL {shown!r} is invalid: {redact_text(str(error))}"
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.port is None:
        raise ContentServiceUnavailable(f"Content Service URL {shown!r} is not an http(s) URL")
    try:
        async with asyncio.timeout(timeout_s):
            _reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
    except TimeoutError:
        raise ContentServiceUnavailable(
            f"Content Service at {shown} did not accept a connection within {timeout_s:g} s"
        ) from None
    except OSError as error:
        raise ContentServiceUnavailable(
            f"Content Service at {shown} cannot be reached: {error.strerror or error}"
        ) from None
    writer.close()
    # The connection was made; how it ends does not matter.
    with contextlib.suppress(OSError):
        await writer.wait_closed()


class ContentServicePoster:
    """POSTs texts with retries through one session; knows when the service last answered."""

    def __init__(
        self,
        *,
        url: str,
        session: aiohttp.ClientSession,
        semaphore: asyncio.Semaphore,
        retry: RetryPolicy,
        concurrency: int,
        correlation_id: str | None,
    ) -> None:
        self._url = url
        self._session = session
        self._semaphore = semaphore
        self._retry = retry
        self._rng = random.Random()
        self._timeout = aiohttp.ClientTimeout(
            total=retry.request_timeout_s, sock_connect=retry.connect_timeout_s
        )
        self._headers = {"Content-Type": "application/octet-stream"}
        if correlation_id:
            self._headers[CORRELATION_HEADER] = correlation_id
        self._last_answer_at = float("-inf")
        # Tries wait FIFO on the semaphore, so a text's retries queue behind other texts'
        # first tries; this count notices a silent service after about one retry cycle of
        # wall time however many texts are queued.
        self._unanswered_in_a_row = 0
        # Capped: a generous retry budget for a flaky service must not make a dead one take
        # many times longer to recognise.
        self._unanswered_limit = concurrency * min(retry.attempts, SILENT_CYCLE_ATTEMPTS)
        self.posts = 0

    async def post(self, body: bytes) -> str:
        """The storage id for ``body``, or ``TextUploadFailed`` / ``ContentServiceUnavailable``."""
        first_try_at: float | None = None
        reason = "not attempted"
        for attempt in range(1, self._retry.attempts + 1):
            async with self._semaphore:
                if first_try_at is None:
                    first_try_at = time.monotonic()
                status, reason_or_id = await self._try_once(body)
            if status == 201:
                return reason_or_id
            reason = reason_or_id
            if 400 <= status < 500:
                raise TextUploadFailed(reason)
            if self._unanswered_in_a_row >= self._unanswered_limit:
                raise self._unavailable(reason)
            if attempt < self._retry.attempts:
                await asyncio.sleep(self._retry.backoff_s(attempt, self._rng))
        if first_try_at is not None and self._last_answer_at < first_try_at:
            # Nothing answered anyone for a whole retry cycle: the service is down, and
            # every other text would only wait out the same cycle.
            raise self._unavailable(reason)
        raise TextUploadFailed(f"{reason} after {self._retry.attempts} attempts")

    def _unavailable(self, reason: str) -> ContentServiceUnavailable:
        return ContentServiceUnavailable(
            f"Content Service at {redact_url(self._url)} is not answering: {reason} "
            f"(no answer to the last {self._unanswered_in_a_row} requests)"
        )

    async def _try_once(self, body: bytes) -> tuple[int, str]:
        """``(201, storage_id)``, ``(4xx, reason)``, or ``(0 | 5xx, reason)`` when worth a retry."""
        self.posts += 1
        self._unanswered_in_a_row += 1  # reset as soon as an answer arrives
        try:
            async with self._session.post(
                self._url, data=body, headers=self._headers, timeout=self._timeout
            ) as response:
                self._last_answer_at = time.monotonic()
                self._unanswered_in_a_row = 0
                answer = await _read_capped(response, RESPONSE_READ_LIMIT_BYTES)
                status = response.status
        except TimeoutError:
            return 0, f"no answer within {self._retry.request_timeout_s:g} s"
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, ConnectionRefusedError):
                return 0, "connection refused"
            return 0, f"cannot connect ({error.os_error.strerror or error.os_error})"
        except aiohttp.ClientError as error:
            detail = redact_text(_one_line(str(error)))
            return 0, f"{type(error).__name__}: {detail}".rstrip(": ")
        if status == 201:
            return _parse_created(answer)
        return status, f"HTTP {status} from Content Service: {_error_text(answer)}"


def _parse_created(answer: bytes) -> tuple[int, str]:
    """``(201, storage_id)`` from a 201 body, or ``(400, reason)``: a bad 201 is not retried."""
    try:
        document = json.loads(answer)
    except ValueError:
        return 400, f"HTTP 201 from Content Service without JSON: {_error_text(answer)}"
    storage_id = document.get("storage_id") if isinstance(document, dict) else None
    if not isinstance(storage_id, str) or not storage_id.strip():
        return 400, f"HTTP 201 from Content Service without a storage_id: {_error_text(answer)}"
    return 201, storage_id


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most ``limit`` bytes of the body: a misbehaving server cannot fill the memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(limit):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error_text(answer: bytes) -> str:
    """The service's error message (its JSON ``error`` if any), on one line, truncated."""
    text = answer.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("error"), str):
        text = document["error"]
    text = _one_line(text) or "(empty body)"
    if len(text) > ERROR_TEXT_MAX_CHARS:
        text = text[: ERROR_TEXT_MAX_CHARS - 1] + "…"
    return text
