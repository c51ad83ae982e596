"""A panel of real judges (``--judge A,B,…``): each comparison judged by one member, or by all.

Panels of several judges cut one model's idiosyncrasies, and CJ has judge-level diagnostics
(judge infit) for exactly this. :class:`PanelJudge` is a
:class:`~eng5_np.localstack.llm_judge.protocol.PairJudge` over member judges; before judging,
:meth:`PanelJudge.expand` decides who judges what:

- ``split`` (the default): the planned comparisons (each wave of the pairing design in turn)
  are taken in blocks of as many comparisons as there are members, and each block is dealt to
  the members in a seeded random order, those dealt fewest so far first — so every member
  judges the same number of comparisons (± 1) over the whole batch, spread over the plan, and
  the same plan gets the same dealing (the seed is the comparison keys);
- ``all`` (``--panel all``): every member judges every planned comparison, each a callback of
  its own (its own ``request_id`` and correlation id).

Each callback names its member in ``request_metadata.judge.label``; the runner keeps it in the
artefact, and the analysis adds per-judge figures from it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Final, Literal, TypeVar

from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.judge_types import JudgeVerdict
from eng5_np.localstack.llm_judge.judge import LLMJudge
from eng5_np.localstack.llm_judge.protocol import JudgeTask

__all__ = ["PANEL_MODES", "PanelJudge", "PanelMode"]

PanelMode = Literal["split", "all"]
PANEL_MODES: Final[tuple[PanelMode, ...]] = ("split", "all")
ItemT = TypeVar("ItemT")


class PanelJudge:
    """Judges with a panel of :class:`LLMJudge` members (see the module docstring)."""

    def __init__(self, members: Sequence[LLMJudge], mode: PanelMode = "split") -> None:
        if len(members) < 2:
            raise ValueError("a panel has at least two members")
        self._members = list(members)
        self._mode = mode
        self._pins: dict[str, int] = {}
        self._dealt = [0] * len(members)

    @property
    def provider(self) -> LLMProviderType:
        """The first member's provider (the batch result names one model)."""
        return self._members[0].provider

    @property
    def model_id(self) -> str:
        """The first member's model."""
        return self._members[0].model_id

    @property
    def labels(self) -> tuple[str, ...]:
        """The members' labels, in ``--judge`` order."""
        return tuple(member.label for member in self._members)

    def expand(
        self, comparisons: Sequence[tuple[ItemT, JudgeTask]]
    ) -> list[tuple[ItemT, JudgeTask]]:
        """The comparisons to judge, each pinned to the member that will judge it."""
        size = len(self._members)
        if self._mode == "all":
            expanded: list[tuple[ItemT, JudgeTask]] = []
            for item, task in comparisons:
                for index in range(size):
                    pinned = replace(
                        task, correlation_id=uuid.uuid4(), key=f"{task.key}#judge{index}"
                    )
                    self._pins[pinned.key] = index
                    expanded.append((item, pinned))
            return expanded
        seed = "panel:" + ("|".join(task.key for _, task in comparisons[:1]) or "empty")
        rng = random.Random(seed)
        for start in range(0, len(comparisons), size):
            shuffled = rng.sample(range(size), size)
            # Those dealt fewest so far first: a batch's waves stay balanced as a whole.
            order = sorted(shuffled, key=lambda member: self._dealt[member])
            for offset, (_, task) in enumerate(comparisons[start : start + size]):
                self._pins[task.key] = order[offset]
                self._dealt[order[offset]] += 1
        return list(comparisons)

    async def compare(self, task: JudgeTask) -> JudgeVerdict:
        """The verdict of the member the task is pinned to (the first when not expanded)."""
        return await self._members[self._pins.get(task.key, 0)].compare(task)
