"""The runner's side of the wire for the reference CJ service tests.

Uploads a dataset to a Content Service, builds the CJ request the runner sends
(SPEC §4.4) as a plain dict — deliberately not with the contract models, so a mistake
there cannot hide itself — publishes it, and taps the four callback topics from
positions fixed before publishing. Importable by name: pytest puts this folder on
``sys.path`` (``prepend`` import mode, no ``__init__.py``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from eng5_np.dataset import Inventory, build_inventory
from eng5_np.localstack.admin_store import AdminStore, ContextOrigin
from eng5_np.reference.grades import get_scale

SAMPLE_DATASET = Path(__file__).parents[2] / "src" / "eng5_np" / "data" / "sample_dataset"
REQUEST_TOPIC = "huleedu.els.cj_assessment.requested.v1"
COMPARISON_TOPIC = "huleedu.llm_provider.comparison_result.v1"
COMPLETED_TOPIC = "huleedu.cj_assessment.completed.v1"
FAILED_TOPIC = "huleedu.cj_assessment.failed.v1"
RESULT_TOPIC = "huleedu.assessment.result.published.v1"
CALLBACK_TOPICS = (COMPARISON_TOPIC, COMPLETED_TOPIC, FAILED_TOPIC, RESULT_TOPIC)
COLLECT_DEADLINE_S = 20.0


@dataclass(frozen=True)
class UploadedDataset:
    """A dataset read like the runner reads it, with the storage id of every text."""

    inventory: Inventory
    storage_ids: dict[str, str]
    """Storage id per essay id."""
    prompt_storage_id: str

    @property
    def anchor_grades(self) -> dict[str, str]:
        """Anchor essay id → grade."""
        return {essay.essay_id: essay.grade or "" for essay in self.inventory.anchors}

    @property
    def essay_ids(self) -> list[str]:
        """Every essay id, anchors first."""
        return [essay.essay_id for essay in self.inventory.essays]

    @property
    def student_ids(self) -> list[str]:
        """The students' essay ids."""
        return [essay.essay_id for essay in self.inventory.students]


async def upload_dataset(
    content_url: str, wire_batch_id: str, dataset_dir: Path = SAMPLE_DATASET
) -> UploadedDataset:
    """Read ``dataset_dir`` with the runner's inventory and upload every text to ``content_url``."""
    inventory = build_inventory(dataset_dir, get_scale("eng5_np_legacy_9_step"), wire_batch_id)
    assert not inventory.problems, inventory.problems
    assert inventory.prompt is not None
    storage_ids: dict[str, str] = {}
    async with aiohttp.ClientSession() as session:

        async def upload(text: str) -> str:
            async with session.post(
                content_url,
                data=text.encode("utf-8"),
                headers={"Content-Type": "application/octet-stream"},
            ) as response:
                assert response.status == 201
                storage_id: str = (await response.json())["storage_id"]
                return storage_id

        for essay in inventory.essays:
            storage_ids[essay.essay_id] = await upload(essay.text)
        prompt_storage_id = await upload(inventory.prompt.content)
    return UploadedDataset(inventory, storage_ids, prompt_storage_id)


