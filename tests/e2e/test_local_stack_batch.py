"""``--judge-mode batch`` end to end (issue 18): the runner as a subprocess, its stack's judge
submitting the plan through the real Anthropic SDK to a fake Message Batches server (or the
real ``google-genai`` SDK to a fake Gemini batch mode server) on 127.0.0.1, one provider batch
per wave of the pairing design. The run costs half the live
price, and a run SIGKILLed mid-poll, re-run with the same command, resumes polling its batch:
the fake sees no second submission of it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
from pathlib import Path

import pytest
from test_local_stack_llm_judge import KEY, MODEL, RUN_DEADLINE_S, _artefact, _env, _execute

from fake_providers import FakeProvider
from runner_process import finish, start_runner, wait_for

pytestmark = pytest.mark.e2e

BUDGET = 24
JUDGES = {
    # provider: (judge, key variable, base-URL variable, live price of one fake answer)
    "anthropic": (f"anthropic:{MODEL}", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", 700e-6 + 400e-6),
    "google": ("google:gemini-2.5-flash", "GEMINI_API_KEY", "GEMINI_BASE_URL", 210e-6 + 200e-6),
}


def _batch_judge(judge: str) -> tuple[str, ...]:
    """``judge`` in batch mode, polled every 0.2 s at first."""
    return ("--judge", judge, "--judge-mode", "batch", "--judge-batch-poll", "0.2")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("provider", ["anthropic", "google"])
async def test_a_batch_run_killed_mid_poll_resumes_without_paying_again(
    provider: str, tmp_path: Path
) -> None:
    judge, key_variable, url_variable, live_price = JUDGES[provider]
    out = tmp_path / "batch"
    args = _execute(
        out,
        "--batch-id",
        "batch-01",
        *_batch_judge(judge),
        "--max-comparisons",
        str(BUDGET),
    )
    async with FakeProvider(provider, KEY, batch_hold=True) as fake:  # type: ignore[arg-type]
        batches = fake.batches
        assert batches is not None
        env = _env(tmp_path, **{key_variable: KEY, url_variable: fake.base_url})
        first = await start_runner(*args, env=env, cwd=tmp_path)
        await wait_for(
            lambda: batches.submissions == 1 and batches.polls >= 2,
            120,
            "a submitted, polled batch",
        )
        (held,) = batches.batches  # the first wave's batch, submitted and being polled
        started = re.search(r"broker pid (\d+)", first.stderr_path.read_text())
        first.process.send_signal(signal.SIGKILL)
        await first.process.wait()
        if started is not None:  # the killed runner's broker outlives it: ours to stop
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(started.group(1)), signal.SIGKILL)
            await wait_for(lambda: not _alive(int(started.group(1))), 30, "the old broker gone")
        assert len(list((out / "judge-batches").glob(f"{provider}-*.json"))) == 1
        fake.batch_hold = False
        second = await start_runner(*args, env=env, cwd=tmp_path)
        done = await finish(second, RUN_DEADLINE_S)
        submissions = batches.submissions
        live_calls = len(fake.requests)
        waves = [batch.requests for batch in batches.batches.values()]
    assert done.returncode == 0, done.stderr
    assert live_calls == 0
    assert "(resumed: polled, not submitted again)" in done.stderr
    # The killed attempt is kept aside, as for any local-stack re-run; its batch ids came along.
    assert "its provider batch ids came along (judge-batches/)" in done.stderr
    assert (tmp_path / "batch.set-aside-1" / "judge-batches").is_dir()
    document = _artefact(out)
    comparisons = document["llm_comparisons"]
    assert len(comparisons) == BUDGET
    assert all(c["cost_usd"] == pytest.approx(live_price / 2) for c in comparisons)
    assert document["costs"]["total_usd"] == pytest.approx(BUDGET * live_price / 2)
    assert {c["judge"]["mode"] for c in comparisons} == {"batch"}
    # One provider batch per wave of the pairing design, each submitted once: the held one
    # was polled again after the kill, not submitted (nor paid) a second time.
    used = {c["judge"]["batch_id"] for c in comparisons}
    assert held in used
    assert submissions == len(used) == len(waves)
    assert sum(len(requests) for requests in waves) == BUDGET


async def test_a_cost_limit_cuts_the_batch_it_cannot_pay_for(tmp_path: Path) -> None:
    """$0.01 cannot pay for the first wave's worst case (each request's prompt plus every
    answer token it may use, at half price): only the requests that fit are submitted, and the
    batch stops at the cost limit with what they cost, as a live judge's does."""
    judge, key_variable, url_variable, live_price = JUDGES["anthropic"]
    out = tmp_path / "limited"
    args = _execute(
        out,
        *_batch_judge(judge),
        "--max-comparisons",
        str(BUDGET),
        "--cost-limit",
        "0.01",
    )
    async with FakeProvider("anthropic", KEY) as fake:
        batches = fake.batches
        assert batches is not None
        env = _env(tmp_path, **{key_variable: KEY, url_variable: fake.base_url})
        done = await finish(await start_runner(*args, env=env, cwd=tmp_path), RUN_DEADLINE_S)
        live_calls = len(fake.requests)
        waves = [batch.requests for batch in batches.batches.values()]
    assert done.returncode == 5, done.stderr
    assert "COST_LIMIT_REACHED" in done.stderr
    assert live_calls == 0
    document = _artefact(out)
    comparisons = document["llm_comparisons"]
    assert len(waves) == 1  # the cut wave was the last
    assert 0 < len(comparisons) == len(waves[0]) < 11  # fewer than the first wave's 11 pairs
    total = document["costs"]["total_usd"]
    assert total == pytest.approx(len(comparisons) * live_price / 2)
    assert total <= 0.01
    assert "COST_LIMIT_REACHED" in document["validation"]["runner_status"]["failed"]["reason"]


