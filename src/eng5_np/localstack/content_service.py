"""A local Content Service (SPEC §4.8): store raw bytes, hand back a storage id.

Routes, with the base path ``/v1/content`` by default:

- ``POST <base>`` raw bytes → ``201 {"storage_id": <uuid4 hex>, "correlation_id": <str>}``.
  Every upload gets a new id, also for identical bytes (the platform does not
  deduplicate). The correlation id echoes the ``X-Correlation-ID`` header or is new.
  Empty body → 400; body over ``max_body_bytes`` → 413; both as JSON errors.
- ``GET <base>/<storage_id>`` → ``200`` raw bytes (``application/octet-stream``) or
  ``404 {"error": ..., "storage_id": ...}``.
- ``GET /healthz`` → ``200 {"status": "ok", "stored": <count>}``.

For tests of the runner's upload retries the app takes explicit :class:`ContentFaults`
(fail the next N POSTs with 503, delay every POST, reject bodies with a marker) and
counts requests in :class:`ContentStats`, including the peak number of POSTs in flight.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from eng5_np.localstack.lifecycle import AsyncService, serve_app

__all__ = [
    "DEFAULT_BASE_PATH",
    "DEFAULT_MAX_BODY_BYTES",
    "ContentFaults",
    "ContentServiceServer",
    "ContentStats",
    "ContentStore",
    "create_app",
]

DEFAULT_BASE_PATH = "/v1/content"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
HEALTH_PATH = "/healthz"
CORRELATION_HEADER = "X-Correlation-ID"
READ_CHUNK_BYTES = 64 * 1024
SHUTDOWN_TIMEOUT_S = 2.0
# Storage ids are uuid4 hex; anything else cannot exist, and never becomes a file path.
_STORAGE_ID = re.compile(r"[0-9a-f]{32}")


class ContentStore:
    """Stored contents by storage id: in memory, or as files in ``directory`` if given."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._memory: dict[str, bytes] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def put(self, content: bytes) -> str:
        """Store ``content`` under a new storage id and return the id."""
        storage_id = uuid.uuid4().hex
        if self._directory is not None:
            (self._directory / storage_id).write_bytes(content)
        else:
            self._memory[storage_id] = content
        return storage_id

    def get(self, storage_id: str) -> bytes | None:
        """The content stored under ``storage_id``, or None if there is none."""
        if not _STORAGE_ID.fullmatch(storage_id):
            return None
        if self._directory is None:
            return self._memory.get(storage_id)
        path = self._directory / storage_id
        return path.read_bytes() if path.is_file() else None

    def __len__(self) -> int:
        if self._directory is None:
            return len(self._memory)
        return sum(1 for path in self._directory.iterdir() if _STORAGE_ID.fullmatch(path.name))


@dataclass
class ContentFaults:
    """Faults injected into POSTs; tests change the fields while the server runs."""

    fail_next_posts: int = 0
    """The next N otherwise valid POSTs answer 503 (counts down)."""
    post_delay_s: float = 0.0
    """Every POST waits this long before answering (makes concurrency observable)."""
    reject_marker: bytes | None = None
    """Bodies containing these bytes answer 400."""


@dataclass
class ContentStats:
    """Request counters that tests read."""

    posts_received: int = 0
    posts_stored: int = 0
    posts_failed_injected: int = 0
    gets_received: int = 0
    posts_in_flight: int = 0
    peak_posts_in_flight: int = 0


class _BodyTooLarge(Exception):
    pass


STORE_KEY = web.AppKey("content_store", ContentStore)
FAULTS_KEY = web.AppKey("content_faults", ContentFaults)
STATS_KEY = web.AppKey("content_stats", ContentStats)
MAX_BODY_KEY = web.AppKey("content_max_body_bytes", int)


