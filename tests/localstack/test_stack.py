"""The local stack as a whole: lifecycle, no orphan broker, a batch end to end."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from pathlib import Path

import aiohttp
import pytest
from cj_wire_helpers import (
    COMPARISON_TOPIC,
    COMPLETED_TOPIC,
    REQUEST_TOPIC,
    RESULT_TOPIC,
    CallbackTap,
    batch_finished,
    for_batch,
    publish,
    request_envelope,
    upload_dataset,
)

from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.cj_service import ReferenceCJService
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.localstack.stack import (
    STACK_TOPICS,
    LocalStack,
    LocalStackConfig,
    serve_cj_service,
    serve_forever,
)

pytestmark = pytest.mark.integration


def assert_process_gone(pid: int) -> None:
    """The pid no longer exists: stopped *and* reaped (a zombie would still answer)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def child_broker_pids() -> set[int]:
    """Pids of Tansu processes whose parent is this test process."""
    pids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1]
        if "tansu" in command and int(fields.split()[1]) == os.getpid():
            pids.add(int(entry.name))
    return pids


async def test_start_exposes_the_stack_and_stop_leaves_no_process() -> None:
    before = child_broker_pids()
    async with LocalStack() as stack:
        (pid,) = stack.pids
        os.kill(pid, 0)  # alive
        assert pid in child_broker_pids() - before
        assert stack.bootstrap.startswith("127.0.0.1:")
        assert stack.content_service_url.startswith("http://127.0.0.1:")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", stack.cj_service_url)
        assert set(STACK_TOPICS) <= set(stack.broker.topics)
        assert stack.health_url == f"{stack.cj_service_url}/healthz"
        token = stack.admin_token.get_secret_value()
        assert token not in repr(stack.admin_token)
        instructions = f"{stack.cj_service_url}/admin/v1/assessment-instructions/assignment/x"
        async with aiohttp.ClientSession() as session:
            async with session.get(stack.health_url) as response:
                assert await response.json() == {"status": "ok", "requests_processed": 0}
            async with session.get(stack.content_service.health_url) as response:
                assert response.status == 200
            # A fresh stack knows no assignment; its token is accepted, no token is not.
            headers = {"Authorization": f"Bearer {token}"}
            async with session.get(instructions, headers=headers) as response:
                assert response.status == 404
            async with session.get(instructions) as response:
                assert response.status == 401
    assert_process_gone(pid)
    assert stack.pids == ()
    assert child_broker_pids() == before
    with pytest.raises(RuntimeError, match="not running"):
        _ = stack.bootstrap
    with pytest.raises(RuntimeError, match="not running"):
        _ = stack.admin_token


async def test_an_exception_in_the_body_still_stops_everything() -> None:
    pids: list[int] = []

    async def use_and_fail() -> None:
        async with LocalStack() as stack:
            pids.extend(stack.pids)
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        await use_and_fail()
    (pid,) = pids
    assert_process_gone(pid)


async def test_a_failing_start_stops_what_had_started(tmp_path: Path) -> None:
    before = child_broker_pids()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = LocalStack(LocalStackConfig(health_port=port, broker_log_dir=tmp_path))
        with pytest.raises(OSError, match="address already in use"):
            await stack.start()
    assert "listening on" in (tmp_path / "tansu.log").read_text()  # the broker had started
    assert child_broker_pids() == before


async def test_serve_forever_runs_until_cancelled() -> None:
    ready: asyncio.Queue[LocalStack] = asyncio.Queue()
    task = asyncio.create_task(serve_forever(LocalStackConfig(), ready.put_nowait))
    stack = await asyncio.wait_for(ready.get(), timeout=20)
    (pid,) = stack.pids
    os.kill(pid, 0)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_process_gone(pid)


