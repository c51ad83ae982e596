"""Answer one CJ request the way the platform's CJ service does (SPEC §7, §11).

Read the request as a guest or an assignment batch and fetch the texts
(:mod:`~eng5_np.localstack.cj_intake`), plan the pairs, judge and publish one comparison
callback per pair (plus injected faults), wait until every callback is acknowledged, then
publish the rich result and the thin completion — or, when the batch cannot be assessed, a
failure event with the reason in ``system_metadata.error_info``. I/O goes through small
protocols (:class:`~eng5_np.localstack.cj_intake.TextSource`, :class:`Publisher`,
:class:`~eng5_np.localstack.cj_intake.AssignmentSource`) that
:mod:`~eng5_np.localstack.cj_service` implements with aiohttp, aiokafka and the admin store.

Request envelope ``metadata`` read here: ``max_comparisons`` (int > 0, the budget), as the
2026 CJ does; ``grade_scale`` is not read (an assignment batch uses its assignment's scale).
Judging goes through the small :class:`~eng5_np.localstack.llm_judge.PairJudge` protocol: the
simulated judge (the default; provider ``mock``, its own model id, so simulated results are
never mistaken for real ones) or a real LLM judge (SPEC §13), which gets the prompt context of
SPEC §11.4 (:class:`~eng5_np.localstack.cj_intake.JudgeContext`: student prompt, assessment
instructions, rubric, system prompt) and the reasoning effort, temperature and max tokens of
``llm_config_overrides``. Pairs are judged concurrently (at most the judge's concurrency at a
time) and each callback is published as soon as it is judged.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import structlog
from pydantic import BaseModel

from eng5_np.analysis import ComparisonOutcome
from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
    ELSCJAssessmentRequestV1,
    EventEnvelope,
    LLMComparisonResultV1,
    LLMConfigOverrides,
    build_envelope,
    to_wire_bytes,
    utc_now,
)
from eng5_np.localstack.cj_intake import (
    AssignmentSource,
    TextSource,
    prepare_batch,
)
from eng5_np.localstack.cj_results import (
    AssessmentFailure,
    BatchContext,
    assess_batch,
    build_failure,
)
from eng5_np.localstack.judge import (
    JudgeConfig,
    JudgeEssay,
    JudgeVerdict,
    SimulatedJudge,
    judge_settings,
    profile_metadata,
)
from eng5_np.localstack.llm_judge import (
    JudgeRuntime,
    JudgingConfig,
    PairJudge,
    call_options,
    comparison_tasks,
    prompt_context,
    with_both_orders,
)
from eng5_np.localstack.llm_judge.cost import usd
from eng5_np.localstack.llm_judge.schedule import judge_all
from eng5_np.localstack.pairing import (
    PlannedPair,
    content_key,
    draw_key,
    plan_by_content,
    resolve_budget,
)
from eng5_np.reference.grades import GradeScale
from eng5_np.reference.llm_models import ModelEntry, load_manifest

__all__ = [
    "CJ_SOURCE_SERVICE",
    "BatchReport",
    "Publisher",
    "TextSource",
    "answer_request",
]

CJ_SOURCE_SERVICE: Final = "cj_assessment_service"
LLM_SOURCE_SERVICE: Final = "llm_provider_service"
COMPARISON_EVENT_TYPE: Final = "LLMComparisonResultV1"
"""``event_type`` of comparison envelopes, as the platform's LLM provider service sends it."""
CJ_SOURCE_TAG: Final = "eng5_local_stack"

logger = structlog.get_logger(__name__)


class Publisher(Protocol):
    """Where events go: a Kafka producer."""

    async def send(self, topic: str, value: bytes, key: str | None = None) -> Awaitable[Any]:
        """Queue a message; the returned awaitable completes when the broker acknowledged it."""
        ...


@dataclass
class BatchReport:
    """What the service did for one batch (for tests and rehearsals)."""

    batch_id: str
    planned: int = 0
    """Comparisons planned (one callback each, errors included)."""
    errors: int = 0
    """Error callbacks published (unique)."""
    duplicates: int = 0
    """Callbacks published a second time."""
    foreign: int = 0
    """Callbacks of other batches published as noise."""
    status: str = "processing"
    """The completion's status, or ``failed``."""
    kind: str | None = None
    """``guest`` or ``assignment`` once the request has been read."""
    anchor_ids: dict[str, int] = field(default_factory=dict)
    """``ANCHOR_…`` essay id → registered anchor id, for the anchors CJ added."""
    failure: str | None = None
    """``CODE: message`` of a failed batch."""
    done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    """Set once the batch's last event is acknowledged."""


@dataclass(frozen=True)
class _Batch:
    """Everything one request's processing needs."""

    envelope: EventEnvelope[ELSCJAssessmentRequestV1]
    context: BatchContext
    report: BatchReport
    texts: TextSource
    publisher: Publisher
    assignments: AssignmentSource
    judge_config: JudgeConfig
    default_scale: GradeScale
    cj_batch_id: str
    judging: JudgeRuntime
    draws: Counter[str]


