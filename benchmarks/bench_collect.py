"""Callbacks from a local broker into the final artefact, against a bare Pydantic loop (SPEC §10).

Pre-produces N comparison callbacks (~1.2 KB, some errors) plus the rich result and the
thin completion into a fresh embedded broker, then times, in the same process:

- baseline: a group-less consumer that ``getmany()``s the N callbacks and validates each with
  Pydantic alone (``model_validate_json`` of the envelope model);
- runner, end to end from the first callback to its last output (SPEC §10, issue 14 item 11):
  collector + hydrator + event log + ``collect()`` + the final ``ExecuteArtefact.write`` (data
  first, then the analysis: BT fit, every figure, alignment; checksum, full schema validation,
  atomic write) + report.md/report.html + the terminal summary, as ``run_execute`` and the CLI
  run them. Only the wait for the broker's tail (``completion_wait_time``) is left out.

Usage: ``python benchmarks/bench_collect.py [--events N] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import benchlib

from eng5_np.localstack.broker import EmbeddedBroker

DEFAULT_EVENTS = 20_000
QUICK_EVENTS = 300
TARGET_RATIO = 0.5


async def run(events: int, keep: Path | None = None, live_tail: bool = False) -> bool:
    """Run both loops once on one broker; print metrics; True when the target is met."""
    benchlib.quiet_logging()
    workload = benchlib.make_workload(events)
    benchlib.metric("events", events, "callbacks")
    benchlib.metric("callback_size", workload.mean_callback_bytes, "bytes")
    async with EmbeddedBroker(benchlib.ALL_TOPICS) as broker:
        produced_s = await benchlib.produce(broker.bootstrap, workload, tail=not live_tail)
        benchlib.metric("produce_rate", events / produced_s, "events/s")
        # A short warm-up read so neither loop pays for first connections and imports.
        await benchlib.baseline_loop(broker.bootstrap, min(events, 200))
        baseline_s = await benchlib.baseline_loop(broker.bootstrap, events)
        with benchlib.scratch_dir("bench-collect-") as scratch:
            kept = keep or scratch / "final.json"
            timing = await benchlib.runner_path(
                broker.bootstrap, workload, scratch / "run", keep_artefact=kept,
                tail_produced=not live_tail,
            )  # fmt: skip
            parts = benchlib.time_final_parts(kept)
    if timing.comparisons != events:
        raise SystemExit(f"runner hydrated {timing.comparisons} of {events} callbacks")
    baseline_rate = events / baseline_s
    runner_rate = events / timing.total_s
    ratio = runner_rate / baseline_rate
    benchlib.metric("baseline_rate", baseline_rate, "events/s")
    benchlib.metric("runner_rate", runner_rate, "events/s")
    benchlib.metric("runner_hydrate_rate", events / timing.hydrate_s, "events/s")
    benchlib.metric("runner_hydrate_time", timing.hydrate_s, "s")
    benchlib.metric("runner_final_artefact_time", timing.final_s, "s")
    benchlib.metric("runner_reports_time", timing.reports_s, "s")
    benchlib.metric("completion_wait_time", timing.completion_wait_s, "s")
    benchlib.metric("final_artefact_share", timing.final_s / timing.total_s, "fraction")
    benchlib.metric("artefact_size", timing.artefact_bytes / 1e6, "MB")
    benchlib.metric("peak_rss", benchlib.peak_rss_mib(), "MiB")
    print("final artefact parts (re-timed on the written document):")
    benchlib.metric("final_bt_fit_time", parts.bt_fit_s, "s")
    benchlib.metric("final_checksum_time", parts.checksum_s, "s")
    benchlib.metric("final_jsonschema_validation_time", parts.jsonschema_s, "s")
    benchlib.metric(
        "final_pure_python_jsonschema_time", parts.pure_python_jsonschema_s, "s"
    )  # for comparison: what the compiled validator saves
    met = ratio >= TARGET_RATIO
    print(
        f"ratio runner/baseline {ratio:.3f} (target >= {TARGET_RATIO}: {'PASS' if met else 'MISS'})"
    )
    print(f"stop reason: {timing.outcome.reason.value} ({timing.outcome.detail})")
    return met


def main() -> None:
    """Parse flags and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="callbacks to send")
    parser.add_argument("--keep-artefact", type=Path, help="copy the final artefact here")
    parser.add_argument(
        "--live-tail",
        action="store_true",
        help="send result + completion only once every callback is hydrated",
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EVENTS} events (smoke)")
    args = parser.parse_args()
    events = QUICK_EVENTS if args.quick else args.events
    if events < 1:
        parser.error("--events must be at least 1")
    start = time.perf_counter()
    asyncio.run(run(events, args.keep_artefact, args.live_tail))
    benchlib.metric("wall_time", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