async def test_an_assignment_set_up_over_http_runs_through_the_stack() -> None:
    """The stack's own admin API, its token and its CJ service work together."""
    batch_id = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    async with LocalStack() as stack, aiohttp.ClientSession() as session:
        dataset = await upload_dataset(stack.content_service_url, batch_id)
        headers = {"Authorization": f"Bearer {stack.admin_token.get_secret_value()}"}
        instructions = {
            "assignment_id": "eng5-demo",
            "instructions_text": "Judge content, structure and language.",
            "grade_scale": "eng5_np_legacy_9_step",
            "student_prompt_storage_id": dataset.prompt_storage_id,
        }
        url = f"{stack.cj_service_url}/admin/v1/assessment-instructions"
        async with session.post(url, json=instructions, headers=headers) as response:
            assert response.status == 200
        registered: dict[int, str] = {}
        for anchor in dataset.inventory.anchors:
            body = {
                "assignment_id": "eng5-demo",
                "grade": anchor.grade,
                "anchor_label": anchor.essay_id,
                "essay_text": anchor.text,
            }
            url = f"{stack.cj_service_url}/api/v1/anchors/register"
            async with session.post(url, json=body, headers=headers) as response:
                assert response.status == 201, await response.text()
                registered[(await response.json())["anchor_id"]] = anchor.grade or ""
        request = request_envelope(
            batch_id,
            dataset,
            essay_ids=dataset.student_ids,
            assignment_id="eng5-demo",
            metadata={"max_comparisons": 40},
        )
        async with CallbackTap(stack.bootstrap) as tap:
            await publish(stack.bootstrap, REQUEST_TOPIC, json.dumps(request).encode(), batch_id)
            received = await tap.collect_until(batch_finished(batch_id, comparisons=40))
        assert stack.cj_service.requests_processed == 1
    assert len(for_batch(received, batch_id, COMPARISON_TOPIC)) == 40
    (completion,) = for_batch(received, batch_id, COMPLETED_TOPIC)
    assert completion.value["data"]["status"] == "completed_successfully"
    (result,) = for_batch(received, batch_id, RESULT_TOPIC)
    anchors = [e for e in result.value["data"]["essay_results"] if e["is_anchor"]]
    found = {
        int(re.fullmatch(r"ANCHOR_(\d+)_[0-9a-f]{8}", e["essay_id"]).group(1)) for e in anchors
    }
    assert found == set(registered)
    students = [e for e in result.value["data"]["essay_results"] if not e["is_anchor"]]
    assert {e["essay_id"] for e in students} == set(dataset.student_ids)
    assert all(e["letter_grade"] != "U" for e in students)  # projected from the anchors


async def test_drop_writes_is_reachable_from_the_stack_config() -> None:
    with pytest.raises(ValueError, match="unknown admin fault 'drop-everything'"):
        LocalStackConfig(admin_faults="drop-everything")
    async with LocalStack(LocalStackConfig(admin_faults="drop-writes")) as stack:
        assert stack.cj_service.admin_store.drop_writes
        assert not stack.cj_service.admin_store.missing_answers_500


async def test_the_measured_platforms_admin_faults_combine() -> None:
    """SPEC §11.6: writes not committed and a 500 for a missing assignment, both at once."""
    config = LocalStackConfig(admin_faults="drop-writes,missing-500")
    async with LocalStack(config) as stack, aiohttp.ClientSession() as session:
        store = stack.cj_service.admin_store
        assert store.drop_writes
        assert store.missing_answers_500
        headers = {"Authorization": f"Bearer {stack.admin_token.get_secret_value()}"}
        url = f"{stack.cj_service_url}/admin/v1/assessment-instructions/assignment/none-such"
        async with session.get(url, headers=headers) as response:
            assert response.status == 500


async def test_serve_cj_service_alone_until_cancelled(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    batch_id = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
    ready: asyncio.Queue[ReferenceCJService] = asyncio.Queue()
    task = asyncio.create_task(
        serve_cj_service(
            kafka_broker.bootstrap,
            content_service.url,
            health_port=0,
            on_ready=ready.put_nowait,
        )
    )
    service = await asyncio.wait_for(ready.get(), timeout=20)
    health_url = service.health_url
    assert health_url is not None
    dataset = await upload_dataset(content_service.url, batch_id)
    request = request_envelope(batch_id, dataset, metadata={"max_comparisons": 12})
    async with CallbackTap(kafka_broker.bootstrap) as tap:
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, json.dumps(request).encode())
        await tap.collect_until(batch_finished(batch_id, comparisons=12))
    async with aiohttp.ClientSession() as session, session.get(health_url) as response:
        assert await response.json() == {"status": "ok", "requests_processed": 1}

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(health_url)
