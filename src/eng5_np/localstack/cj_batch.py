"""Answer one CJ request the way the platform's CJ service does (SPEC §7, §11).

Read the request as a guest or an assignment batch and fetch the texts
(:mod:`~eng5_np.localstack.cj_intake`), choose the pairs wave by wave with the stack's pairing
design (:mod:`~eng5_np.localstack.designs`: ``platform`` by default), judge and publish one
comparison callback per pair (plus injected faults), wait until every callback of a wave is
acknowledged before the design decides on the next wave or the stop, then publish the rich
result and the thin completion — with the design, its parameters, the stop reason and the
number of waves in ``assessment_metadata`` (``pairing_design``, ``pairing_parameters``,
``stop_reason``, ``stop_detail``, ``waves``) — or, when the batch cannot be assessed, a
failure event with the reason in ``system_metadata.error_info`` (a ``low_success_rate`` stop
fails the batch with ``LOW_SUCCESS_RATE`` and the same stop keys there). I/O goes through small
protocols (:class:`~eng5_np.localstack.cj_intake.TextSource`, :class:`Publisher`,
:class:`~eng5_np.localstack.cj_intake.AssignmentSource`) that
:mod:`~eng5_np.localstack.cj_service` implements with aiohttp, aiokafka and the admin store.

Request envelope ``metadata`` read here: ``max_comparisons`` (int > 0, the budget), as the
2026 CJ does; ``runner_mode`` only by the local ``adaptive`` design (``anchor-align`` → it
aims at the anchors' order); ``grade_scale`` is not read (an assignment batch uses its
assignment's scale).
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
from eng5_np.localstack.designs import BatchStop, Judgement, PairingConfig, run_design
from eng5_np.localstack.judge import JudgeConfig, SimulatedJudge, profile_metadata
from eng5_np.localstack.judge_types import JudgeEssay, JudgeVerdict, judge_settings
from eng5_np.localstack.llm_judge import (
    JudgeRuntime,
    JudgingConfig,
    PairJudge,
    call_options,
    comparison_tasks,
    prompt_context,
)
from eng5_np.localstack.llm_judge.cost import usd
from eng5_np.localstack.llm_judge.schedule import judge_all
from eng5_np.localstack.pairing import (
    PlannedPair,
    content_key,
    content_keys,
    draw_key,
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
    """Comparisons submitted so far over all waves (one callback each, errors included)."""
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
    stop: BatchStop | None = None
    """Why the pairing design finalised the batch, and after how many waves."""
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
    pairing: PairingConfig


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
    pairing: PairingConfig | None = None,
) -> None:
    """Process one request to its result and completion, or to a failure event; never raises.

    ``default_scale`` only calibrates the judge of guest batches (they have no scale).
    ``report`` is updated as callbacks go out and its ``done`` event is set at the end.
    ``judging`` is the stack's judge (None: the simulated judge, one comparison at a time).
    ``draws`` counts, per set of texts, the batches this service has already judged (see
    :func:`_draw_key`); None counts this batch alone. ``pairing`` is the stack's pairing
    design (None: the platform's, :mod:`eng5_np.localstack.designs`).
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
        pairing=pairing or PairingConfig(),
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
    texts_key = draw_key(content_key(essay.text for essay in prepared.essays.values()), batch.draws)
    seed = f"{batch.judge_config.seed}:{texts_key}"
    # The design works over keys made of the texts, so the same dataset and seed give the
    # same pairs in every run although the wire ids are new each time (SPEC §3).
    by_key = content_keys(prepared.essays)
    key_of = {essay_id: key for key, essay_id in by_key.items()}
    runner_mode = metadata.get("runner_mode")
    design = batch.pairing.build(
        sorted(by_key),
        {key_of[a] for a in prepared.anchor_grades},
        budget=_max_comparisons(metadata),
        seed=seed,
        runner_mode=runner_mode if isinstance(runner_mode, str) else None,
    )
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
    waves = _WaveJudge(batch, judge, pair_judge, prepared.essays, texts_key, design.budget)

    async def judge_wave(wave: list[PlannedPair]) -> list[Judgement]:
        planned = [PlannedPair(by_key[p.essay_a_id], by_key[p.essay_b_id]) for p in wave]
        judged = await waves.judge(planned)
        return [
            Judgement(
                PlannedPair(key_of[j.pair.essay_a_id], key_of[j.pair.essay_b_id]),
                key_of[j.winner_id] if j.winner_id is not None else None,
            )
            for j in judged
        ]

    stop = await run_design(design, judge_wave)
    await waves.finish()
    batch.report.stop = stop
    logger.info(
        "cj_service.batch_stopped",
        batch_id=batch.report.batch_id,
        design=design.name,
        reason=stop.reason.value,
        waves=stop.waves,
        comparisons=batch.report.planned,
    )
    stop_metadata: dict[str, Any] = {
        "pairing_design": design.name,
        "pairing_parameters": design.parameters(),
        "stop_reason": stop.reason.value,
        "stop_detail": stop.detail,
        "waves": stop.waves,
    }
    if stop.failed:
        raise AssessmentFailure("LOW_SUCCESS_RATE", stop.detail, details=stop_metadata)
    judge_metadata: dict[str, Any] = {
        "judge_seed": judge.seed,
        "judge_profile": profile_metadata(batch.judge_config.profile, judge),
    }
    if not batch.judging.config.choice.is_simulated:
        judge_metadata = {"simulated": False, "judge": batch.judging.config.label}
    assessment = assess_batch(
        batch.context,
        essay_ids=essay_ids,
        anchor_grades=prepared.anchor_grades,
        outcomes=waves.outcomes,
        failed_comparisons=batch.report.errors,
        scale=prepared.scale if prepared.projects_grades else None,
        model_id=pair_judge.model_id,
        model_provider=pair_judge.provider.value,
        extra_metadata={
            **judge_metadata,
            "comparison_budget": design.budget,
            "batch_kind": prepared.kind,
            **stop_metadata,
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


class _WaveJudge:
    """Judges one wave at a time and publishes every callback (plus injected noise).

    At most the judge's concurrency pairs are judged at a time and each callback is published
    as soon as it is judged; :meth:`judge` returns once every callback of the wave is
    acknowledged by the broker, so the design's refit only ever follows the last callback of a
    wave, as on the platform. ``--judge-both-orders`` adds, to every wave, swapped copies of a
    share of its pairs (the share over the batch so far stays the fraction asked): comparisons
    like any other in the callbacks, the result and the artefact, on top of the design's
    budget, and not handed to the design (its stop rules count its own pairs, as before).
    When the cost limit forbids the next comparison, no new one starts, those in flight are
    published, then the batch fails with ``COST_LIMIT_REACHED``, as the platform fails a
    batch.
    """

    def __init__(
        self,
        batch: _Batch,
        judge: SimulatedJudge,
        pair_judge: PairJudge,
        essays: dict[str, JudgeEssay],
        texts_key: str,
        budget: int,
    ) -> None:
        self._batch, self._judge, self._pair_judge = batch, judge, pair_judge
        self._essays, self._texts_key = essays, texts_key
        self._rng = random.Random(f"noise:{judge.seed}:{texts_key}")
        self._noise_at = sorted(
            self._rng.randrange(budget + 1) for _ in range(judge.faults.foreign_callbacks)
        )
        self._both_orders = random.Random(f"both-orders:{judge.seed}:{texts_key}")
        self._design_pairs = 0
        self._swapped = 0
        self._published = 0
        self._spent = 0.0
        """What this batch's callbacks cost: what the runner's artefact records."""
        self.outcomes: list[ComparisonOutcome] = []
        self._metadata = {
            "bos_batch_id": batch.context.batch_id,
            "cj_batch_id": batch.cj_batch_id,
            "cj_source": CJ_SOURCE_TAG,
            "cj_request_type": "cj_comparison",
        }

    async def _publish_noise_due(self, acks: list[Awaitable[Any]]) -> None:
        report = self._batch.report
        while self._noise_at and self._noise_at[0] <= self._published:
            self._noise_at.pop(0)
            noise = self._judge.foreign_callback(f"{report.batch_id}:{report.foreign}")
            acks.append(await self._batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, _wire(noise)))
            report.foreign += 1

    def _with_swapped(self, wave: list[PlannedPair]) -> list[PlannedPair]:
        fraction = self._batch.judging.config.both_orders
        self._design_pairs += len(wave)
        count = min(len(wave), round(fraction * self._design_pairs) - self._swapped)
        if count <= 0:
            return wave
        self._swapped += count
        chosen = sorted(self._both_orders.sample(range(len(wave)), count))
        return wave + [PlannedPair(wave[i].essay_b_id, wave[i].essay_a_id) for i in chosen]

    async def judge(self, wave: list[PlannedPair]) -> list[Judgement]:
        """Judge and publish a wave; its judgements once every callback is acknowledged."""
        batch, report = self._batch, self._batch.report
        pairs = self._with_swapped(wave)
        acks: list[Awaitable[Any]] = []
        judged: dict[int, Judgement] = {}
        publishing = asyncio.Lock()
        faults = self._judge.faults

        async def publish(item: tuple[int, PlannedPair], verdict: JudgeVerdict) -> None:
            index, pair = item
            async with publishing:  # one callback at a time: noise positions and delays hold
                await self._publish_noise_due(acks)
                raw = _wire(verdict.callback)
                acks.append(await batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, raw))
                self._spent += verdict.callback.cost_estimate
                if verdict.duplicate:
                    acks.append(await batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, raw))
                    report.duplicates += 1
                self._published += 1
                decided = verdict.callback.winner_and_loser()
                if decided is None:
                    report.errors += 1
                    judged[index] = Judgement(pair, None)
                else:
                    self.outcomes.append(
                        ComparisonOutcome(pair.essay_a_id, pair.essay_b_id, *decided)
                    )
                    judged[index] = Judgement(pair, decided[0])
                if faults.callback_delay_s > 0:
                    await asyncio.sleep(faults.callback_delay_s)

        tasks = [
            ((index, pair), task)
            for index, (pair, task) in enumerate(
                comparison_tasks(
                    pairs,
                    self._essays,
                    self._metadata,
                    key_prefix=self._texts_key,
                    first_index=report.planned,
                )
            )
        ]
        report.planned += len(pairs)
        stopped = await judge_all(
            self._pair_judge, tasks, batch.judging.config.concurrency, publish
        )
        # The design's refit, the result and the completion only follow acknowledged callbacks.
        await asyncio.gather(*acks)
        if stopped is not None:
            # Told after the calls in flight settled, so the figures are final (a message built
            # when the limit refused a call said "spent $0.0000" of a batch that cost $0.00042).
            guard = batch.judging.guard
            raise AssessmentFailure(
                "COST_LIMIT_REACHED",
                f"--cost-limit reached after {self._published} of {report.planned} "
                f"comparisons, which cost {usd(self._spent)}; the judge has "
                f"{guard.describe() if guard else stopped}",
            )
        # The design hears back about its own pairs; the swapped copies are extra data.
        return [judged[index] for index in range(len(wave)) if index in judged]

    async def finish(self) -> None:
        """Publish the noise planned after the last comparison."""
        acks: list[Awaitable[Any]] = []
        self._noise_at = [self._published] * len(self._noise_at)
        await self._publish_noise_due(acks)
        await asyncio.gather(*acks)


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
