"""The small protocol every pairing design of the local stack implements, and its driver.

A design chooses the pairs of a batch one *wave* at a time and decides, after every wave (once
every comparison of it has come back, succeeded or failed), whether the batch is finished and
why. :func:`run_design` is the one loop that drives any design: ask for a wave, have it judged,
hand the judgements back, stop when the design says so. The reference CJ service runs it with
the Kafka-publishing judge (:mod:`eng5_np.localstack.cj_waves`, driven by
:mod:`eng5_np.localstack.cj_batch`); ``benchmarks/bench_designs.py`` runs the very same loop
with a simulated judge in memory.

:class:`Ledger` is the book-keeping all designs share: comparisons per essay, which pairs have
a successful comparison, how often each essay was shown first, the last orientation of every
pair (for ``fair_complement``), and the Bradley–Terry refit of the successful comparisons
(:func:`eng5_np.analysis.fit_bradley_terry`).

Stop reasons (:class:`StopReason`, recorded in the rich result's ``assessment_metadata`` and in
the artefact's ``validation.runner_status.batch_stop``): ``stable`` (scores stopped moving),
``target_reached`` (the adaptive design's ``--target-precision``), ``budget_spent`` (callbacks
≥ budget), ``resampling_cap`` (every pair compared and every allowed resampling pass made),
``stalled`` (the next wave would be empty and no other rule fired) and ``low_success_rate``
(a cap was reached with too few successful comparisons: the batch fails).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from eng5_np.analysis import BTFit, ComparisonOutcome, fit_bradley_terry
from eng5_np.localstack.pairing import PlannedPair

__all__ = [
    "BatchStop",
    "Judgement",
    "Ledger",
    "PairingDesign",
    "StopReason",
    "run_design",
]


class StopReason(StrEnum):
    """Why a batch was finalised (see the module docstring)."""

    STABLE = "stable"
    TARGET_REACHED = "target_reached"
    BUDGET_SPENT = "budget_spent"
    RESAMPLING_CAP = "resampling_cap"
    STALLED = "stalled"
    LOW_SUCCESS_RATE = "low_success_rate"


@dataclass(frozen=True)
class BatchStop:
    """How a batch ended: the reason, the waves it took, and one line for people."""

    reason: StopReason
    waves: int
    detail: str

    @property
    def failed(self) -> bool:
        """True when the batch fails instead of being finalised (``low_success_rate``)."""
        return self.reason is StopReason.LOW_SUCCESS_RATE

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"reason", "waves", "detail"}``."""
        return {"reason": self.reason.value, "waves": self.waves, "detail": self.detail}


@dataclass(frozen=True)
class Judgement:
    """One comparison that came back: the pair as shown, and its winner (None = failed)."""

    pair: PlannedPair
    winner_id: str | None


class PairingDesign(Protocol):
    """Chooses a batch's pairs wave by wave and says when the batch is finished."""

    @property
    def name(self) -> str:
        """``platform``, ``balanced`` or ``adaptive``."""
        ...

    @property
    def budget(self) -> int:
        """The most comparisons the batch may submit."""
        ...

    def parameters(self) -> dict[str, Any]:
        """The design's settings, JSON-ready (recorded with the result)."""
        ...

    def next_wave(self) -> list[PlannedPair]:
        """The next wave's pairs in their A/B order; empty when the design has none left."""
        ...

    def after_wave(self, judged: Sequence[Judgement], waves: int) -> BatchStop | None:
        """Record a whole wave's judgements; a stop when the batch is finished, else None."""
        ...

    def when_empty(self, waves: int) -> BatchStop:
        """The stop when :meth:`next_wave` came back empty after ``waves`` waves."""
        ...


async def run_design(
    design: PairingDesign,
    judge_wave: Callable[[list[PlannedPair]], Awaitable[list[Judgement]]],
) -> BatchStop:
    """Drive ``design`` to its stop: a wave, its judgements (all of them), the stop rules."""
    waves = 0
    while True:
        wave = design.next_wave()
        if not wave:
            return design.when_empty(waves)
        judged = await judge_wave(wave)
        waves += 1
        stop = design.after_wave(judged, waves)
        if stop is not None:
            return stop


@dataclass
class Ledger:
    """What every design keeps about a batch's comparisons so far (see the module docstring)."""

    essays: tuple[str, ...]
    rng: random.Random
    """The batch's seeded generator (coin flips, jitter)."""
    submitted: int = 0
    callbacks: int = 0
    outcomes: list[ComparisonOutcome] = field(default_factory=list)
    """Successful comparisons, in the order they came back."""
    counts: Counter[str] = field(default_factory=Counter)
    """Successful comparisons per essay."""
    pair_counts: Counter[frozenset[str]] = field(default_factory=Counter)
    """Successful comparisons per unordered pair."""
    shown_first: Counter[str] = field(default_factory=Counter)
    """Submitted comparisons per essay in which it was shown as "Essay A"."""
    last_first: dict[frozenset[str], str] = field(default_factory=dict)
    """Per unordered pair, the essay shown first the last time it was submitted."""

    @classmethod
    def of(cls, essays: Iterable[str], seed: int | str) -> Ledger:
        """A ledger over ``essays`` (sorted, so input order does not matter)."""
        return cls(essays=tuple(sorted(set(essays))), rng=random.Random(f"design:{seed}"))

    @property
    def all_pairs(self) -> int:
        """n(n−1)/2."""
        n = len(self.essays)
        return n * (n - 1) // 2

    @property
    def successes(self) -> int:
        """Successful comparisons so far."""
        return len(self.outcomes)

    @property
    def success_rate(self) -> float:
        """Successful / callbacks (1.0 before any callback)."""
        return self.successes / self.callbacks if self.callbacks else 1.0

    @property
    def coverage_complete(self) -> bool:
        """Every pair has at least one successful comparison."""
        return len(self.pair_counts) == self.all_pairs

    def orient(self, first: str, second: str) -> PlannedPair:
        """``fair_complement``: the pair's earlier presentation swapped; a new pair shows
        first the essay shown first less often (a seeded coin on a tie)."""
        pair = frozenset((first, second))
        before = self.last_first.get(pair)
        if before is not None:
            leader = second if before == first else first
        elif self.shown_first[first] != self.shown_first[second]:
            leader = min((first, second), key=lambda essay: self.shown_first[essay])
        else:
            leader = first if self.rng.random() < 0.5 else second
        other = second if leader == first else first
        return PlannedPair(essay_a_id=leader, essay_b_id=other)

    def submit(self, wave: Sequence[PlannedPair]) -> list[PlannedPair]:
        """Count ``wave`` as submitted (positions and orientations) and return it."""
        for planned in wave:
            self.submitted += 1
            self.shown_first[planned.essay_a_id] += 1
            self.last_first[frozenset((planned.essay_a_id, planned.essay_b_id))] = (
                planned.essay_a_id
            )
        return list(wave)

    def record(self, judged: Sequence[Judgement]) -> None:
        """Count the callbacks of a wave and keep the successful outcomes."""
        for judgement in judged:
            self.callbacks += 1
            if judgement.winner_id is None:
                continue
            a, b = judgement.pair.essay_a_id, judgement.pair.essay_b_id
            loser = b if judgement.winner_id == a else a
            self.outcomes.append(ComparisonOutcome(a, b, judgement.winner_id, loser))
            self.counts[a] += 1
            self.counts[b] += 1
            self.pair_counts[frozenset((a, b))] += 1

    def fit(self) -> BTFit:
        """Bradley–Terry over the successful comparisons so far."""
        return fit_bradley_terry(self.outcomes, essay_ids=self.essays)
