"""``balanced``: the local stack's original fixed plan, now able to spend any budget.

The first pass is :func:`eng5_np.localstack.pairing.plan_pairs` over all n(n−1)/2 pairs (or
fewer when the budget is smaller): balanced counts, students meeting anchors and students,
positions by a seeded coin. Once every pair is planned, each further pass plans the pairs again
with another seed (so the repeats stay balanced) and shows every pair the other way round from
its previous presentation — a pair judged twice is judged once in each order. The plan is fixed
before the first judgement: judgements never change it. It is submitted in waves of ⌊n/2⌋
pairs (so progress and the stop reason read as for the other designs) and ends
``budget_spent`` after ⌈budget / ⌊n/2⌋⌉ waves.

Default budget (no ``metadata.max_comparisons``): :func:`eng5_np.localstack.pairing.default_budget`
(about 12 comparisons per essay, at most every pair once), as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from eng5_np.localstack.designs.protocol import BatchStop, Judgement, Ledger, StopReason
from eng5_np.localstack.pairing import PlannedPair, default_budget, plan_pairs

__all__ = ["BalancedDesign", "balanced_plan"]


def balanced_plan(
    essays: Sequence[str], anchors: Collection[str], budget: int, seed: int | str
) -> list[PlannedPair]:
    """``budget`` comparisons: balanced passes over every pair, repeats in the other order."""
    if budget < 0:
        raise ValueError(f"budget must not be negative, got {budget}")
    all_pairs = len(essays) * (len(essays) - 1) // 2
    if all_pairs == 0:
        return []
    plan: list[PlannedPair] = []
    last_first: dict[frozenset[str], str] = {}
    passes = 0
    while len(plan) < budget:
        size = min(budget - len(plan), all_pairs)
        pass_seed = seed if passes == 0 else f"{seed}:pass{passes}"
        for pair in plan_pairs(essays, anchors, budget=size, seed=pass_seed):
            key = frozenset((pair.essay_a_id, pair.essay_b_id))
            if last_first.get(key) == pair.essay_a_id:
                pair = PlannedPair(essay_a_id=pair.essay_b_id, essay_b_id=pair.essay_a_id)
            last_first[key] = pair.essay_a_id
            plan.append(pair)
        passes += 1
    return plan


class BalancedDesign:
    """The fixed balanced plan, submitted in waves (see the module docstring)."""

    name = "balanced"

    def __init__(
        self,
        essays: Iterable[str],
        anchors: Collection[str] = (),
        *,
        budget: int | None = None,
        seed: int | str = 0,
    ) -> None:
        self.ledger = Ledger.of(essays, seed)
        count = len(self.ledger.essays)
        self._budget = budget if budget is not None else default_budget(count)
        if self._budget < 1:
            raise ValueError(f"budget must be positive, got {self._budget}")
        self._plan = balanced_plan(self.ledger.essays, anchors, self._budget, seed)
        self._wave_size = max(1, count // 2)

    @property
    def budget(self) -> int:
        """Comparisons the batch may submit."""
        return self._budget

    def parameters(self) -> dict[str, Any]:
        """The budget and the wave size."""
        return {"budget": self._budget, "wave_size": self._wave_size}

    def next_wave(self) -> list[PlannedPair]:
        """The next ⌊n/2⌋ pairs of the plan."""
        start = self.ledger.submitted
        return self.ledger.submit(self._plan[start : start + self._wave_size])

    def after_wave(self, judged: Sequence[Judgement], waves: int) -> BatchStop | None:
        """``budget_spent`` once the whole plan is judged."""
        self.ledger.record(judged)
        if self.ledger.submitted >= len(self._plan):
            return self.when_empty(waves)
        return None

    def when_empty(self, waves: int) -> BatchStop:
        """The plan is spent: ``budget_spent``."""
        return BatchStop(
            StopReason.BUDGET_SPENT, waves, f"budget of {self._budget} comparisons spent"
        )