def _error(status: int, message: str, **extra: str | int) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def _read_body(request: web.Request, limit: int) -> bytes:
    """Read the body in chunks, refusing (before reading it all) anything over ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _handle_post(request: web.Request) -> web.Response:
    stats = request.app[STATS_KEY]
    faults = request.app[FAULTS_KEY]
    stats.posts_received += 1
    stats.posts_in_flight += 1
    stats.peak_posts_in_flight = max(stats.peak_posts_in_flight, stats.posts_in_flight)
    try:
        if faults.post_delay_s > 0:
            await asyncio.sleep(faults.post_delay_s)
        return await _store_upload(request, faults, stats)
    finally:
        stats.posts_in_flight -= 1


async def _store_upload(
    request: web.Request, faults: ContentFaults, stats: ContentStats
) -> web.Response:
    limit = request.app[MAX_BODY_KEY]
    try:
        body = await _read_body(request, limit)
    except _BodyTooLarge:
        return _error(413, f"content exceeds the maximum of {limit} bytes", max_bytes=limit)
    if not body:
        return _error(400, "empty content")
    if faults.reject_marker is not None and faults.reject_marker in body:
        return _error(400, "content rejected (injected fault)")
    if faults.fail_next_posts > 0:
        faults.fail_next_posts -= 1
        stats.posts_failed_injected += 1
        return _error(503, "service unavailable (injected fault)")
    storage_id = request.app[STORE_KEY].put(body)
    stats.posts_stored += 1
    correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
    return web.json_response(
        {"storage_id": storage_id, "correlation_id": correlation_id}, status=201
    )


async def _handle_get(request: web.Request) -> web.Response:
    request.app[STATS_KEY].gets_received += 1
    storage_id = request.match_info["storage_id"]
    content = request.app[STORE_KEY].get(storage_id)
    if content is None:
        return _error(404, "content not found", storage_id=storage_id)
    return web.Response(body=content, content_type="application/octet-stream")


async def _handle_health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "stored": len(request.app[STORE_KEY])})


def create_app(
    store: ContentStore,
    *,
    base_path: str = DEFAULT_BASE_PATH,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    faults: ContentFaults | None = None,
    stats: ContentStats | None = None,
) -> web.Application:
    """The Content Service as an aiohttp application over ``store``."""
    base = "/" + base_path.strip("/")
    # aiohttp's own limit (default 1 MiB) would answer 413 as plain text first.
    app = web.Application(client_max_size=max_body_bytes + 1)
    app[STORE_KEY] = store
    app[FAULTS_KEY] = faults if faults is not None else ContentFaults()
    app[STATS_KEY] = stats if stats is not None else ContentStats()
    app[MAX_BODY_KEY] = max_body_bytes
    app.router.add_post(base, _handle_post)
    app.router.add_get(base + "/{storage_id}", _handle_get)
    app.router.add_get(HEALTH_PATH, _handle_health)
    return app


class ContentServiceServer(AsyncService):
    """Runs :func:`create_app` on a loopback port; ``async with`` starts and stops it."""

    def __init__(
        self,
        store: ContentStore | None = None,
        *,
        base_path: str = DEFAULT_BASE_PATH,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        faults: ContentFaults | None = None,
    ) -> None:
        self.store = store if store is not None else ContentStore()
        self.faults = faults if faults is not None else ContentFaults()
        self.stats = ContentStats()
        self._base_path = "/" + base_path.strip("/")
        self._app = create_app(
            self.store,
            base_path=self._base_path,
            max_body_bytes=max_body_bytes,
            faults=self.faults,
            stats=self.stats,
        )
        self._runner: web.AppRunner | None = None
        self._origin: str | None = None

    @property
    def origin(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._origin is None:
            raise RuntimeError("the content service is not running")
        return self._origin

    @property
    def url(self) -> str:
        """The upload URL (``POST`` here, ``GET`` ``<url>/<storage_id>``)."""
        return self.origin + self._base_path

    @property
    def health_url(self) -> str:
        """The ``/healthz`` URL."""
        return self.origin + HEALTH_PATH

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one)."""
        if self._runner is not None:
            raise RuntimeError("the content service is already started")
        self._runner, self._origin = await serve_app(
            self._app, host, port, shutdown_timeout_s=SHUTDOWN_TIMEOUT_S
        )

    async def stop(self) -> None:
        """Stop listening and close connections; idempotent."""
        runner, self._runner, self._origin = self._runner, None, None
        if runner is not None:
            await runner.cleanup()
