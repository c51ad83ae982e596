"""Is the runner linear in events? Time and peak memory for N and 2N callbacks (SPEC §10).

Each size runs in its own process (fresh broker, fresh interpreter) so peak memory is that
size's alone and neither run warms the other up. The time is the runner's work: hydrating
every callback plus the final artefact (BT fit, checksum, full validation, atomic write).

Usage: ``python benchmarks/bench_linearity.py [--events N] [--quick]`` (runs N and 2N).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import benchlib

from eng5_np.localstack.broker import EmbeddedBroker

DEFAULT_EVENTS = 10_000
MAX_EVENTS = 100_000
QUICK_EVENTS = 200
TARGET_TIME_RATIO = 2.3
WORKER_TIMEOUT_S = 1800.0
RESULT_PREFIX = "RESULT "


async def worker(events: int) -> None:
    """One size: produce, run the runner path, print a JSON result line."""
    benchlib.quiet_logging()
    workload = benchlib.make_workload(events)
    async with EmbeddedBroker(benchlib.ALL_TOPICS) as broker:
        await benchlib.produce(broker.bootstrap, workload)
        with benchlib.scratch_dir("bench-linearity-") as scratch:
            timing = await benchlib.runner_path(broker.bootstrap, workload, scratch / "run")
    result = {
        "events": events,
        "hydrate_s": timing.hydrate_s,
        "final_s": timing.final_s,
        "total_s": timing.total_s,
        "peak_rss_mib": benchlib.peak_rss_mib(),
        "workload_mib": sum(map(len, workload.comparisons)) / 2**20,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_size(events: int) -> dict[str, float]:
    """Run one size in a child process and return its result."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(events)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"worker for {events} events failed:\n{completed.stderr[-3000:]}")
    line = next(line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX))
    result: dict[str, float] = json.loads(line[len(RESULT_PREFIX) :])
    return result


def main() -> None:
    """Parse flags; run N and 2N; print times, the ratio and memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="N (runs N and 2N)")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_EVENTS} (smoke)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        asyncio.run(worker(args.worker))
        return
    events = QUICK_EVENTS if args.quick else args.events
    if not 1 <= events <= MAX_EVENTS:
        parser.error(f"--events must be between 1 and {MAX_EVENTS}")
    start = time.perf_counter()
    small, large = run_size(events), run_size(2 * events)
    for label, result in (("n", small), ("2n", large)):
        benchlib.metric(f"events_{label}", result["events"], "callbacks")
        benchlib.metric(f"time_{label}", result["total_s"], "s")
        benchlib.metric(f"hydrate_time_{label}", result["hydrate_s"], "s")
        benchlib.metric(f"final_artefact_time_{label}", result["final_s"], "s")
        benchlib.metric(f"rate_{label}", result["events"] / result["total_s"], "events/s")
        benchlib.metric(f"peak_rss_{label}", result["peak_rss_mib"], "MiB")
        benchlib.metric(f"raw_callbacks_held_by_benchmark_{label}", result["workload_mib"], "MiB")
    ratio = large["total_s"] / small["total_s"]
    per_event_kib = (large["peak_rss_mib"] - small["peak_rss_mib"]) * 1024 / events
    benchlib.metric("memory_growth_per_event", per_event_kib, "KiB")
    met = ratio <= TARGET_TIME_RATIO
    verdict = "PASS" if met else "MISS"
    print(f"time ratio 2n/n {ratio:.3f} (target <= {TARGET_TIME_RATIO}: {verdict})")
    benchlib.metric("wall_time", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
