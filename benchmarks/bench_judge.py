"""Does the real judge keep within a provider's limits at full speed? (SPEC §13, issue 11)

A fake Anthropic server on 127.0.0.1 (the tests' ``tests/fake_providers.py``: the real
HTTP format, the real ``anthropic`` SDK talking to it), in a process of its own as a real
provider would be, answers every request after a fixed ``latency`` and refuses requests
beyond ``limit`` per second (a token bucket of one second's worth, as Anthropic documents) with
429 + ``Retry-After``. The bound on throughput is min(limit, concurrency / latency)
comparisons per second.

1. **judge**: :func:`judge_all` drives an ``LLMJudge`` over N comparisons, twice — once where
   the rate limit binds (``--judge-rpm`` set to 97 % of the provider's limit, as a user sets it
   just under their account's), once where concurrency binds (no limiter). Target: ≥ 90 % of
   the bound each time.
2. **batch**: the whole runner (``run_execute``) against an in-process ``LocalStack`` whose
   judge is the same fake provider, on a generated dataset (the sample's anchors + generated
   students) with ``max_comparisons`` = 500. Target: the time from starting the stack to the
   batch's last event ≤ stack start-up + 1.1 × 500 / bound.

Usage: ``python benchmarks/bench_judge.py [--comparisons N] [--latency S] [--limit R]
[--concurrency C] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import random
import shutil
import sys
import time
import uuid
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection
from pathlib import Path

import benchlib
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from eng5_np.contracts import LLMProviderType
from eng5_np.localstack.judge_types import JudgeEssay
from eng5_np.localstack.llm_judge import JudgeTask, JudgingConfig
from eng5_np.localstack.llm_judge.base import CallOptions, ProviderSettings
from eng5_np.localstack.llm_judge.cost import CostGuard
from eng5_np.localstack.llm_judge.judge import LLMJudge
from eng5_np.localstack.llm_judge.prompt import PromptContext
from eng5_np.localstack.llm_judge.runtime import build_client
from eng5_np.localstack.llm_judge.schedule import judge_all
from eng5_np.localstack.llm_judge.throttle import Throttle
from eng5_np.reference.llm_models import load_manifest
from fake_providers import FakeProvider

KEY = "sk-bench-not-a-key"
MODEL = "claude-haiku-4-5-20251001"
DEFAULT_COMPARISONS = 300
BATCH_COMPARISONS = 500
QUICK_COMPARISONS = 40
QUICK_BATCH = 60
RPM_SHARE = 0.97
WORDS = (
    "school",
    "phones",
    "students",
    "teachers",
    "reading",
    "habits",
    "attention",
    "lessons",
    "breaks",
    "friends",
    "parents",
    "rules",
    "research",
    "focus",
    "learning",
    "evidence",
    "argument",
    "example",
    "conclusion",
    "opinion",
    "therefore",
)


def essay(index: int, rng: random.Random) -> JudgeEssay:
    """A distinct essay of 150–400 words."""
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 400)))
    return JudgeEssay(f"e{index:04d}-{uuid.uuid4().hex[:6]}", f"Essay {index}. {text}")


def settings_for(base_url: str) -> ProviderSettings:
    """The fake's address as the judge would read it from ANTHROPIC_BASE_URL."""
    return ProviderSettings(
        LLMProviderType.ANTHROPIC, MODEL, SecretStr(KEY), base_url, timeout_s=30.0
    )


async def _serve(connection: Connection, latency: float, limit: float) -> None:
    async with FakeProvider("anthropic", KEY, latency_s=latency, max_per_second=limit) as fake:
        connection.send(fake.base_url)
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        connection.send(fake.rate_limited)


def _provider_main(connection: Connection, latency: float, limit: float) -> None:
    """The fake provider's process: serve until told to stop, then report its 429 count."""
    asyncio.run(_serve(connection, latency, limit))


@contextlib.asynccontextmanager
async def provider_process(latency: float, limit: float) -> AsyncIterator[tuple[str, list[int]]]:
    """A fake provider in its own process: its base URL, and its 429 count after exit."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_provider_main, args=(theirs, latency, limit), daemon=True
    )
    process.start()
    loop = asyncio.get_running_loop()
    rejected: list[int] = []
    try:
        if not await loop.run_in_executor(None, ours.poll, 60.0):
            raise SystemExit("the fake provider did not start within 60 s")
        yield ours.recv(), rejected
    finally:
        ours.send("stop")
        if await loop.run_in_executor(None, ours.poll, 30.0):
            rejected.append(ours.recv())
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


async def judge_rate(
    count: int, latency: float, limit: float, concurrency: int, rpm: int | None
) -> tuple[float, int]:
    """Comparisons per second of the judge alone, and the 429s it provoked."""
    rng = random.Random(3)
    essays = [essay(i, rng) for i in range(40)]
    model = load_manifest().find(MODEL, LLMProviderType.ANTHROPIC)
    assert model is not None
    async with provider_process(latency, limit) as (base_url, rejected):
        client = build_client(settings_for(base_url))
        throttle = Throttle(concurrency, rpm)
        judge = LLMJudge(
            client,
            model,
            throttle,
            CostGuard(model),
            PromptContext("Write about phones in school."),
            CallOptions(),
        )
        tasks = []
        for index in range(count):
            first, second = rng.sample(essays, 2)
            metadata = {"essay_a_id": first.essay_id, "essay_b_id": second.essay_id}
            tasks.append((index, JudgeTask(first, second, metadata, uuid.uuid4(), str(index))))
        delivered = 0

        async def deliver(_: int, verdict: object) -> None:
            nonlocal delivered
            delivered += 1

        start = time.perf_counter()
        await judge_all(judge, tasks, concurrency, deliver)
        wall = time.perf_counter() - start
        await client.aclose()
    if delivered != count:
        raise SystemExit(f"judged {delivered}/{count}")
    return count / wall, sum(rejected)


def make_dataset(target: Path, students: int) -> None:
    """The sample dataset's anchors, instructions and prompt plus ``students`` generated essays."""
    from eng5_np.settings import bundled_sample_dataset

    shutil.copytree(bundled_sample_dataset(), target)
    rng = random.Random(11)
    for index in range(students):
        text = essay(index, rng).text
        (target / "student_essays" / f"generated_{index:03d}.txt").write_text(text, "utf-8")


