"""``--judge-mode batch`` (issue 18, SPEC §13.1): the real SDKs against fake OpenAI Batch,
Anthropic Message Batches and Gemini batch mode servers on 127.0.0.1 — results mapped back by
``custom_id`` (Gemini: ``metadata.key``), priced at half the live price, expired requests and
failed batches as error callbacks, and a killed judge that resumes polling its batch instead of
submitting it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from judge_helpers import KEY, LONG, MIDDLE, SHORT, JudgeRig, Sleeps, make_rig, tasks

from eng5_np.errors import JudgeMisconfigured
from eng5_np.localstack.judge_types import JudgeVerdict
from eng5_np.localstack.llm_judge.batch_api import BATCH_PRICE_FACTOR
from eng5_np.localstack.llm_judge.batch_judge import BatchJudge, custom_id
from eng5_np.localstack.llm_judge.cost import usd
from eng5_np.localstack.llm_judge.runtime import JudgingConfig
from fake_providers import FakeProvider

pytestmark = pytest.mark.integration


async def _run(judge: BatchJudge, count: int) -> list[JudgeVerdict]:
    verdicts: list[JudgeVerdict] = []

    async def deliver(_: int, verdict: JudgeVerdict) -> None:
        verdicts.append(verdict)

    await judge.judge_batch(tasks(count), deliver)
    return verdicts


async def _judged(
    fake: FakeProvider, name: str, tmp_path: Path, count: int, **options: Any
) -> tuple[JudgeRig, list[JudgeVerdict]]:
    """``count`` comparisons judged in one batch on ``fake`` (``options``: the judge's)."""
    rig = make_rig(fake, name)
    judge = BatchJudge(rig.judge, tmp_path, **({"poll_s": 0.01, "sleep": Sleeps()} | options))
    try:
        return rig, await _run(judge, count)
    finally:
        await rig.close()


def _codes(verdicts: list[JudgeVerdict]) -> list[str | None]:
    details = [v.callback.error_detail for v in verdicts]
    return [detail.error_code if detail else None for detail in details]


BATCH_NAMES = {"anthropic": "msgbatch_", "openai": "batch_", "google": "batches/"}


@pytest.mark.parametrize("name", ["anthropic", "openai", "google"])
async def test_a_batch_is_judged_at_half_the_live_price(name: str, tmp_path: Path) -> None:
    async with FakeProvider(name, KEY, batch_polls_to_finish=3) as fake:  # type: ignore[arg-type]
        sleeps = Sleeps()
        rig, verdicts = await _judged(fake, name, tmp_path, 6, poll_s=2.0, sleep=sleeps)
        assert fake.batches is not None
        assert fake.batches.submissions == 1
        live = list(fake.requests)  # the live endpoint was never called
    assert live == []
    assert sleeps.delays == [2.0, 3.0]  # polled 3 times, backing off ×1.5
    assert len(verdicts) == 6
    live_price = rig.model.cost_usd(700, 80)
    for verdict in verdicts:
        callback = verdict.callback
        assert callback.winner is not None
        assert callback.cost_estimate == pytest.approx(live_price / 2)
        facts = callback.request_metadata["judge"]
        assert facts["mode"] == "batch"
        assert facts["batch_id"].startswith(BATCH_NAMES[name])
    # The longer essay wins: the results were mapped back to their own comparisons.
    first = verdicts[0].callback  # SHORT vs LONG
    assert first.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    (progress,) = rig.throttle.stats.batches.values()
    assert progress == "6 submitted, 6 finished"
    assert "batch " in rig.throttle.stats.summary()


@pytest.mark.parametrize(
    ("name", "code"),
    [("openai", "BATCH_REQUEST_EXPIRED"), ("google", "LLM_PROVIDER_SERVICE_ERROR")],
)
async def test_expired_requests_become_error_callbacks(
    name: str, code: str, tmp_path: Path
) -> None:
    """OpenAI leaves an expired request out of the output file; Gemini answers it with an
    ``error`` (``DEADLINE_EXCEEDED``) in its place."""
    async with FakeProvider(name, KEY, batch_expired=2) as fake:  # type: ignore[arg-type]
        _, verdicts = await _judged(fake, name, tmp_path, 5)
    assert _codes(verdicts) == [None, None, None, code, code]
    assert all(v.callback.cost_estimate == 0 for v in verdicts[3:])
    assert all(v.callback.winner is not None for v in verdicts[:3])


async def test_gemini_responses_without_their_key_are_mapped_back_by_position(
    tmp_path: Path,
) -> None:
    async with FakeProvider("google", KEY, batch_keys=False) as fake:
        _, verdicts = await _judged(fake, "google", tmp_path, 4)
    assert _codes(verdicts) == [None] * 4
    # tasks(4) pairs (SHORT, LONG), (LONG, MIDDLE), (MIDDLE, SHORT), (SHORT, LONG): the
    # longer essay of each pair won, so each answer reached its own comparison.
    winners = [v.callback.winner_and_loser()[0] for v in verdicts]
    assert winners == [LONG.essay_id, LONG.essay_id, MIDDLE.essay_id, LONG.essay_id]


@pytest.mark.parametrize("state", ["BATCH_STATE_FAILED", "BATCH_STATE_EXPIRED"])
async def test_a_gemini_batch_that_failed_or_expired_answers_with_error_callbacks(
    state: str, tmp_path: Path
) -> None:
    async with FakeProvider("google", KEY, batch_state=state) as fake:
        _, verdicts = await _judged(fake, "google", tmp_path, 3)
        assert fake.batches is not None
        assert fake.batches.submissions == 1
    assert _codes(verdicts) == ["BATCH_REQUEST_EXPIRED"] * 3
    assert all(v.callback.cost_estimate == 0 for v in verdicts)


class Killed(Exception):
    """Stands in for the SIGKILL of a run mid-poll (the e2e test kills a real process)."""


@pytest.mark.parametrize("name", ["anthropic", "google"])
async def test_a_killed_judge_resumes_polling_without_submitting_again(
    name: str, tmp_path: Path
) -> None:
    async with FakeProvider(name, KEY, batch_hold=True) as fake:  # type: ignore[arg-type]
        assert fake.batches is not None
        rig = make_rig(fake, name)

        async def killed_at_second_wait(seconds: float) -> None:
            if fake.batches is not None and fake.batches.polls >= 2:
                raise Killed

        try:
            with pytest.raises(Killed):
                await _run(
                    BatchJudge(rig.judge, tmp_path, poll_s=1.0, sleep=killed_at_second_wait), 4
                )
            saved = list((tmp_path / "judge-batches").glob(f"{name}-*.json"))
            assert len(saved) == 1
            fake.batch_hold = False
            verdicts = await _run(BatchJudge(rig.judge, tmp_path, sleep=Sleeps()), 4)
        finally:
            await rig.close()
        assert fake.batches.submissions == 1
    assert [v.callback.winner is not None for v in verdicts] == [True] * 4
    assert len({v.callback.request_id for v in verdicts}) == 4
    assert custom_id("texts:0") in saved[0].read_text()


def test_batch_mode_is_for_one_anthropic_openai_or_google_judge() -> None:
    environ = {"ANTHROPIC_API_KEY": KEY, "GEMINI_API_KEY": KEY, "OPENAI_API_KEY": KEY}
    for judge in ("openai:gpt-5-mini", "google:gemini-2.5-flash"):
        assert JudgingConfig.from_options(judge, environ, mode="batch").mode == "batch"
    for judge, words in [
        ("ollama:llama3.1:8b", "has no batch API"),
        ("simulated", "the simulated judge has none"),
        ("anthropic:claude-haiku-4-5-20251001,openai:gpt-5-mini", "with a judge panel"),
    ]:
        with pytest.raises(JudgeMisconfigured, match=words) as raised:
            JudgingConfig.from_options(judge, environ, mode="batch")
        assert raised.value.exit_code == 2
    limited = JudgingConfig.from_options(
        "openai:gpt-5-mini", environ, mode="batch", cost_limit_usd=1
    )
    assert limited.cost_limit_usd == 1


def _worst_cases(rig: JudgeRig, count: int) -> list[float]:
    """Each comparison's reservation before any answer: its prompt and every allowed token,
    at the batch price."""
    most = rig.judge.most_tokens()
    return [
        BATCH_PRICE_FACTOR * rig.guard.estimate(len(rig.judge.prompt_for(t).canonical_text()), most)
        for _, t in tasks(count)
    ]


async def test_a_cost_limit_submits_only_the_requests_it_can_pay_for(tmp_path: Path) -> None:
    async with FakeProvider("anthropic", KEY) as fake:
        rig = make_rig(fake, "anthropic", cost_limit=1.0)
        worst = _worst_cases(rig, 6)
        limit = sum(worst[:3]) + 0.5 * worst[3]  # room for three requests' worst case, not four
        rig.guard.spend.limit_usd = limit
        judge = BatchJudge(rig.judge, tmp_path, poll_s=0.01, sleep=Sleeps())
        verdicts: list[JudgeVerdict] = []

        async def deliver(_: int, verdict: JudgeVerdict) -> None:
            verdicts.append(verdict)

        try:
            stopped = await judge.judge_batch(tasks(6), deliver)
            again = await judge.judge_batch(tasks(6)[3:], deliver)  # the next wave
        finally:
            await rig.close()
        assert fake.batches is not None
        assert fake.batches.submissions == 1  # the next wave was never submitted
        (batch,) = fake.batches.batches.values()
    assert len(batch.requests) == 3
    assert len(verdicts) == 3
    assert all(v.callback.winner is not None for v in verdicts)
    paid = 3 * rig.model.cost_usd(700, 80) * BATCH_PRICE_FACTOR
    assert rig.guard.spent_usd == pytest.approx(paid)
    assert rig.guard.spent_usd <= limit
    assert rig.guard.reserved_usd == 0
    assert stopped == again
    assert stopped is not None
    assert stopped.startswith(f"spent {usd(paid)} of the limit of ")


async def test_a_resumed_batch_cut_by_the_limit_is_counted_and_stops_again(
    tmp_path: Path,
) -> None:
    async with FakeProvider("anthropic", KEY, batch_hold=True) as fake:
        assert fake.batches is not None
        rig = make_rig(fake, "anthropic", cost_limit=1.0)
        worst = _worst_cases(rig, 4)
        rig.guard.spend.limit_usd = sum(worst[:2]) + 0.5 * worst[2]

        async def killed(seconds: float) -> None:
            raise Killed

        try:
            with pytest.raises(Killed):
                await _run(BatchJudge(rig.judge, tmp_path, poll_s=1.0, sleep=killed), 4)
            fake.batch_hold = False
            fresh = make_rig(fake, "anthropic", cost_limit=1e-9)  # a new stack's guard
            verdicts: list[JudgeVerdict] = []

            async def deliver(_: int, verdict: JudgeVerdict) -> None:
                verdicts.append(verdict)

            stopped = await BatchJudge(fresh.judge, tmp_path, sleep=Sleeps()).judge_batch(
                tasks(4), deliver
            )
            await fresh.close()
        finally:
            await rig.close()
        assert fake.batches.submissions == 1
    assert len(verdicts) == 2  # the two requests the first attempt paid for
    assert fresh.guard.spent_usd == pytest.approx(
        2 * rig.model.cost_usd(700, 80) * BATCH_PRICE_FACTOR
    )
    assert stopped is not None
    assert stopped.startswith("spent ")
