"""The cost guard under concurrency (issue 14): `--cost-limit 0.005` stopped after 1 of 30
comparisons because the first calls' worst-case reservations (1,024 answer tokens each) filled
the limit and the next refusal tripped the guard for good. Now a refused reservation waits for
the calls in flight to settle and estimates again; it trips only when nothing is in flight."""

from __future__ import annotations

import pytest
from judge_helpers import KEY, make_rig, task

from eng5_np.localstack.judge_types import JudgeVerdict
from eng5_np.localstack.llm_judge.cost import usd
from eng5_np.localstack.llm_judge.schedule import judge_all
from fake_providers import FakeProvider

pytestmark = pytest.mark.integration

CALL_USD = (700 * 1.0 + 80 * 5.0) / 1e6
"""The fake's 700 prompt + 80 completion tokens at Claude Haiku 4.5's $1/$5 per M: $0.0011."""


async def test_concurrent_calls_spend_the_limit_not_their_worst_case_reservations() -> None:
    limit = 0.012
    async with FakeProvider("anthropic", KEY) as fake:
        rig = make_rig(fake, "anthropic", cost_limit=limit)
        worst_case = rig.guard.estimate(4000, 1024)
        assert 3 * worst_case > limit  # three first reservations would not fit at once
        delivered: list[JudgeVerdict] = []

        async def deliver(index: int, verdict: JudgeVerdict) -> None:
            delivered.append(verdict)

        try:
            stopped = await judge_all(rig.judge, [(i, task()) for i in range(30)], 8, deliver)
        finally:
            await rig.close()
        calls = len(fake.requests)
    # $0.012 buys 10 calls of $0.0011; the 11th would pass the limit.
    assert len(delivered) == calls == 10
    assert rig.guard.spent_usd == pytest.approx(10 * CALL_USD)
    assert rig.guard.spent_usd <= limit
    assert stopped is not None
    assert stopped.startswith(f"spent {usd(10 * CALL_USD)} of the limit of $0.012 ")


def test_money_is_shown_at_the_artefacts_precision() -> None:
    assert usd(0.00042) == "$0.00042"
    assert usd(0.005) == "$0.005"
    assert usd(0.0) == "$0.0"
    assert usd(12.5) == "$12.5"
    assert usd(0.1 + 0.2) == "$0.3"  # rounded to the artefact's 10 decimals