async def batch_time(
    count: int, latency: float, limit: float, concurrency: int
) -> tuple[float, float, int]:
    """(stack start-up, start → last batch event, comparisons) of one whole runner batch."""
    from eng5_np.localstack.llm_judge import parse_judge
    from eng5_np.localstack.stack import LocalStack, LocalStackConfig
    from eng5_np.modes.execute import run_execute
    from eng5_np.settings import RunMode, RunSettings

    rpm = int(limit * 60 * RPM_SHARE)
    with benchlib.scratch_dir("bench-judge-") as scratch:
        dataset = scratch / "dataset"
        make_dataset(dataset, students=40)
        async with provider_process(latency, limit) as (base_url, _):
            judging = JudgingConfig(
                choice=parse_judge(f"anthropic:{MODEL}"),
                provider=settings_for(base_url),
                concurrency=concurrency,
                rpm=rpm,
            )
            start = time.perf_counter()
            async with LocalStack(LocalStackConfig(judging=judging)) as stack:
                started = time.perf_counter() - start
                settings = RunSettings(
                    mode=RunMode.EXECUTE,
                    dataset_dir=dataset,
                    output_dir=scratch / "run",
                    upload_cache_dir=scratch / "cache",
                    kafka_bootstrap=stack.bootstrap,
                    content_service_url=stack.content_service_url,
                    max_comparisons=count,
                    await_completion=True,
                    completion_timeout=600,
                )
                runner = asyncio.create_task(run_execute(settings, raise_on_failure=False))
                reports = stack.cj_service.reports
                deadline = time.monotonic() + 120
                while not reports:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the CJ service never received the request")
                    await asyncio.sleep(0.01)
                (report,) = reports.values()
                await report.done.wait()
                finished = time.perf_counter() - start
                result = await runner
        comparisons = len(result.hydrator.comparisons)
    return started, finished, comparisons


async def run(count: int, batch: int, latency: float, limit: float, concurrency: int) -> None:
    """Both parts; metrics and verdicts."""
    benchlib.quiet_logging()
    benchlib.metric("latency", latency, "s")
    benchlib.metric("provider_limit", limit, "requests/s")
    benchlib.metric("concurrency", concurrency, "requests")
    verdicts = []
    # Rate-limit-bound: the limiter paces calls just under the provider's limit.
    rpm = int(limit * 60 * RPM_SHARE)
    bound = min(limit, concurrency / latency)
    rate, rejected = await judge_rate(count, latency, limit, concurrency, rpm)
    benchlib.metric("limited_bound", bound, "comparisons/s")
    benchlib.metric("limited_rate", rate, "comparisons/s")
    benchlib.metric("limited_429s", rejected, "responses")
    share = rate / bound
    verdicts.append(share >= 0.9)
    print(f"limited rate/bound {share:.3f} (target >= 0.9: {'PASS' if share >= 0.9 else 'MISS'})")
    # Concurrency-bound: no limiter, half the concurrency, the provider's limit out of reach.
    small = max(1, concurrency // 2)
    bound = min(limit, small / latency)
    rate, rejected = await judge_rate(count, latency, limit, small, None)
    benchlib.metric("concurrency_bound", bound, "comparisons/s")
    benchlib.metric("concurrency_rate", rate, "comparisons/s")
    share = rate / bound
    verdicts.append(share >= 0.9)
    print(
        f"concurrency rate/bound {share:.3f} (target >= 0.9: {'PASS' if share >= 0.9 else 'MISS'})"
    )
    # A whole batch through the runner and the local stack.
    bound = min(limit, concurrency / latency)
    started, finished, comparisons = await batch_time(batch, latency, limit, concurrency)
    ideal = comparisons / bound
    benchlib.metric("batch_comparisons", comparisons, "comparisons")
    benchlib.metric("stack_startup_time", started, "s")
    benchlib.metric("batch_time", finished, "s")
    benchlib.metric("batch_ideal_time", ideal, "s")
    allowed = started + 1.1 * ideal
    verdicts.append(finished <= allowed)
    print(
        f"batch time/(startup + 1.1 x ideal) {finished / allowed:.3f} "
        f"(target <= 1.0: {'PASS' if finished <= allowed else 'MISS'})"
    )
    print(f"all judge targets: {'PASS' if all(verdicts) else 'MISS'}")


def main() -> None:
    """Parse flags and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comparisons", type=int, default=DEFAULT_COMPARISONS)
    parser.add_argument("--batch", type=int, default=BATCH_COMPARISONS, help="batch budget")
    parser.add_argument("--latency", type=float, default=0.2, help="provider latency (s)")
    parser.add_argument("--limit", type=float, default=25.0, help="provider requests/s")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="a tiny run (smoke)")
    args = parser.parse_args()
    count = QUICK_COMPARISONS if args.quick else args.comparisons
    batch = QUICK_BATCH if args.quick else args.batch
    start = time.perf_counter()
    asyncio.run(run(count, batch, args.latency, args.limit, args.concurrency))
    benchlib.metric("wall_time", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