async def test_stack_up_judges_in_provider_batches_and_keeps_their_ids(tmp_path: Path) -> None:
    """``stack up --judge-mode batch``: a long-lived stack's judge sends each wave as one
    provider batch and keeps the batch ids in ``--judge-batch-dir``; a run against it gets
    batch-priced callbacks."""
    judge, key_variable, url_variable, live_price = JUDGES["anthropic"]
    kept = tmp_path / "stack-state"
    out = tmp_path / "against-stack"
    async with FakeProvider("anthropic", KEY) as fake:
        batches = fake.batches
        assert batches is not None
        env = _env(tmp_path, **{key_variable: KEY, url_variable: fake.base_url})
        stack = await start_runner(
            "stack",
            "up",
            *_batch_judge(judge),
            "--judge-batch-dir",
            kept,
            env=env,
            cwd=tmp_path,
        )
        try:
            await wait_for(
                lambda: "Press Ctrl-C to stop." in stack.stdout_path.read_text(),
                60,
                "stack up's ready lines",
            )
            ready = stack.stdout_path.read_text()
            found = dict(
                re.findall(r"^(KAFKA_BOOTSTRAP_SERVERS|CONTENT_SERVICE_URL)=(\S+)$", ready, re.M)
            )
            run = await start_runner(
                "--mode",
                "execute",
                "--await-completion",
                "--completion-timeout",
                "200",
                "--kafka-bootstrap",
                found["KAFKA_BOOTSTRAP_SERVERS"],
                "--content-service-url",
                found["CONTENT_SERVICE_URL"],
                "--output-dir",
                out,
                "--max-comparisons",
                "12",
                env=env,
                cwd=tmp_path,
            )
            done = await finish(run, RUN_DEADLINE_S)
        finally:
            stack.process.send_signal(signal.SIGINT)
            stopped = await finish(stack, 60)
        live_calls = len(fake.requests)
        submissions = batches.submissions
    assert done.returncode == 0, done.stderr
    assert stopped.returncode == 0, stopped.stderr
    assert f"Provider batch ids kept in {kept / 'judge-batches'}" in ready
    assert live_calls == 0
    comparisons = _artefact(out)["llm_comparisons"]
    assert len(comparisons) == 12
    assert {c["judge"]["mode"] for c in comparisons} == {"batch"}
    assert all(c["cost_usd"] == pytest.approx(live_price / 2) for c in comparisons)
    used = {c["judge"]["batch_id"] for c in comparisons}
    assert submissions == len(used) == len(list((kept / "judge-batches").glob("anthropic-*.json")))
