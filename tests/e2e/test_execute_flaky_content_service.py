"""Chaos faults at the Content Service (issue 8): a service failing 30% of requests does not
fail a run, and a password in its URL is never written anywhere."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from eng5_np.logs import configure_logging, detach_run_log
from eng5_np.modes.execute import run_execute
from eng5_np.settings import UPLOAD_ATTEMPTS, RunMode, RunSettings, bundled_sample_dataset
from eng5_np.upload import RetryPolicy

pytestmark = pytest.mark.integration

REQUEST_FILE = Path("requests") / "els_cj_assessment_request.json"
HANG_S = 1.0
"""How long a hanging answer takes: longer than the per-try timeout the tests set (0.25 s),
shorter than the chaos run's 5 s so the suite stays fast."""
USER, PASSWORD = "runner", "s3cret-Pa55"


@dataclass
class FlakyService:
    """A Content Service on loopback failing ``failure_rate`` of POSTs in three ways."""

    failure_rate: float
    seed: int = 8
    stored: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=lambda: {"503": 0, "hang": 0, "drop": 0})
    authorizations: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Fail with a 503, a hang or a dropped connection, or store the body."""
        body = await request.read()
        self.authorizations.add(request.headers.get("Authorization", ""))
        draw = self._rng.random()
        share = self.failure_rate / 3
        if draw < share:
            self.faults["503"] += 1
            return web.json_response({"error": "overloaded"}, status=503)
        if draw < 2 * share:
            self.faults["hang"] += 1
            await asyncio.sleep(HANG_S)
            return web.json_response({"error": "too late"}, status=503)
        if draw < 3 * share:
            self.faults["drop"] += 1
            assert request.transport is not None
            request.transport.abort()  # the connection is gone without an answer
            return web.Response(status=500)
        storage_id = uuid.uuid4().hex
        self.stored[storage_id] = body
        return web.json_response({"storage_id": storage_id}, status=201)


@contextlib.asynccontextmanager
async def serve(service: FlakyService, *, credentials: bool = False) -> AsyncIterator[str]:
    """Run ``service`` on 127.0.0.1; yield its upload URL (with user:password@ if asked)."""
    app = web.Application()
    app.router.add_post("/v1/content", service.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        userinfo = f"{USER}:{PASSWORD}@" if credentials else ""
        yield f"http://{userinfo}{host}:{port}/v1/content"
    finally:
        await runner.cleanup()


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


def dataset_of(tmp_path: Path, essays: int) -> Path:
    """The sample dataset topped up with distinct student essays to ``essays`` in all."""
    dataset = Path(shutil.copytree(bundled_sample_dataset(), tmp_path / "dataset"))
    have = sum(1 for p in (dataset / "anchor_essays").iterdir()) + sum(
        1 for p in (dataset / "student_essays").iterdir()
    )
    for n in range(essays - have):
        (dataset / "student_essays" / f"extra_{n:03d}.txt").write_text(
            f"Extra essay {n}. " + "Every student writes about the sea. " * (5 + n % 7),
            encoding="utf-8",
        )
    return dataset


def settings_for(tmp_path: Path, dataset: Path, url: str) -> RunSettings:
    """A --no-kafka execute run against ``url`` with a per-try timeout the test can afford."""
    return RunSettings(
        mode=RunMode.EXECUTE,
        dataset_dir=dataset,
        output_dir=tmp_path / "run",
        batch_id="flaky-content",
        content_service_url=url,
        content_service_url_explicit=True,
        upload_cache_dir=tmp_path / "cache",
        upload_concurrency=20,
        upload_timeout=0.25,
        no_kafka=True,
    )


def test_the_default_retry_budget_survives_a_30_percent_failing_service() -> None:
    # 4 tries lost one text in 123 and so most runs of a hundred uploads (issue 8).
    assert RetryPolicy().attempts == UPLOAD_ATTEMPTS
    run_of_500_fails = 1 - (1 - 0.3**UPLOAD_ATTEMPTS) ** 500
    assert run_of_500_fails < 0.001


async def test_100_essays_upload_in_one_go_through_a_30_percent_failing_service(
    tmp_path: Path,
) -> None:
    service = FlakyService(failure_rate=0.3)
    dataset = dataset_of(tmp_path, 100)
    async with serve(service) as url:
        settings = settings_for(tmp_path, dataset, url)
        assert settings.upload_attempts == UPLOAD_ATTEMPTS  # the default budget, not a test's
        async with asyncio.timeout(120):
            result = await run_execute(settings)

    request = json.loads((tmp_path / "run" / REQUEST_FILE).read_bytes())["data"]
    essays = request["essays_for_cj"]
    assert len(essays) == 100
    # Every essay points at a text the service really stored, and no two share one.
    ids = [essay["text_storage_id"] for essay in essays]
    assert len(set(ids)) == 100
    assert set(ids) <= set(service.stored)
    # The chaos really happened, in all three forms.
    assert all(count > 0 for count in service.faults.values()), service.faults
    assert result.published is False


async def test_a_password_in_the_content_service_url_is_written_nowhere(
    tmp_path: Path,
) -> None:
    configure_logging()
    service = FlakyService(failure_rate=0.0)
    dataset = dataset_of(tmp_path, 23)
    async with serve(service, credentials=True) as url:
        await run_execute(settings_for(tmp_path, dataset, url))

    # The credentials were used for the requests themselves…
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert service.authorizations == {expected}
    # …and appear in no file the run wrote: artefact, log, request, upload cache.
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "dataset" not in p.parts]
    assert any(p.name == "assessment_run.execute.json" for p in written)
    assert any(p.name == "runner.log.jsonl" for p in written)
    assert any(p.parent.name == "cache" for p in written)
    for path in written:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert PASSWORD not in text, path
    artefact = json.loads((tmp_path / "run" / "assessment_run.execute.json").read_bytes())
    shown = artefact["metadata"]["options"]["content_service_url"]
    assert shown.startswith("http://***@127.0.0.1:")
