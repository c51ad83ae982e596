"""Uploads against a real Content Service on 127.0.0.1 (SPEC §4.8, §5.3)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from structlog.testing import capture_logs

from eng5_np.errors import ContentServiceUnavailable
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.upload import (
    RetryPolicy,
    UploadCache,
    UploadItem,
    UploadProgress,
    check_reachable,
    upload_texts,
)
from eng5_np.upload.client import CACHE_SAVE_EVERY_UPLOADS

pytestmark = pytest.mark.integration

FAST_RETRY = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05, request_timeout_s=5.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def essays(count: int, prefix: str = "essay") -> list[UploadItem]:
    """``count`` distinct essays labelled like dataset files."""
    return [
        UploadItem.from_text(f"student_essays/{prefix}_{n:02d}.txt", f"{prefix} {n}: Året var…")
        for n in range(count)
    ]


def closed_port_url() -> str:
    """A loopback URL on a port nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/content"


@contextlib.asynccontextmanager
async def scripted_service(handler: Handler) -> AsyncIterator[str]:
    """A loopback HTTP server answering POST /v1/content with ``handler``; yields the URL."""
    app = web.Application()
    app.router.add_post("/v1/content", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/v1/content"
    finally:
        await runner.cleanup()


async def test_uploads_raw_utf8_and_returns_every_storage_id(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    items = essays(5)
    cache = UploadCache(tmp_path, content_service.url)
    outcome = await upload_texts(items, url=content_service.url, concurrency=3, cache=cache)

    assert (outcome.uploaded, outcome.from_cache, outcome.deduplicated) == (5, 0, 0)
    assert outcome.failures == []
    assert set(outcome.storage_ids) == {item.checksum for item in items}
    for item in items:
        assert content_service.store.get(outcome.storage_ids[item.checksum]) == (
            item.text.encode("utf-8")
        )
    assert content_service.stats.posts_received == 5


async def test_posts_octet_stream_with_the_correlation_id() -> None:
    seen: list[tuple[str, bytes, str | None]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(
            (request.content_type, await request.read(), request.headers.get("X-Correlation-ID"))
        )
        return web.json_response({"storage_id": "abc", "correlation_id": "c"}, status=201)

    item = UploadItem.from_text("anchor_essays/a.txt", "Smörgåsbord ✓")
    async with scripted_service(record) as url:
        outcome = await upload_texts(
            [item], url=url, concurrency=1, cache=None, correlation_id="run-42"
        )
    assert outcome.storage_ids == {item.checksum: "abc"}
    assert seen == [("application/octet-stream", "Smörgåsbord ✓".encode(), "run-42")]


async def test_semaphore_bounds_posts_in_flight_exactly(
    content_service: ContentServiceServer,
) -> None:
    concurrency = 4
    content_service.faults.post_delay_s = 0.15
    outcome = await upload_texts(
        essays(3 * concurrency), url=content_service.url, concurrency=concurrency, cache=None
    )
    assert outcome.uploaded == 3 * concurrency
    assert content_service.stats.peak_posts_in_flight == concurrency


async def test_a_session_passed_in_is_used_and_left_open(
    content_service: ContentServiceServer,
) -> None:
    connector = aiohttp.TCPConnector(limit=8)
    async with aiohttp.ClientSession(connector=connector) as session:
        outcome = await upload_texts(
            essays(3), url=content_service.url, concurrency=2, cache=None, session=session
        )
        assert not session.closed
    assert outcome.uploaded == 3


async def test_identical_texts_are_uploaded_once(content_service: ContentServiceServer) -> None:
    first = UploadItem.from_text("student_essays/a.txt", "same words")
    twin = UploadItem.from_text("student_essays/b.docx", "same words")
    other = UploadItem.from_text("student_essays/c.txt", "other words")
    outcome = await upload_texts(
        [first, twin, other], url=content_service.url, concurrency=2, cache=None
    )
    assert (outcome.uploaded, outcome.deduplicated) == (2, 1)
    assert content_service.stats.posts_received == 2
    assert set(outcome.storage_ids) == {first.checksum, other.checksum}


async def test_second_run_with_the_cache_uploads_nothing(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    items = essays(6)
    first = await upload_texts(
        items,
        url=content_service.url,
        concurrency=3,
        cache=UploadCache(tmp_path, content_service.url),
    )
    posts_after_first = content_service.stats.posts_received

    second = await upload_texts(
        items,
        url=content_service.url,
        concurrency=3,
        cache=UploadCache(tmp_path, content_service.url),  # a new run reads the file
    )
    assert content_service.stats.posts_received == posts_after_first == 6
    assert (second.uploaded, second.from_cache) == (0, 6)
    assert second.storage_ids == first.storage_ids


async def test_force_reupload_ignores_hits_but_records_new_ids(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    items = essays(3)
    first = await upload_texts(
        items,
        url=content_service.url,
        concurrency=3,
        cache=UploadCache(tmp_path, content_service.url),
    )
    forced = await upload_texts(
        items,
        url=content_service.url,
        concurrency=3,
        cache=UploadCache(tmp_path, content_service.url),
        force_reupload=True,
    )
    assert (forced.uploaded, forced.from_cache) == (3, 0)
    assert content_service.stats.posts_received == 6
    # The platform gives new ids to every upload; the cache now holds the new ones.
    assert set(forced.storage_ids.values()).isdisjoint(first.storage_ids.values())
    reloaded = UploadCache(tmp_path, content_service.url)
    assert {item.checksum: reloaded.get(item.checksum) for item in items} == forced.storage_ids


async def test_a_cache_of_another_service_is_not_used(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    items = essays(2)
    async with ContentServiceServer() as elsewhere:
        await upload_texts(
            items, url=elsewhere.url, concurrency=2, cache=UploadCache(tmp_path, elsewhere.url)
        )
    outcome = await upload_texts(
        items,
        url=content_service.url,
        concurrency=2,
        cache=UploadCache(tmp_path, content_service.url),
    )
    assert (outcome.uploaded, outcome.from_cache) == (2, 0)
    assert content_service.stats.posts_received == 2


async def test_5xx_answers_are_retried_until_success(
    content_service: ContentServiceServer,
) -> None:
    content_service.faults.fail_next_posts = 2
    outcome = await upload_texts(
        essays(1), url=content_service.url, concurrency=1, cache=None, retry=FAST_RETRY
    )
    assert outcome.uploaded == 1
    assert outcome.failures == []
    assert content_service.stats.posts_failed_injected == 2
    assert content_service.stats.posts_received == 3


async def test_5xx_after_every_attempt_is_reported_per_file(
    content_service: ContentServiceServer,
) -> None:
    content_service.faults.fail_next_posts = 100
    outcome = await upload_texts(
        essays(2), url=content_service.url, concurrency=2, cache=None, retry=FAST_RETRY
    )
    assert outcome.storage_ids == {}
    assert content_service.stats.posts_received == 2 * FAST_RETRY.attempts
    assert sorted(failure.label for failure in outcome.failures) == [
        "student_essays/essay_00.txt",
        "student_essays/essay_01.txt",
    ]
    assert all(
        failure.reason == "HTTP 503 from Content Service: service unavailable (injected fault) "
        "after 3 attempts"
        for failure in outcome.failures
    )


async def test_a_rejected_text_is_not_retried_and_names_its_file(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    content_service.faults.reject_marker = b"FORBIDDEN"
    bad = UploadItem.from_text("student_essays/bad.txt", "this one is FORBIDDEN")
    bad_twin = UploadItem.from_text("student_essays/bad_copy.txt", "this one is FORBIDDEN")
    good = essays(2)
    with capture_logs() as logs:
        outcome = await upload_texts(
            [*good, bad, bad_twin],
            url=content_service.url,
            concurrency=2,
            cache=UploadCache(tmp_path, content_service.url),
            retry=FAST_RETRY,
        )
    assert content_service.stats.posts_received == 3  # exactly one POST for the bad text
    assert outcome.uploaded == 2
    assert [(f.label, f.reason) for f in outcome.failures] == [
        (label, "HTTP 400 from Content Service: content rejected (injected fault)")
        for label in ("student_essays/bad.txt", "student_essays/bad_copy.txt")
    ]
    failure_logs = [log for log in logs if log["event"] == "upload_failed"]
    assert [log["label"] for log in failure_logs] == [bad.label, bad_twin.label]
    assert all("FORBIDDEN" not in json.dumps(log, default=str) for log in logs)


async def test_text_over_the_size_limit_fails_without_a_request(
    content_service: ContentServiceServer,
) -> None:
    big = UploadItem.from_text("student_essays/huge.txt", "å" * 600)  # 1200 bytes
    outcome = await upload_texts(
        [big], url=content_service.url, concurrency=1, cache=None, max_bytes=1000
    )
    assert content_service.stats.posts_received == 0
    assert [(f.label, f.reason) for f in outcome.failures] == [
        ("student_essays/huge.txt", "text is 1200 bytes, over the upload limit of 1000 bytes")
    ]


async def test_a_201_without_storage_id_is_a_failure_not_retried() -> None:
    posts = 0

    async def broken(request: web.Request) -> web.Response:
        nonlocal posts
        posts += 1
        return web.json_response({"correlation_id": "c"}, status=201)

    async with scripted_service(broken) as url:
        outcome = await upload_texts(
            essays(1), url=url, concurrency=1, cache=None, retry=FAST_RETRY
        )
    assert posts == 1
    assert outcome.storage_ids == {}
    assert outcome.failures[0].reason.startswith(
        "HTTP 201 from Content Service without a storage_id"
    )


async def test_a_text_that_times_out_is_retried_then_reported() -> None:
    release = asyncio.Event()
    slow_posts = 0

    async def slow_for_one(request: web.Request) -> web.Response:
        nonlocal slow_posts
        if b"SLOW" in await request.read():
            slow_posts += 1
            await release.wait()
        return web.json_response({"storage_id": "ok"}, status=201)

    slow = UploadItem.from_text("student_essays/slow.txt", "SLOW essay")
    retry = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.01, request_timeout_s=0.3)
    async with scripted_service(slow_for_one) as url:
        try:
            outcome = await upload_texts(
                [slow, *essays(3)], url=url, concurrency=4, cache=None, retry=retry
            )
        finally:
            release.set()  # before the server stops, so it need not wait for the handler
    assert slow_posts == 2
    assert outcome.uploaded == 3
    assert [(f.label, f.reason) for f in outcome.failures] == [
        ("student_essays/slow.txt", "no answer within 0.3 s after 2 attempts")
    ]


async def test_a_service_that_never_answers_is_unavailable() -> None:
    release = asyncio.Event()
    posts = 0

    async def hang(request: web.Request) -> web.Response:
        nonlocal posts
        posts += 1
        await release.wait()
        return web.json_response({"storage_id": "late"}, status=201)

    retry = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.01, request_timeout_s=0.2)
    async with scripted_service(hang) as url:
        try:
            with pytest.raises(ContentServiceUnavailable, match="not answering: no answer"):
                await upload_texts(essays(20), url=url, concurrency=4, cache=None, retry=retry)
        finally:
            release.set()
    # Gave up after about concurrency × attempts tries, not attempts × every essay (40).
    assert 8 <= posts <= 12


async def test_unreachable_service_fails_fast_with_one_line(tmp_path: Path) -> None:
    url = closed_port_url()
    started = time.monotonic()
    async with asyncio.timeout(15):
        with pytest.raises(ContentServiceUnavailable) as raised:
            # Production retry defaults and many essays: must not cost attempts × essays.
            await upload_texts(
                essays(200), url=url, concurrency=10, cache=UploadCache(tmp_path, url)
            )
    assert time.monotonic() - started < 5.0
    message = str(raised.value)
    assert url in message
    assert "connection refused" in message
    assert "\n" not in message
    assert raised.value.exit_code == 3


async def test_progress_is_reported_after_each_item(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    cache = UploadCache(tmp_path, content_service.url)
    await upload_texts(essays(2), url=content_service.url, concurrency=2, cache=cache)
    content_service.faults.reject_marker = b"REJECT"
    items = [
        *essays(2),  # cached now
        *essays(3, prefix="fresh"),
        UploadItem.from_text("student_essays/r.txt", "REJECT me"),
    ]
    reports: list[UploadProgress] = []
    await upload_texts(
        items,
        url=content_service.url,
        concurrency=2,
        cache=cache,
        on_progress=reports.append,
        retry=FAST_RETRY,
    )
    assert [report.done for report in reports] == [1, 2, 3, 4, 5, 6]
    assert {report.total for report in reports} == {6}
    assert reports[-1] == UploadProgress(done=6, total=6, failed=1, from_cache=2)


async def test_cache_is_saved_while_uploads_go_on(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    cache = UploadCache(tmp_path, content_service.url)
    on_disk_at: dict[int, int] = {}

    def peek(progress: UploadProgress) -> None:
        on_disk_at[progress.done] = len(UploadCache(tmp_path, content_service.url))

    await upload_texts(
        essays(CACHE_SAVE_EVERY_UPLOADS + 5),
        url=content_service.url,
        concurrency=1,
        cache=cache,
        on_progress=peek,
    )
    assert on_disk_at[CACHE_SAVE_EVERY_UPLOADS] >= CACHE_SAVE_EVERY_UPLOADS
    assert len(UploadCache(tmp_path, content_service.url)) == CACHE_SAVE_EVERY_UPLOADS + 5


async def test_a_crash_mid_upload_keeps_what_was_uploaded(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    class Crash(Exception):
        pass

    def crash_after_three(progress: UploadProgress) -> None:
        if progress.done == 3:
            raise Crash

    with pytest.raises(Crash):
        await upload_texts(
            essays(10),
            url=content_service.url,
            concurrency=1,
            cache=UploadCache(tmp_path, content_service.url),
            on_progress=crash_after_three,
        )
    assert len(UploadCache(tmp_path, content_service.url)) == content_service.stats.posts_stored
    assert content_service.stats.posts_stored >= 3


async def test_check_reachable_accepts_a_listening_service(
    content_service: ContentServiceServer,
) -> None:
    await check_reachable(content_service.url, timeout_s=2.0)


async def test_check_reachable_names_the_url_when_refused() -> None:
    url = closed_port_url()
    async with asyncio.timeout(5):
        with pytest.raises(ContentServiceUnavailable, match=url.replace(".", r"\.")):
            await check_reachable(url, timeout_s=2.0)


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1:21/x", "http:///nohost"])
async def test_check_reachable_rejects_a_non_http_url(url: str) -> None:
    with pytest.raises(ContentServiceUnavailable, match="URL"):
        await check_reachable(url, timeout_s=1.0)