async def answer_request(
    envelope: EventEnvelope[ELSCJAssessmentRequestV1],
    report: BatchReport,
    *,
    texts: TextSource,
    publisher: Publisher,
    assignments: AssignmentSource,
    judge_config: JudgeConfig,
    default_scale: GradeScale,
    cj_batch_id: str,
    judging: JudgeRuntime | None = None,
    draws: Counter[str] | None = None,
) -> None:
    """Process one request to its result and completion, or to a failure event; never raises.

    ``default_scale`` only calibrates the judge of guest batches (they have no scale).
    ``report`` is updated as callbacks go out and its ``done`` event is set at the end.
    ``judging`` is the stack's judge (None: the simulated judge, one comparison at a time).
    ``draws`` counts, per set of texts, the batches this service has already judged (see
    :func:`_draw_key`); None counts this batch alone.
    """
    batch = _Batch(
        envelope=envelope,
        context=BatchContext(
            batch_id=envelope.data.entity_id or "",
            parent_id=envelope.data.parent_id,
            job_id=str(uuid.uuid4()),
            started_at=utc_now(),
        ),
        report=report,
        texts=texts,
        publisher=publisher,
        assignments=assignments,
        judge_config=judge_config,
        default_scale=default_scale,
        cj_batch_id=cj_batch_id,
        judging=judging or JudgeRuntime(JudgingConfig(concurrency=1)),
        draws=draws if draws is not None else Counter(),
    )
    log = logger.bind(batch_id=report.batch_id, correlation_id=str(envelope.correlation_id))
    try:
        failure: AssessmentFailure | None = None
        try:
            await _assess(batch)
        except AssessmentFailure as error:
            failure = error
        except Exception as error:
            # The service never dies with a batch: the batch fails with the reason instead.
            log.exception("cj_service.batch_error")
            failure = AssessmentFailure("INTERNAL_ERROR", f"{type(error).__name__}: {error}")
        if failure is not None:
            log.warning("cj_service.batch_failed", code=failure.code, reason=failure.message)
            await _publish_failure(batch, failure)
        else:
            log.info("cj_service.batch_done", status=report.status, planned=report.planned)
    except Exception:
        log.exception("cj_service.failure_not_published")
    finally:
        report.done.set()


async def _assess(batch: _Batch) -> None:
    request, metadata = batch.envelope.data, batch.envelope.metadata or {}
    prepared = await prepare_batch(
        request,
        texts=batch.texts,
        assignments=batch.assignments,
        default_scale=batch.default_scale,
    )
    batch.report.kind = prepared.kind
    batch.report.anchor_ids = dict(prepared.registered_anchor_ids)
    essay_ids = list(prepared.essays)
    budget = resolve_budget(len(essay_ids), _max_comparisons(metadata))
    texts_key = draw_key(content_key(essay.text for essay in prepared.essays.values()), batch.draws)
    seed = f"{batch.judge_config.seed}:{texts_key}"
    pairs = plan_by_content(prepared.essays, set(prepared.anchor_grades), budget, seed)
    judging = batch.judging.config
    pairs = with_both_orders(pairs, judging.both_orders, seed)
    batch.report.planned = len(pairs)
    context = prepared.judge_context
    judge = batch.judge_config.build(
        len(prepared.scale.grades),
        judge_settings(context.overrides),
        priced_as(context.overrides),
    )
    pair_judge = batch.judging.for_batch(
        judge,
        prompt_context(
            context.overrides,
            student_prompt=context.student_prompt,
            instructions=context.instructions or "",
            rubric=context.rubric or "",
        ),
        call_options(context.overrides),
    )
    outcomes = await _publish_comparisons(
        batch, judge, pair_judge, prepared.essays, pairs, texts_key
    )
    judge_metadata: dict[str, Any] = {
        "judge_seed": judge.seed,
        "judge_profile": profile_metadata(batch.judge_config.profile, judge),
    }
    if not judging.choice.is_simulated:
        judge_metadata = {"simulated": False, "judge": judging.choice.label}
    assessment = assess_batch(
        batch.context,
        essay_ids=essay_ids,
        anchor_grades=prepared.anchor_grades,
        outcomes=outcomes,
        failed_comparisons=batch.report.errors,
        scale=prepared.scale if prepared.projects_grades else None,
        model_id=pair_judge.model_id,
        model_provider=pair_judge.provider.value,
        extra_metadata={
            **judge_metadata,
            "comparison_budget": budget,
            "batch_kind": prepared.kind,
        },
    )
    if batch.judge_config.faults.withhold_result:
        # Fault no-result: the platform sends its completion, then fails to build the result.
        logger.warning("cj_service.result_withheld", batch_id=batch.context.batch_id)
    else:
        await _publish_cj_event(batch, ASSESSMENT_RESULT_TOPIC, assessment.result)
    await _publish_cj_event(batch, CJ_COMPLETED_TOPIC, assessment.completion)
    batch.report.status = assessment.completion.status


