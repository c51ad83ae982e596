"""Answer one CJ request the way the platform's CJ service does (SPEC §7, §11).

Read the request as a guest or an assignment batch and fetch the texts
(:mod:`~eng5_np.localstack.cj_intake`), choose the pairs wave by wave with the stack's pairing
design (:mod:`~eng5_np.localstack.designs`: ``platform`` by default), judge and publish one
comparison callback per pair (plus injected faults; :mod:`~eng5_np.localstack.cj_waves`),
wait until every callback of a wave is acknowledged before the design decides on the next
wave or the stop, then publish the rich result and the thin completion — with the design, its
parameters, the stop reason and the number of waves in ``assessment_metadata``
(``pairing_design``, ``pairing_parameters``, ``stop_reason``, ``stop_detail``, ``waves``) — or,
when the batch cannot be assessed, a failure event with the reason in
``system_metadata.error_info`` (a ``low_success_rate`` stop fails the batch with
``LOW_SUCCESS_RATE`` and the same stop keys there). I/O goes through small protocols
(:class:`~eng5_np.localstack.cj_intake.TextSource`,
:class:`~eng5_np.localstack.cj_waves.Publisher`,
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

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import structlog
from pydantic import BaseModel

from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    ELSCJAssessmentRequestV1,
    EventEnvelope,
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
from eng5_np.localstack.cj_waves import BatchReport, Publisher, WaveJudge, WaveTarget
from eng5_np.localstack.designs import Judgement, PairingConfig, run_design
from eng5_np.localstack.judge import JudgeConfig, profile_metadata
from eng5_np.localstack.judge_types import judge_settings
from eng5_np.localstack.llm_judge import (
    JudgeRuntime,
    JudgingConfig,
    call_options,
    prompt_context,
)
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
    "TextSource",
    "answer_request",
]

CJ_SOURCE_SERVICE: Final = "cj_assessment_service"

logger = structlog.get_logger(__name__)


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
    target = WaveTarget(
        batch.report, batch.publisher, batch.judging, batch.context.batch_id, batch.cj_batch_id
    )
    waves = WaveJudge(target, judge, pair_judge, prepared.essays, texts_key, design.budget)

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
