"""Judge one wave of a CJ batch's pairs and publish every callback, as the platform does.

:class:`WaveJudge` takes the pairs a pairing design chose for one wave, has the batch's judge
compare them (at most its concurrency at a time), publishes each comparison callback on the
comparison topic in the LLM Provider Service's envelope (:func:`wire_callback`) as soon as it is
judged — with the injected faults: duplicates, foreign callbacks, a delay — and returns once
the broker acknowledged every callback of the wave. :class:`BatchReport` counts what it did;
:class:`Publisher` is where events go. The batch around the waves (reading the request, the
design, the result) is :mod:`eng5_np.localstack.cj_batch`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from eng5_np.analysis import ComparisonOutcome
from eng5_np.contracts import (
    LLM_COMPARISON_RESULT_TOPIC,
    LLMComparisonResultV1,
    build_envelope,
    to_wire_bytes,
)
from eng5_np.localstack.cj_results import AssessmentFailure
from eng5_np.localstack.designs import BatchStop, Judgement
from eng5_np.localstack.judge import SimulatedJudge
from eng5_np.localstack.judge_types import JudgeEssay, JudgeVerdict
from eng5_np.localstack.llm_judge import JudgeRuntime, PairJudge, comparison_tasks
from eng5_np.localstack.llm_judge.cost import usd
from eng5_np.localstack.llm_judge.schedule import judge_all
from eng5_np.localstack.pairing import PlannedPair

__all__ = ["BatchReport", "Publisher", "WaveJudge", "WaveTarget", "wire_callback"]

LLM_SOURCE_SERVICE: Final = "llm_provider_service"
COMPARISON_EVENT_TYPE: Final = "LLMComparisonResultV1"
"""``event_type`` of comparison envelopes, as the platform's LLM provider service sends it."""
CJ_SOURCE_TAG: Final = "eng5_local_stack"


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
class WaveTarget:
    """What judging a batch's waves needs of the batch: where callbacks go, whose they are."""

    report: BatchReport
    publisher: Publisher
    judging: JudgeRuntime
    """The judge's concurrency, ``--judge-both-orders`` share and cost guard."""
    bos_batch_id: str
    cj_batch_id: str


class WaveJudge:
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
        batch: WaveTarget,
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
            "bos_batch_id": batch.bos_batch_id,
            "cj_batch_id": batch.cj_batch_id,
            "cj_source": CJ_SOURCE_TAG,
            "cj_request_type": "cj_comparison",
        }

    async def _publish_noise_due(self, acks: list[Awaitable[Any]]) -> None:
        report = self._batch.report
        while self._noise_at and self._noise_at[0] <= self._published:
            self._noise_at.pop(0)
            noise = self._judge.foreign_callback(f"{report.batch_id}:{report.foreign}")
            acks.append(
                await self._batch.publisher.send(LLM_COMPARISON_RESULT_TOPIC, wire_callback(noise))
            )
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
                raw = wire_callback(verdict.callback)
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


def wire_callback(callback: LLMComparisonResultV1) -> bytes:
    """A comparison callback in the envelope the platform's LLM provider service uses."""
    return to_wire_bytes(
        build_envelope(
            callback,
            event_type=COMPARISON_EVENT_TYPE,
            correlation_id=callback.correlation_id,
            source_service=LLM_SOURCE_SERVICE,
        )
    )