def priced_as(overrides: LLMConfigOverrides | None) -> ModelEntry | None:
    """The manifest model a request names, which the simulated judge is priced as."""
    if overrides is None or not overrides.model_override:
        return None
    return load_manifest().find(overrides.model_override, overrides.provider_override)


def _max_comparisons(metadata: Mapping[str, Any]) -> int | None:
    """``metadata.max_comparisons`` when it is an int > 0, else None (the default budget)."""
    value = metadata.get("max_comparisons")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if value is not None:
        logger.warning("cj_service.max_comparisons_ignored", value=repr(value))
    return None


async def _publish_comparisons(
    batch: _Batch,
    judge: SimulatedJudge,
    pair_judge: PairJudge,
    essays: dict[str, JudgeEssay],
    pairs: list[PlannedPair],
    texts_key: str,
) -> list[ComparisonOutcome]:
    """Judge every pair concurrently, publish each callback (plus injected noise) as it is
    judged, and return the successful outcomes once every callback is acknowledged.

    At most the judge's concurrency pairs are judged at a time. When the cost limit forbids
    the next comparison, no new one starts; those in flight are published, then the batch
    fails with ``COST_LIMIT_REACHED``, as the platform fails a batch.
    """
    report, batch_id = batch.report, batch.context.batch_id
    faults = judge.faults
    rng = random.Random(f"noise:{judge.seed}:{texts_key}")
    noise_at = sorted(rng.randrange(len(pairs) + 1) for _ in range(faults.foreign_callbacks))
    acks: list[Awaitable[Any]] = []
    outcomes: list[ComparisonOutcome] = []
    publishing = asyncio.Lock()
    spent = [0.0]  # what this batch's callbacks cost: what the runner's artefact records

    async def publish_noise_due(published: int) -> None:
        while noise_at and noise_at[0] <= published:
            noise_at.pop(0)
            noise = judge.foreign_callback(f"{batch_id}:{report.foreign}")
            acks.append(await batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, _wire(noise)))
            report.foreign += 1

    async def publish(pair: PlannedPair, verdict: JudgeVerdict) -> None:
        async with publishing:  # one callback at a time: noise positions and delays hold
            await publish_noise_due(len(outcomes) + report.errors)
            raw = _wire(verdict.callback)
            acks.append(await batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, raw))
            spent[0] += verdict.callback.cost_estimate
            if verdict.duplicate:
                acks.append(await batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, raw))
                report.duplicates += 1
            decided = verdict.callback.winner_and_loser()
            if decided is None:
                report.errors += 1
            else:
                outcomes.append(ComparisonOutcome(pair.essay_a_id, pair.essay_b_id, *decided))
            if faults.callback_delay_s > 0:
                await asyncio.sleep(faults.callback_delay_s)

    metadata = {
        "bos_batch_id": batch_id,
        "cj_batch_id": batch.cj_batch_id,
        "cj_source": CJ_SOURCE_TAG,
        "cj_request_type": "cj_comparison",
    }
    comparisons = comparison_tasks(pairs, essays, metadata, key_prefix=texts_key)
    stopped = await judge_all(pair_judge, comparisons, batch.judging.config.concurrency, publish)
    if stopped is None:
        await publish_noise_due(len(pairs))  # the noise planned after the last comparison
    # The result and the completion must only follow the last acknowledged comparison.
    await asyncio.gather(*acks)
    if stopped is not None:
        judged = len(outcomes) + report.errors
        # Told after the calls in flight settled, so the figures are final (a message built
        # when the limit refused a call said "spent $0.0000" of a batch that cost $0.00042).
        guard = batch.judging.guard
        raise AssessmentFailure(
            "COST_LIMIT_REACHED",
            f"--cost-limit reached after {judged} of {report.planned} comparisons, which cost "
            f"{usd(spent[0])}; the judge has {guard.describe() if guard else stopped}",
        )
    return outcomes


def _wire(callback: LLMComparisonResultV1) -> bytes:
    """A comparison callback in the envelope the platform's LLM provider service uses."""
    return to_wire_bytes(
        build_envelope(
            callback,
            event_type=COMPARISON_EVENT_TYPE,
            correlation_id=callback.correlation_id,
            source_service=LLM_SOURCE_SERVICE,
        )
    )


async def _publish_cj_event(batch: _Batch, topic: str, payload: BaseModel) -> None:
    """Publish a CJ event keyed by batch id and wait for the acknowledgement."""
    envelope = build_envelope(
        payload,
        event_type=topic,
        correlation_id=batch.envelope.correlation_id,
        source_service=CJ_SOURCE_SERVICE,
    )
    await (await batch.publisher.send(topic, to_wire_bytes(envelope), batch.context.batch_id))


async def _publish_failure(batch: _Batch, failure: AssessmentFailure) -> None:
    batch.report.status = "failed"
    batch.report.failure = f"{failure.code}: {failure.message}"
    await _publish_cj_event(batch, CJ_FAILED_TOPIC, build_failure(batch.context, failure))
