"""``--judge-mode batch`` (issue 18, SPEC §13.1): the real SDKs against fake OpenAI Batch and
Anthropic Message Batches servers on 127.0.0.1 — results mapped back by ``custom_id``, priced
at half the live price, expired requests as error callbacks, and a killed judge that resumes
polling its batch instead of submitting it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from judge_helpers import KEY, LONG, SHORT, Sleeps, make_rig, tasks

from eng5_np.errors import JudgeMisconfigured
from eng5_np.localstack.judge import JudgeVerdict
from eng5_np.localstack.llm_judge.batch_judge import BatchJudge, custom_id
from eng5_np.localstack.llm_judge.runtime import JudgingConfig
from fake_providers import FakeProvider

pytestmark = pytest.mark.integration


async def _run(judge: BatchJudge, count: int) -> list[JudgeVerdict]:
    verdicts: list[JudgeVerdict] = []

    async def deliver(_: int, verdict: JudgeVerdict) -> None:
        verdicts.append(verdict)

    await judge.judge_batch(tasks(count), deliver)
    return verdicts


@pytest.mark.parametrize("name", ["anthropic", "openai"])
async def test_a_batch_is_judged_at_half_the_live_price(name: str, tmp_path: Path) -> None:
    async with FakeProvider(name, KEY, batch_polls_to_finish=3) as fake:  # type: ignore[arg-type]
        rig = make_rig(fake, name)
        sleeps = Sleeps()
        judge = BatchJudge(rig.judge, tmp_path, poll_s=2.0, sleep=sleeps)
        try:
            verdicts = await _run(judge, 6)
        finally:
            await rig.close()
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
        assert facts["batch_id"].startswith("msgbatch_" if name == "anthropic" else "batch_")
    # The longer essay wins: the results were mapped back to their own comparisons.
    first = verdicts[0].callback  # SHORT vs LONG
    assert first.winner_and_loser() == (LONG.essay_id, SHORT.essay_id)
    (progress,) = rig.throttle.stats.batches.values()
    assert progress == "6 submitted, 6 finished"
    assert "batch " in rig.throttle.stats.summary()


async def test_expired_requests_become_error_callbacks(tmp_path: Path) -> None:
    async with FakeProvider("openai", KEY, batch_expired=2) as fake:
        rig = make_rig(fake, "openai")
        judge = BatchJudge(rig.judge, tmp_path, poll_s=0.01, sleep=Sleeps())
        try:
            verdicts = await _run(judge, 5)
        finally:
            await rig.close()
    codes = [
        v.callback.error_detail.error_code if v.callback.error_detail else None for v in verdicts
    ]
    assert codes == [None, None, None, "BATCH_REQUEST_EXPIRED", "BATCH_REQUEST_EXPIRED"]
    assert all(v.callback.cost_estimate == 0 for v in verdicts[3:])


class Killed(Exception):
    """Stands in for the SIGKILL of a run mid-poll (the e2e test kills a real process)."""


async def test_a_killed_judge_resumes_polling_without_submitting_again(tmp_path: Path) -> None:
    async with FakeProvider("anthropic", KEY, batch_hold=True) as fake:
        assert fake.batches is not None
        rig = make_rig(fake, "anthropic")

        async def killed_at_second_wait(seconds: float) -> None:
            if fake.batches is not None and fake.batches.polls >= 2:
                raise Killed

        try:
            with pytest.raises(Killed):
                await _run(
                    BatchJudge(rig.judge, tmp_path, poll_s=1.0, sleep=killed_at_second_wait), 4
                )
            saved = list((tmp_path / "judge-batches").glob("anthropic-*.json"))
            assert len(saved) == 1
            fake.batch_hold = False
            verdicts = await _run(BatchJudge(rig.judge, tmp_path, sleep=Sleeps()), 4)
        finally:
            await rig.close()
        assert fake.batches.submissions == 1
    assert [v.callback.winner is not None for v in verdicts] == [True] * 4
    assert len({v.callback.request_id for v in verdicts}) == 4
    assert custom_id("texts:0") in saved[0].read_text()


def test_batch_mode_is_for_one_anthropic_or_openai_judge() -> None:
    environ = {"ANTHROPIC_API_KEY": KEY, "GEMINI_API_KEY": KEY, "OPENAI_API_KEY": KEY}
    ok = JudgingConfig.from_options("openai:gpt-5-mini", environ, mode="batch")
    assert ok.mode == "batch"
    for judge, words in [
        ("google:gemini-2.5-flash", "Gemini batch mode is not built"),
        ("ollama:llama3.1:8b", "has no batch API"),
        ("simulated", "the simulated judge has none"),
        ("anthropic:claude-haiku-4-5-20251001,openai:gpt-5-mini", "with a judge panel"),
    ]:
        with pytest.raises(JudgeMisconfigured, match=words) as raised:
            JudgingConfig.from_options(judge, environ, mode="batch")
        assert raised.value.exit_code == 2
    with pytest.raises(JudgeMisconfigured, match="--cost-limit with --judge-mode batch"):
        JudgingConfig.from_options("openai:gpt-5-mini", environ, mode="batch", cost_limit_usd=1)