def request_envelope(
    wire_batch_id: str,
    dataset: UploadedDataset,
    *,
    metadata: Mapping[str, Any] | None = None,
    essay_ids: Sequence[str] | None = None,
    assignment_id: str | None = None,
    prompt_storage_id: str | None = None,
    llm_config_overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The CJ request envelope in the runner's JSON shape (SPEC §4.2–§4.4, §4.9, §11.1).

    A guest request unless ``assignment_id`` is given; the student prompt reference points
    at ``prompt_storage_id`` (default: the dataset's uploaded prompt).
    """
    now = "2025-01-15T10:00:00+00:00"
    chosen = dataset.essay_ids if essay_ids is None else list(essay_ids)
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": REQUEST_TOPIC,
        "event_timestamp": now,
        "source_service": "eng5_np_batch_runner",
        "schema_version": 1,
        "correlation_id": wire_batch_id,
        "data_schema_uri": None,
        "data": {
            "event_name": "els.cj_assessment.requested",
            "entity_id": wire_batch_id,
            "entity_type": "batch",
            "parent_id": assignment_id,
            "timestamp": now,
            "system_metadata": {
                "entity_id": wire_batch_id,
                "entity_type": "batch",
                "parent_id": assignment_id,
                "timestamp": now,
                "processing_stage": "pending",
                "started_at": None,
                "completed_at": None,
                "event": "els.cj_assessment.requested",
                "error_info": {},
            },
            "essays_for_cj": [
                {
                    "essay_id": essay_id,
                    "text_storage_id": dataset.storage_ids[essay_id],
                    "spellcheck_metrics": None,
                }
                for essay_id in chosen
            ],
            "language": "en",
            "course_code": "ENG5",
            "student_prompt_ref": {
                "references": {
                    "student_prompt_text": {
                        "storage_id": prompt_storage_id or dataset.prompt_storage_id,
                        "path": "prompt.md",
                    }
                }
            },
            "llm_config_overrides": dict(llm_config_overrides) if llm_config_overrides else None,
            "assignment_id": assignment_id,
            "user_id": "eng5_np_research_runner",
            "org_id": None,
        },
        "metadata": {
            "batch_label": f"localstack-test-{wire_batch_id[:8]}",
            "runner_mode": "execute",
            **(metadata or {}),
        },
    }


def register_assignment(
    store: AdminStore,
    dataset: UploadedDataset,
    assignment_id: str,
    *,
    grade_scale: str = "eng5_np_legacy_9_step",
    context_origin: ContextOrigin = "research_experiment",
    grades: Mapping[str, str] | None = None,
) -> dict[int, str]:
    """Set up ``assignment_id`` in the CJ service's store with the dataset's prompt and its
    anchors (already uploaded), as the admin API would; registered anchor id → essay id.

    ``grades`` overrides the anchors' grades by essay id (e.g. onto another scale).
    """
    store.upsert_instructions(
        assignment_id=assignment_id,
        course_id=None,
        instructions_text="Write an argumentative essay; judge content, structure, language.",
        grade_scale=grade_scale,
        context_origin=context_origin,
        student_prompt_storage_id=dataset.prompt_storage_id,
    )
    registered: dict[int, str] = {}
    for essay_id, grade in dataset.anchor_grades.items():
        anchor, _ = store.register_anchor(
            assignment_id=assignment_id,
            grade=(grades or {}).get(essay_id, grade),
            anchor_label=essay_id,
            text_storage_id=dataset.storage_ids[essay_id],
        )
        registered[anchor.id] = essay_id
    return registered


async def publish(bootstrap: str, topic: str, value: bytes, key: str | None = None) -> None:
    """Publish one message with acks=all (no idempotence: Tansu rejects it)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key.encode() if key else None)
    finally:
        await producer.stop()


@dataclass(frozen=True)
class Received:
    """One message read from a callback topic."""

    topic: str
    offset: int
    timestamp_ms: int
    value: dict[str, Any]

    @property
    def batch_id(self) -> str | None:
        """The wire batch id the message belongs to."""
        data = self.value.get("data", {})
        if self.topic == COMPARISON_TOPIC:
            batch_id = data.get("request_metadata", {}).get("bos_batch_id")
        else:
            batch_id = data.get("entity_id")
        return batch_id if isinstance(batch_id, str) else None


class CallbackTap:
    """Reads the four callback topics from the end offsets recorded on entry (no group)."""

    def __init__(self, bootstrap: str) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.received: list[Received] = []

    async def __aenter__(self) -> Self:
        await self._consumer.start()
        partitions = [TopicPartition(topic, 0) for topic in CALLBACK_TOPICS]
        self._consumer.assign(partitions)
        for partition, offset in (await self._consumer.end_offsets(partitions)).items():
            self._consumer.seek(partition, offset)
        for partition in partitions:  # resolve the positions now, before anything is published
            await self._consumer.position(partition)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._consumer.stop()

    async def collect_until(
        self, done: Callable[[list[Received]], bool], deadline_s: float = COLLECT_DEADLINE_S
    ) -> list[Received]:
        """Read until ``done(received)`` holds; fail the test at the deadline."""
        deadline = time.monotonic() + deadline_s
        while not done(self.received):
            assert time.monotonic() < deadline, f"condition not met; got {len(self.received)}"
            batches = await self._consumer.getmany(timeout_ms=200)
            for partition, records in batches.items():
                for record in records:
                    self.received.append(
                        Received(
                            topic=partition.topic,
                            offset=record.offset,
                            timestamp_ms=record.timestamp,
                            value=json.loads(record.value),
                        )
                    )
        return self.received


def for_batch(received: list[Received], batch_id: str, topic: str) -> list[Received]:
    """Messages of one batch on one topic, in arrival order."""
    return [item for item in received if item.topic == topic and item.batch_id == batch_id]


def batch_finished(batch_id: str, comparisons: int = 0) -> Callable[[list[Received]], bool]:
    """Condition: a failure event, or the completion, the result and ``comparisons`` callbacks.

    The service publishes them in that order, but a consumer of several topics may see
    them in any order, so all of them are waited for.
    """

    def check(received: list[Received]) -> bool:
        if for_batch(received, batch_id, FAILED_TOPIC):
            return True
        return (
            bool(for_batch(received, batch_id, COMPLETED_TOPIC))
            and bool(for_batch(received, batch_id, RESULT_TOPIC))
            and len(for_batch(received, batch_id, COMPARISON_TOPIC)) >= comparisons
        )

    return check
