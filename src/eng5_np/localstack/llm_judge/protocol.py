"""The small protocol between the reference CJ service and whichever judge it uses.

The CJ service hands a :class:`PairJudge` one :class:`JudgeTask` per planned pair and publishes
the :class:`~eng5_np.localstack.judge_types.JudgeVerdict` it gets back. Two judges implement it: the
simulated judge (through :class:`SimulatedPairJudge`, which leaves
:mod:`eng5_np.localstack.judge` untouched) and the real
:class:`~eng5_np.localstack.llm_judge.judge.LLMJudge`.

:func:`with_both_orders` adds, for ``--judge-both-orders FRACTION``, a swapped copy (B shown
as "Essay A") of that share of the planned pairs, so the report's position-consistency check
(SPEC §8) has pairs judged in both orders — for any judge.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.judge import SimulatedJudge
from eng5_np.localstack.judge_types import JudgeEssay, JudgeVerdict
from eng5_np.localstack.pairing import PlannedPair

__all__ = [
    "JudgeTask",
    "PairJudge",
    "SimulatedPairJudge",
    "comparison_tasks",
    "with_both_orders",
]


@dataclass(frozen=True)
class JudgeTask:
    """One comparison to judge: the essays in their A/B positions and the callback context."""

    essay_a: JudgeEssay
    essay_b: JudgeEssay
    request_metadata: dict[str, Any]
    """The CJ service's keys, echoed in the callback (``essay_a_id``, ``bos_batch_id``, …)."""
    correlation_id: uuid.UUID
    key: str
    """A stable per-comparison key (seeds the simulated judge's draws)."""


class PairJudge(Protocol):
    """Judges one pair at a time; implementations may be called concurrently."""

    @property
    def provider(self) -> LLMProviderType:
        """The provider its callbacks name."""
        ...

    @property
    def model_id(self) -> str:
        """The model its callbacks name."""
        ...

    async def compare(self, task: JudgeTask) -> JudgeVerdict:
        """The callback for one comparison (and whether to deliver it twice)."""
        ...


class SimulatedPairJudge:
    """:class:`PairJudge` over the simulated judge (instant, deterministic per task key)."""

    def __init__(self, judge: SimulatedJudge, student_prompt: str) -> None:
        self._judge = judge
        self._student_prompt = student_prompt

    @property
    def provider(self) -> LLMProviderType:
        """``mock``: simulated results are never mistaken for real ones."""
        return self._judge.model.provider

    @property
    def model_id(self) -> str:
        """The model the simulated judge's callbacks name (the one it is priced as)."""
        return self._judge.priced_model.model_id

    async def compare(self, task: JudgeTask) -> JudgeVerdict:
        """The simulated judgement of one pair."""
        return self._judge.compare(
            task.essay_a,
            task.essay_b,
            student_prompt=self._student_prompt,
            request_metadata=task.request_metadata,
            correlation_id=task.correlation_id,
            key=task.key,
        )


def with_both_orders(
    pairs: Sequence[PlannedPair], fraction: float, seed: int | str
) -> list[PlannedPair]:
    """``pairs`` plus, for round(fraction · n) of them (seeded choice), the swapped pair."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within 0–1, got {fraction}")
    planned = list(pairs)
    count = round(fraction * len(planned))
    if count == 0:
        return planned
    rng = random.Random(f"both-orders:{seed}")
    chosen = sorted(rng.sample(range(len(planned)), count))
    return planned + [
        PlannedPair(essay_a_id=planned[i].essay_b_id, essay_b_id=planned[i].essay_a_id)
        for i in chosen
    ]


def comparison_tasks(
    pairs: Sequence[PlannedPair],
    essays: Mapping[str, JudgeEssay],
    metadata: Mapping[str, Any],
    *,
    key_prefix: str,
    first_index: int = 0,
) -> list[tuple[PlannedPair, JudgeTask]]:
    """One task per pair: ``essay_a_id``/``essay_b_id`` plus the batch's ``metadata`` keys.

    Task keys are ``<key_prefix>:<index>`` counting from ``first_index``: a batch judged in
    waves passes the comparisons made so far, so a pair judged again gets a key (and so a
    ``request_id``) of its own.
    """
    return [
        (
            pair,
            JudgeTask(
                essay_a=essays[pair.essay_a_id],
                essay_b=essays[pair.essay_b_id],
                request_metadata={
                    "essay_a_id": pair.essay_a_id,
                    "essay_b_id": pair.essay_b_id,
                    **metadata,
                },
                correlation_id=uuid.uuid4(),
                key=f"{key_prefix}:{index}",
            ),
        )
        for index, pair in enumerate(pairs, start=first_index)
    ]
