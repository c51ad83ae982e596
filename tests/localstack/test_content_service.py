"""The local Content Service (SPEC §4.8) over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from eng5_np.localstack.content_service import (
    ContentFaults,
    ContentServiceServer,
    ContentStore,
)

pytestmark = pytest.mark.integration

OCTET_STREAM = {"Content-Type": "application/octet-stream"}


async def upload(
    session: aiohttp.ClientSession, url: str, body: bytes
) -> tuple[int, dict[str, object]]:
    """POST raw bytes; return the status and the JSON answer."""
    async with session.post(url, data=body, headers=OCTET_STREAM) as response:
        return response.status, await response.json()


async def test_post_then_get_round_trips_bytes(content_service: ContentServiceServer) -> None:
    essay = "Ett svenskt ord: smörgåsbord.\n".encode()
    async with aiohttp.ClientSession() as session:
        status, answer = await upload(session, content_service.url, essay)
        assert status == 201
        storage_id = answer["storage_id"]
        assert isinstance(storage_id, str)
        assert uuid.UUID(hex=storage_id).version == 4
        assert isinstance(answer["correlation_id"], str)
        assert answer["correlation_id"]

        async with session.get(f"{content_service.url}/{storage_id}") as response:
            assert response.status == 200
            assert response.content_type == "application/octet-stream"
            assert await response.read() == essay
    assert content_service.stats.posts_stored == 1
    assert content_service.stats.gets_received == 1


async def test_every_upload_gets_a_new_id(content_service: ContentServiceServer) -> None:
    async with aiohttp.ClientSession() as session:
        first = await upload(session, content_service.url, b"same text")
        second = await upload(session, content_service.url, b"same text")
    assert first[0] == second[0] == 201
    assert first[1]["storage_id"] != second[1]["storage_id"]
    assert len(content_service.store) == 2


async def test_correlation_id_header_is_echoed(content_service: ContentServiceServer) -> None:
    correlation_id = str(uuid.uuid4())
    headers = {**OCTET_STREAM, "X-Correlation-ID": correlation_id}
    async with (
        aiohttp.ClientSession() as session,
        session.post(content_service.url, data=b"text", headers=headers) as response,
    ):
        assert response.status == 201
        assert (await response.json())["correlation_id"] == correlation_id


@pytest.mark.parametrize("storage_id", [uuid.uuid4().hex, "not-an-id", "..%2F..%2Fetc%2Fpasswd"])
async def test_unknown_id_is_404_json(
    content_service: ContentServiceServer, storage_id: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{content_service.url}/{storage_id}") as response,
    ):
        assert response.status == 404
        answer = await response.json()
    assert answer["error"] == "content not found"
    assert "storage_id" in answer


async def test_empty_body_is_400(content_service: ContentServiceServer) -> None:
    async with aiohttp.ClientSession() as session:
        status, answer = await upload(session, content_service.url, b"")
    assert status == 400
    assert answer["error"] == "empty content"
    assert len(content_service.store) == 0


async def test_oversize_body_is_413_json() -> None:
    async with ContentServiceServer(max_body_bytes=1024) as server:
        async with aiohttp.ClientSession() as session:
            at_limit = await upload(session, server.url, b"x" * 1024)
            over_limit = await upload(session, server.url, b"x" * 1025)
        assert at_limit[0] == 201
        assert over_limit[0] == 413
        assert over_limit[1]["max_bytes"] == 1024
        assert len(server.store) == 1


async def test_oversize_chunked_body_is_413_json() -> None:
    """Without a Content-Length the limit is enforced while reading."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 512

    async with ContentServiceServer(max_body_bytes=1024) as server:
        async with (
            aiohttp.ClientSession() as session,
            session.post(server.url, data=chunks()) as response,
        ):
            assert response.status == 413
        assert len(server.store) == 0


async def test_healthz(content_service: ContentServiceServer) -> None:
    async with aiohttp.ClientSession() as session:
        await upload(session, content_service.url, b"one")
        async with session.get(content_service.health_url) as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok", "stored": 1}


async def test_custom_base_path_and_directory_store(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "blobs")
    async with ContentServiceServer(store, base_path="content/") as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.url.endswith("/content")
        async with aiohttp.ClientSession() as session:
            status, answer = await upload(session, server.url, b"on disk")
            assert status == 201
            async with session.get(f"{server.url}/{answer['storage_id']}") as response:
                assert await response.read() == b"on disk"
    assert (tmp_path / "blobs" / str(answer["storage_id"])).read_bytes() == b"on disk"


async def test_injected_503s_then_success(content_service: ContentServiceServer) -> None:
    content_service.faults.fail_next_posts = 2
    async with aiohttp.ClientSession() as session:
        statuses = [(await upload(session, content_service.url, b"essay"))[0] for _ in range(3)]
    assert statuses == [503, 503, 201]
    assert content_service.stats.posts_received == 3
    assert content_service.stats.posts_failed_injected == 2
    assert len(content_service.store) == 1


async def test_reject_marker_is_400(content_service: ContentServiceServer) -> None:
    content_service.faults.reject_marker = b"POISON"
    async with aiohttp.ClientSession() as session:
        rejected = await upload(session, content_service.url, b"an essay with POISON inside")
        accepted = await upload(session, content_service.url, b"a clean essay")
    assert rejected[0] == 400
    assert accepted[0] == 201


async def test_peak_in_flight_counts_overlapping_posts() -> None:
    concurrency = 4
    faults = ContentFaults(post_delay_s=0.2)
    async with ContentServiceServer(faults=faults) as server:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            results = await asyncio.gather(
                *(upload(session, server.url, f"essay {i}".encode()) for i in range(8))
            )
        assert [status for status, _ in results] == [201] * 8
        # The connector's limit bounds the overlap, the delay makes it visible.
        assert server.stats.peak_posts_in_flight == concurrency
        assert server.stats.posts_in_flight == 0


async def test_server_lifecycle() -> None:
    server = ContentServiceServer()
    with pytest.raises(RuntimeError):
        _ = server.url
    await server.start()
    url = server.health_url
    await server.stop()
    await server.stop()  # idempotent
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)
