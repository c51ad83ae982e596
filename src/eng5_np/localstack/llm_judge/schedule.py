"""Judge a batch's comparisons concurrently, bounded, handing each verdict on as it comes.

:func:`judge_all` runs ``concurrency`` workers that take the comparisons in planned order,
judge each with the :class:`~eng5_np.localstack.llm_judge.protocol.PairJudge` and ``await``
``deliver`` with the verdict (the CJ service publishes it there). When the judge raises
:class:`~eng5_np.localstack.llm_judge.cost.CostLimitReached`, no new comparison starts, those
in flight still finish and are delivered, and the reason is returned. Any other error cancels
the remaining workers and propagates. A judge panel first deals the comparisons to its members
(:meth:`~eng5_np.localstack.llm_judge.panel.PanelJudge.expand`; with ``--panel all`` each
comparison is judged, and delivered, once per member). With ``--judge-mode batch`` the whole
plan goes to the provider as one batch
(:meth:`~eng5_np.localstack.llm_judge.batch_judge.BatchJudge.judge_batch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from eng5_np.localstack.judge_types import JudgeVerdict
from eng5_np.localstack.llm_judge.cost import CostLimitReached
from eng5_np.localstack.llm_judge.protocol import JudgeTask, PairJudge

__all__ = ["judge_all"]

ItemT = TypeVar("ItemT")


async def judge_all(
    pair_judge: PairJudge,
    comparisons: Sequence[tuple[ItemT, JudgeTask]],
    concurrency: int,
    deliver: Callable[[ItemT, JudgeVerdict], Awaitable[None]],
) -> str | None:
    """Judge every comparison (see the module docstring); the cost-limit reason, if any."""
    from eng5_np.localstack.llm_judge.batch_judge import BatchJudge
    from eng5_np.localstack.llm_judge.panel import PanelJudge

    if isinstance(pair_judge, BatchJudge):  # --judge-mode batch: one provider batch
        return await pair_judge.judge_batch(comparisons, deliver)
    if isinstance(pair_judge, PanelJudge):
        comparisons = pair_judge.expand(comparisons)
    pending = list(reversed(comparisons))  # pop() from the end keeps the planned order
    stopped: list[str] = []

    async def worker() -> None:
        while pending and not stopped:
            item, task = pending.pop()
            try:
                verdict = await pair_judge.compare(task)
            except CostLimitReached as limit:
                stopped.append(str(limit))
                return
            await deliver(item, verdict)

    workers = [
        asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(comparisons))))
    ]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    return stopped[0] if stopped else None
