"""Execute mode up to the publish (SPEC §4.4, §4.9, §5.1): the request as the platform sees it.

The request is read back off the broker and checked field by field; its storage ids are
fetched back from the Content Service; it must be published only after the last upload
was stored, and the request file in the run folder must be exactly the published bytes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest

from cj_player import (
    REQUEST_TOPIC,
    published_requests,
    read_request,
)
from eng5_np.artefact.verify import verify_artefact
from eng5_np.dataset.inventory import build_inventory
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer, ContentStore
from eng5_np.logs import detach_run_log
from eng5_np.modes.execute import run_execute
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName
from eng5_np.settings import RunMode, RunSettings, bundled_sample_dataset
from runner_process import (
    finish,
    runner_env,
    start_runner,
)

pytestmark = pytest.mark.integration

ENVELOPE_FIELDS = {
    "event_id",
    "event_type",
    "event_timestamp",
    "source_service",
    "schema_version",
    "correlation_id",
    "data_schema_uri",
    "data",
    "metadata",
}

REQUEST_FIELDS = {
    "event_name",
    "entity_id",
    "entity_type",
    "parent_id",
    "timestamp",
    "system_metadata",
    "essays_for_cj",
    "language",
    "course_code",
    "student_prompt_ref",
    "llm_config_overrides",
    "assignment_id",
    "user_id",
    "org_id",
}
SYSTEM_METADATA_FIELDS = {
    "entity_id",
    "entity_type",
    "parent_id",
    "timestamp",
    "processing_stage",
    "started_at",
    "completed_at",
    "event",
    "error_info",
}


class TimedStore(ContentStore):
    """A content store that notes when each upload was stored (wall clock, like Kafka's)."""

    def __init__(self) -> None:
        super().__init__()
        self.stored_at: list[float] = []

    def put(self, content: bytes) -> str:
        """Store and note the time."""
        storage_id = super().put(content)
        self.stored_at.append(time.time())
        return storage_id


@pytest.fixture(autouse=True)
def _detach_run_log() -> Iterator[None]:
    yield
    detach_run_log()


async def _get(session: aiohttp.ClientSession, url: str, storage_id: str) -> str:
    async with session.get(f"{url}/{storage_id}") as response:
        assert response.status == 200, storage_id
        return (await response.read()).decode("utf-8")


def _normalised(text: str) -> str:
    return " ".join(text.split())


async def test_published_request_matches_the_wire_contract_field_by_field(
    kafka_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    store = TimedStore()
    async with ContentServiceServer(store=store) as content:
        # Slow uploads at low concurrency make "published after the last upload" observable.
        content.faults.post_delay_s = 0.1
        settings = RunSettings(
            mode=RunMode.EXECUTE,
            output_dir=tmp_path / "run",
            batch_id=f"flow-{uuid.uuid4().hex[:8]}",
            kafka_bootstrap=kafka_broker.bootstrap,
            content_service_url=content.url,
            upload_cache_dir=tmp_path / "cache",
            upload_concurrency=4,
            max_comparisons=120,
        )
        result = await run_execute(settings)
        wire = result.wire_batch_id
        request = await read_request(kafka_broker.bootstrap, key=wire)

        inventory = build_inventory(
            bundled_sample_dataset(), GRADE_SCALES[GradeScaleName.LEGACY_9_STEP], wire
        )
        assert inventory.prompt is not None
        async with aiohttp.ClientSession() as session:
            fetched = {
                essay_id: await _get(session, content.url, storage_id)
                for essay_id, storage_id in request.storage_ids.items()
            }
            prompt_ref = request.data["student_prompt_ref"]["references"]["student_prompt_text"]
            prompt_text = await _get(session, content.url, prompt_ref["storage_id"])

    # Wire batch id: one UUID string, also the message key and the envelope correlation.
    assert str(uuid.UUID(wire)) == wire
    assert len(wire) <= 36
    assert request.key == wire.encode()

    envelope = request.envelope
    assert set(envelope) == ENVELOPE_FIELDS
    assert envelope["event_type"] == REQUEST_TOPIC
    assert envelope["source_service"] == "eng5_np_batch_runner"
    assert envelope["schema_version"] == 1
    uuid.UUID(envelope["event_id"])
    uuid.UUID(envelope["correlation_id"])
    assert datetime.fromisoformat(envelope["event_timestamp"]).tzinfo is not None
    metadata = envelope["metadata"]
    assert metadata["batch_label"] == settings.batch_id
    assert metadata["runner_mode"] == "execute"
    assert metadata["max_comparisons"] == 120

    data = request.data
    assert set(data) == REQUEST_FIELDS
    assert data["event_name"] == "els.cj_assessment.requested"
    assert data["entity_id"] == wire
    assert data["entity_type"] == "batch"
    assert data["parent_id"] == settings.assignment_id
    assert data["assignment_id"] == settings.assignment_id
    assert data["user_id"] == "eng5_np_research_runner"
    assert data["org_id"] is None
    assert data["language"] == "en"
    assert data["course_code"] == "ENG5"
    assert data["llm_config_overrides"] is None
    system = data["system_metadata"]
    assert set(system) == SYSTEM_METADATA_FIELDS
    assert system["entity_id"] == wire
    assert system["entity_type"] == "batch"
    assert system["parent_id"] == settings.assignment_id
    assert system["processing_stage"] == "pending"
    assert system["event"] == "els.cj_assessment.requested"
    assert system["error_info"] == {}

    # Every essay, each with a storage id that gives back exactly its extracted text.
    essays = inventory.essay_by_id()
    assert len(data["essays_for_cj"]) == len(essays) == 23
    assert set(request.storage_ids) == set(essays)
    for entry in data["essays_for_cj"]:
        assert set(entry) == {"essay_id", "text_storage_id", "spellcheck_metrics"}
        assert entry["spellcheck_metrics"] is None
        assert len(entry["essay_id"]) <= 36
    assert len(set(request.storage_ids.values())) == len(essays)
    for essay_id, essay in essays.items():
        assert fetched[essay_id] == essay.text, essay.source_path
        if essay.absolute_path.suffix == ".txt":
            # Independent of the runner's extraction: the file as written.
            assert _normalised(fetched[essay_id]) == _normalised(essay.absolute_path.read_text())

    assert set(data["student_prompt_ref"]) == {"references"}
    assert set(prompt_ref) == {"storage_id", "path"}
    assert prompt_ref["path"].endswith("prompt.md")
    assert _normalised(prompt_text) == _normalised(
        (bundled_sample_dataset() / "prompt.md").read_text()
    )

    # Nothing published before everything it references was stored. Kafka's CreateTime is
    # taken by the runner's producer (ms, truncated) on the same clock as the store's notes.
    assert len(store.stored_at) == 24
    assert max(store.stored_at) - min(store.stored_at) > 0.3
    assert request.timestamp_ms >= int(max(store.stored_at) * 1000)

    # The run folder's request file is byte for byte what went on the wire.
    run_dir = settings.resolved_output_dir
    assert (run_dir / "requests" / "els_cj_assessment_request.json").read_bytes() == request.value
    artefact = json.loads(result.artefact_path.read_bytes())
    position = artefact["metadata"]["request"]
    assert (position["topic"], position["partition"], position["offset"]) == (
        REQUEST_TOPIC,
        request.partition,
        request.offset,
    )
    assert verify_artefact(result.artefact_path).ok


async def test_no_kafka_uploads_and_writes_the_request_with_overrides_but_publishes_nothing(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    label = f"nokafka-{uuid.uuid4().hex[:8]}"
    run_dir = tmp_path / "run"
    env = runner_env(kafka_broker.bootstrap, content_service.url, tmp_path / "cache")
    runner = await start_runner(
        "--mode", "execute", "--no-kafka", "--output-dir", run_dir, "--batch-id", label,
        "--llm-provider", "openai", "--llm-model", "gpt-5-mini", "--llm-temperature", "0.3",
        "--llm-max-tokens", "800", "--org-id", "org-7",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    done = await finish(runner)

    assert done.returncode == 0, done.stderr
    assert content_service.stats.posts_stored == 24
    written = json.loads((run_dir / "requests" / "els_cj_assessment_request.json").read_bytes())
    assert written["metadata"]["batch_label"] == label
    assert "max_comparisons" not in written["metadata"]
    assert written["data"]["llm_config_overrides"] == {
        "model_override": "gpt-5-mini",
        "temperature_override": 0.3,
        "max_tokens_override": 800,
        "provider_override": "openai",
    }
    assert written["data"]["org_id"] == "org-7"
    assert len(written["data"]["essays_for_cj"]) == 23
    assert await published_requests(kafka_broker.bootstrap, batch_label=label) == []
    # The state is kept so that a later run with the same --batch-id publishes this batch.
    state = json.loads((run_dir / "state.json").read_text())
    assert state["request_published"] is False
    assert verify_artefact(run_dir / "assessment_run.execute.json").ok
