"""The reference CJ service against a real broker and a real Content Service on loopback:
assignment batches with registered anchors, guest batches, and batches that fail."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import pytest
from cj_wire_helpers import (
    COMPARISON_TOPIC,
    COMPLETED_TOPIC,
    FAILED_TOPIC,
    REQUEST_TOPIC,
    RESULT_TOPIC,
    CallbackTap,
    Received,
    UploadedDataset,
    batch_finished,
    for_batch,
    publish,
    register_assignment,
    request_envelope,
    upload_dataset,
)

from eng5_np.analysis import kendall_tau_b
from eng5_np.analysis.kendall import THETA_TIE
from eng5_np.contracts import (
    AssessmentResultV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    LLMComparisonResultV1,
    parse_envelope,
)
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.cj_service import ReferenceCJService
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.localstack.judge import JudgeConfig, judge_prompt
from eng5_np.localstack.judge_types import FaultConfig
from eng5_np.reference.grades import get_scale

pytestmark = pytest.mark.integration

# Fixed ids make the run deterministic (pairs and judgements are seeded by the batch id).
MAIN_BATCH = "3f0c9a52-6d1e-4b7a-9c2f-5a8e1d4b7c01"
FAULTS = FaultConfig(error_rate=0.08, duplicate_rate=0.1, foreign_callbacks=3)
MAX_COMPARISONS = 200
LEGACY = get_scale("eng5_np_legacy_9_step")
ASSIGNMENT = "eng5-demo"
ANCHOR_ID = re.compile(r"ANCHOR_(\d+)_[0-9a-f]{8}")


def _stamp(item: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(item["event_timestamp"]))


def _result(received: list[Received], batch_id: str) -> tuple[Received, AssessmentResultV1]:
    (item,) = for_batch(received, batch_id, RESULT_TOPIC)
    return item, parse_envelope(json.dumps(item.value), AssessmentResultV1).data


def _comparisons(received: list[Received], batch_id: str) -> list[LLMComparisonResultV1]:
    return [
        parse_envelope(json.dumps(item.value), LLMComparisonResultV1).data
        for item in for_batch(received, batch_id, COMPARISON_TOPIC)
    ]


def _error_info(received: list[Received], batch_id: str) -> dict[str, object]:
    (item,) = for_batch(received, batch_id, FAILED_TOPIC)
    info: dict[str, object] = item.value["data"]["system_metadata"]["error_info"]
    return info


@pytest.fixture
async def cj_service(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> AsyncIterator[ReferenceCJService]:
    """A service with faults, on the session broker, with its HTTP endpoint."""
    service = ReferenceCJService(
        kafka_broker.bootstrap,
        content_service.url,
        JudgeConfig(seed=7, faults=FAULTS),
        health_port=0,
    )
    async with service:
        yield service


async def test_answers_an_assignment_batch_like_the_platform(
    kafka_broker: EmbeddedBroker,
    content_service: ContentServiceServer,
    cj_service: ReferenceCJService,
) -> None:
    dataset = await upload_dataset(content_service.url, MAIN_BATCH)
    registered = register_assignment(cj_service.admin_store, dataset, ASSIGNMENT)
    decoy_prompt = content_service.store.put(b"A decoy prompt: an assignment batch ignores it.")
    students = dataset.student_ids
    request = request_envelope(
        MAIN_BATCH,
        dataset,
        essay_ids=students,
        assignment_id=ASSIGNMENT,
        prompt_storage_id=decoy_prompt,
        metadata={"max_comparisons": MAX_COMPARISONS},
    )
    async with CallbackTap(kafka_broker.bootstrap) as tap:
        value = json.dumps(request).encode()
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, value, MAIN_BATCH)
        report = await cj_service.wait_for_batch(MAIN_BATCH, timeout_s=20)
        expected_callbacks = report.planned + report.duplicates
        received = await tap.collect_until(batch_finished(MAIN_BATCH, expected_callbacks))

    # --- the anchors CJ added: ANCHOR_<registered id>_<8 hex>, one per registered anchor --
    assert report.kind == "assignment"
    assert sorted(report.anchor_ids.values()) == sorted(registered)
    anchor_essay = {}  # wire id -> the dataset's anchor essay id
    for wire_id, anchor_id in report.anchor_ids.items():
        match = ANCHOR_ID.fullmatch(wire_id)
        assert match is not None
        assert int(match.group(1)) == anchor_id
        anchor_essay[wire_id] = registered[anchor_id]

    # --- comparison callbacks ----------------------------------------------------------
    assert report.planned == MAX_COMPARISONS
    comparisons = for_batch(received, MAIN_BATCH, COMPARISON_TOPIC)
    assert len(comparisons) == expected_callbacks
    parsed = _comparisons(received, MAIN_BATCH)
    by_request = Counter(callback.request_id for callback in parsed)
    assert len(by_request) == MAX_COMPARISONS
    assert sum(1 for count in by_request.values() if count == 2) == report.duplicates > 0
    essay_ids = set(students) | set(anchor_essay)
    texts = {essay.essay_id: essay.text for essay in dataset.inventory.essays}
    texts.update({wire_id: texts[essay_id] for wire_id, essay_id in anchor_essay.items()})
    prompt = dataset.inventory.prompt
    assert prompt is not None
    for item, callback in zip(comparisons, parsed, strict=True):
        assert item.value["event_type"] == "LLMComparisonResultV1"
        metadata = callback.request_metadata
        assert metadata["bos_batch_id"] == MAIN_BATCH
        assert metadata["cj_source"] == "eng5_local_stack"
        assert metadata["cj_request_type"] == "cj_comparison"
        assert metadata["cj_batch_id"]
        assert {metadata["essay_a_id"], metadata["essay_b_id"]} <= essay_ids
        assert metadata["essay_a_id"] != metadata["essay_b_id"]
        # The judge saw the assignment's prompt, not the decoy the request referenced.
        expected_prompt = judge_prompt(
            prompt.content, texts[metadata["essay_a_id"]], texts[metadata["essay_b_id"]]
        )
        assert metadata["prompt_sha256"] == hashlib.sha256(expected_prompt.encode()).hexdigest()
        assert item.value["correlation_id"] == str(callback.correlation_id)
        assert callback.provider == "mock"
    errors = [callback for callback in parsed if not callback.is_success]
    assert len({callback.request_id for callback in errors}) == report.errors > 0
    for callback in errors:
        assert callback.model == "unknown"
        assert callback.cost_estimate == 0
        assert callback.token_usage.total_tokens == 0
        assert callback.error_detail is not None
        assert callback.error_detail.error_code in FAULTS.error_codes
    for callback in parsed:
        if callback.is_success:
            assert callback.model == "simulated-judge-v1"
            assert callback.cost_estimate > 0
            assert 60 <= callback.token_usage.completion_tokens <= 200
    # The platform design's coverage waves retry a pair only while it has no successful
    # comparison: the batch stops at its budget before any resampling pass, so no pair has
    # two successful comparisons, and every repeated pair had a failed one first.
    unique = {c.request_id: c for c in parsed}.values()
    judged = Counter(frozenset((c.essay_a_id, c.essay_b_id)) for c in unique if c.is_success)
    assert max(judged.values()) == 1
    assert report.stop is not None
    assert report.stop.reason.value == "budget_spent"

    # --- foreign noise: other batch ids, unknown essays --------------------------------
    foreign = [
        item
        for item in received
        if item.topic == COMPARISON_TOPIC
        and item.value["data"]["request_metadata"].get("cj_source") == "foreign_noise"
    ]
    assert len(foreign) == report.foreign == FAULTS.foreign_callbacks
    for item in foreign:
        metadata = item.value["data"]["request_metadata"]
        assert metadata["bos_batch_id"] != MAIN_BATCH
        assert not {metadata["essay_a_id"], metadata["essay_b_id"]} & essay_ids

    # --- rich result: anchors as the platform reports them, students projected -----------
    result_item, result = _result(received, MAIN_BATCH)
    assert result.batch_id == MAIN_BATCH
    assert result_item.value["source_service"] == "cj_assessment_service"
    results = {essay.essay_id: essay for essay in result.essay_results}
    assert set(results) == essay_ids
    ranks = sorted(essay.rank for essay in result.essay_results)
    assert ranks == list(range(1, len(essay_ids) + 1))
    for wire_id in anchor_essay:
        assert results[wire_id].is_anchor
        assert results[wire_id].letter_grade == "U"  # the platform's defect, reproduced
        assert results[wire_id].display_name == "ANCHOR GRADE U"
    assert not any(results[student].is_anchor for student in students)
    metadata = result.assessment_metadata
    assert metadata["simulated"] is True
    assert metadata["batch_kind"] == "assignment"
    assert metadata["comparison_count"] == MAX_COMPARISONS - report.errors
    # Why the batch stopped: the platform design spent its budget in full waves of ⌊n/2⌋.
    wave = len(essay_ids) // 2
    assert metadata["pairing_design"] == "platform"
    assert metadata["stop_reason"] == "budget_spent"
    assert metadata["waves"] == report.stop.waves == -(-MAX_COMPARISONS // wave)
    assert metadata["pairing_parameters"]["budget"] == MAX_COMPARISONS
    assert metadata["anchor_essays_used"] == len(anchor_essay) == len(dataset.anchor_grades)
    assert set(metadata["bt_stats"]) == essay_ids
    for essay_id, stats in metadata["bt_stats"].items():
        assert stats["bt_mean"] == pytest.approx(results[essay_id].bt_score)
        assert stats["bt_se"] > 0
    probabilities = metadata["grade_projection_summary"]["grade_probabilities"]
    assert set(probabilities) == set(students)
    for student in students:
        assert sum(probabilities[student].values()) == pytest.approx(1.0)
        assert results[student].letter_grade == max(
            probabilities[student], key=probabilities[student].__getitem__
        )
        assert results[student].letter_grade in (*LEGACY.grades, LEGACY.below_lowest)
    # Mapped back through the registered anchors, the anchors' θ follow their grades.
    theta = {essay_id: essay.bt_score for essay_id, essay in results.items()}
    grades = {wire: dataset.anchor_grades[essay] for wire, essay in anchor_essay.items()}
    anchors = sorted(grades)
    tau = kendall_tau_b(
        [LEGACY.position(grades[a]) for a in anchors],
        [theta[a] for a in anchors],
        tie_tolerance=THETA_TIE,
    )
    assert tau is not None
    # The judge is calibrated to realistic noise (adjacent grades told apart 68 % of the
    # time): over judge seeds τ averages ≈ 0.85 at this budget, 10th percentile ≈ 0.7,
    # while a random order gives τ ≈ 0 ± 0.27 for nine anchors.
    assert tau >= 0.5

    # --- completion, and ordering: comparisons < result < completion --------------------
    (completion_item,) = for_batch(received, MAIN_BATCH, COMPLETED_TOPIC)
    completion = parse_envelope(json.dumps(completion_item.value), CJAssessmentCompletedV1).data
    assert completion.status == "completed_with_failures"
    assert completion.entity_id == MAIN_BATCH
    assert completion.parent_id == ASSIGNMENT
    assert completion.processing_summary.total_essays == len(essay_ids)
    assert set(completion.processing_summary.successful_essay_ids) == essay_ids
    assert completion.cj_assessment_job_id == result.cj_assessment_job_id
    last_comparison = max(_stamp(item.value) for item in comparisons)
    assert last_comparison < _stamp(result_item.value) < _stamp(completion_item.value)
    assert max(item.timestamp_ms for item in comparisons) <= result_item.timestamp_ms
    assert result_item.timestamp_ms <= completion_item.timestamp_ms
    assert not for_batch(received, MAIN_BATCH, FAILED_TOPIC)
    assert report.status == "completed_with_failures"

    # --- health ---------------------------------------------------------------------
    assert cj_service.health_url is not None
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/healthz", cj_service.health_url)
    assert cj_service.health_url == f"{cj_service.url}/healthz"
    async with aiohttp.ClientSession() as session, session.get(cj_service.health_url) as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "requests_processed": 1}


async def test_a_guest_batch_ranks_exactly_the_essays_sent(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    batch_id = "7e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    dataset = await upload_dataset(content_service.url, batch_id)
    service = ReferenceCJService(kafka_broker.bootstrap, content_service.url)
    # Registered anchors exist, but a guest batch uses none of them.
    register_assignment(service.admin_store, dataset, ASSIGNMENT)
    sent = dataset.essay_ids  # the runner's anchors too, as ordinary essays
    request = request_envelope(batch_id, dataset, metadata={"max_comparisons": 60})
    async with service, CallbackTap(kafka_broker.bootstrap) as tap:
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, json.dumps(request).encode())
        received = await tap.collect_until(batch_finished(batch_id, 60))

    assert service.reports[batch_id].kind == "guest"
    assert service.reports[batch_id].anchor_ids == {}
    parsed = _comparisons(received, batch_id)
    assert len(parsed) == 60
    texts = {essay.essay_id: essay.text for essay in dataset.inventory.essays}
    prompt = dataset.inventory.prompt
    assert prompt is not None
    for callback in parsed:
        ids = {callback.essay_a_id, callback.essay_b_id}
        assert ids <= set(sent)
        expected = judge_prompt(
            prompt.content, texts[callback.essay_a_id], texts[callback.essay_b_id]
        )
        assert (
            callback.request_metadata["prompt_sha256"]
            == hashlib.sha256(expected.encode()).hexdigest()
        )
    _, result = _result(received, batch_id)
    assert {essay.essay_id for essay in result.essay_results} == set(sent)
    assert not any(essay.essay_id.startswith("ANCHOR_") for essay in result.essay_results)
    for essay in result.essay_results:
        assert not essay.is_anchor
        assert essay.letter_grade == "U"
        assert essay.display_name is None
    metadata = result.assessment_metadata
    assert metadata["batch_kind"] == "guest"
    assert metadata["anchor_essays_used"] == 0
    assert "grade_projection_summary" not in metadata
    assert "grade_scale" not in metadata
    (completion,) = for_batch(received, batch_id, COMPLETED_TOPIC)
    assert completion.value["data"]["status"] == "completed_successfully"
    assert completion.value["data"]["parent_id"] is None


async def test_skips_bad_messages_deduplicates_and_fails_an_unknown_assignment(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    unknown_batch = "5b3e2a10-0c4d-4e8f-a1b2-c3d4e5f60718"
    assignment = "00000000-0000-4000-8000-0000000e5a01"
    dataset = await upload_dataset(content_service.url, unknown_batch)
    students = dataset.student_ids
    service = ReferenceCJService(kafka_broker.bootstrap, content_service.url)
    async with service, CallbackTap(kafka_broker.bootstrap) as tap:
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, b"{not json")
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, b'{"data": {"essays_for_cj": []}}')
        request = json.dumps(
            request_envelope(unknown_batch, dataset, essay_ids=students, assignment_id=assignment)
        )
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, request.encode(), unknown_batch)
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, request.encode(), unknown_batch)
        # A later request proves the service got past everything above.
        later_batch = "8d7c6b5a-4e3f-4a1b-9c8d-7e6f5a4b3c2d"
        later = request_envelope(later_batch, dataset, essay_ids=students[:1])
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, json.dumps(later).encode())
        received = await tap.collect_until(batch_finished(later_batch))
        await tap.collect_until(batch_finished(unknown_batch))

    # The platform's words, at once: nothing is compared.
    (failure_item,) = for_batch(received, unknown_batch, FAILED_TOPIC)
    failure = parse_envelope(json.dumps(failure_item.value), CJAssessmentFailedV1).data
    assert failure.status == "failed_critically"
    assert failure.system_metadata.error_info["message"] == (
        f"Unknown assignment_id '{assignment}': missing assessment_instructions"
    )
    assert failure.system_metadata.processing_stage == "failed"
    assert failure.reason.endswith(
        f"Unknown assignment_id '{assignment}': missing assessment_instructions"
    )
    assert not for_batch(received, unknown_batch, COMPARISON_TOPIC)
    assert not for_batch(received, unknown_batch, RESULT_TOPIC)
    assert _error_info(received, later_batch)["error_code"] == "TOO_FEW_ESSAYS"
    assert service.requests_processed == 2


async def test_all_comparisons_failing_fails_the_batch(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    batch_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    dataset = await upload_dataset(content_service.url, batch_id)
    judge = JudgeConfig(faults=FaultConfig(error_rate=1.0))
    service = ReferenceCJService(kafka_broker.bootstrap, content_service.url, judge)
    async with service, CallbackTap(kafka_broker.bootstrap) as tap:
        request = request_envelope(batch_id, dataset, metadata={"max_comparisons": 6})
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, json.dumps(request).encode())
        received = await tap.collect_until(batch_finished(batch_id))
        received = await tap.collect_until(
            lambda got: len(for_batch(got, batch_id, COMPARISON_TOPIC)) == 6
        )

    # The platform design fails a batch whose success rate is below 0.8 at a cap (its
    # budget, spent in one wave of 6 here), with the stop in error_info.
    info = _error_info(received, batch_id)
    assert info["error_code"] == "LOW_SUCCESS_RATE"
    assert info["stop_reason"] == "low_success_rate"
    assert info["waves"] == 1
    comparisons = for_batch(received, batch_id, COMPARISON_TOPIC)
    assert all(item.value["data"]["error_detail"] is not None for item in comparisons)
    assert not for_batch(received, batch_id, COMPLETED_TOPIC)
    assert service.reports[batch_id].status == "failed"


async def test_missing_content_and_a_national_scale_assignment(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer
) -> None:
    batch_id = "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"
    dataset = await upload_dataset(content_service.url, batch_id)
    broken = UploadedDataset(
        dataset.inventory,
        {**dataset.storage_ids, dataset.essay_ids[-1]: "0" * 32},
        dataset.prompt_storage_id,
    )
    national_batch = "1e2d3c4b-5a6f-4e7d-8c9b-0a1f2e3d4c5b"
    service = ReferenceCJService(kafka_broker.bootstrap, content_service.url)
    # The sample anchors, graded 1–9 on the national scale in their legacy order.
    national = {
        essay: str(LEGACY.position(grade) + 1) for essay, grade in dataset.anchor_grades.items()
    }
    register_assignment(
        service.admin_store,
        dataset,
        "national",
        grade_scale="eng5_np_national_9_step",
        grades=national,
    )
    async with service, CallbackTap(kafka_broker.bootstrap) as tap:
        missing = request_envelope(batch_id, broken)
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, json.dumps(missing).encode())
        request = request_envelope(
            national_batch,
            dataset,
            essay_ids=dataset.student_ids,
            assignment_id="national",
            metadata={"max_comparisons": 80},
        )
        await publish(kafka_broker.bootstrap, REQUEST_TOPIC, json.dumps(request).encode())
        received = await tap.collect_until(
            lambda got: batch_finished(batch_id)(got) and batch_finished(national_batch)(got)
        )

    info = _error_info(received, batch_id)
    assert info["error_code"] == "CONTENT_FETCH_FAILED"
    assert "HTTP 404" in str(info["message"])
    # "1"–"9" cannot travel as the platform's letter grades: nobody is graded, anchors are
    # still CJ's own and marked as such.
    _, result = _result(received, national_batch)
    anchors = [essay for essay in result.essay_results if essay.is_anchor]
    assert len(anchors) == len(national)
    assert all(ANCHOR_ID.fullmatch(essay.essay_id) for essay in anchors)
    assert {essay.letter_grade for essay in result.essay_results} == {"U"}
    assert "grade_projection_summary" not in result.assessment_metadata
