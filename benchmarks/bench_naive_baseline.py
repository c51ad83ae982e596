"""The quadratic contrast: rewriting + validating the whole artefact after every event (SPEC §10).

A deliberately naive hydrator calls the runner's own final-artefact write (build, checksum,
full schema validation, atomic write) after *every* callback; the runner's design appends
each callback and writes the artefact once at the end. Both get the same raw callbacks
straight from memory (no broker: the contrast is the artefact work), at N and 2N.

Usage: ``python benchmarks/bench_naive_baseline.py [--events N] [--quick]``.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import benchlib

from eng5_np.artefact.builder import RunStatus, build_inputs
from eng5_np.artefact.event_log import EventLog
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.contracts import CJ_REQUEST_TOPIC, LLM_COMPARISON_RESULT_TOPIC
from eng5_np.kafka.state import CollectorState, RequestPosition
from eng5_np.logs import detach_run_log
from eng5_np.modes.common import prepare_run_folder
from eng5_np.modes.execute import EXTERNAL_STACK
from eng5_np.modes.execute_artefact import ExecuteArtefact
from eng5_np.settings import RunMode, RunSettings

DEFAULT_EVENTS = 100
QUICK_EVENTS = 10


def hydrate(workload: benchlib.Workload, run_dir: Path, naive: bool) -> float:
    """Apply every callback; write the artefact after each (naive) or once; return seconds."""
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=run_dir, batch_id="bench-naive")
    inventory = workload.inventory
    prepare_run_folder(settings, workload.wire_batch_id)
    try:
        state = CollectorState(
            batch_label=settings.batch_id,
            wire_batch_id=workload.wire_batch_id,
            request_published=True,
            request=RequestPosition(
                topic=CJ_REQUEST_TOPIC, partition=0, offset=0, published_at="2026-01-01T00:00:00Z"
            ),
        )
        storage_ids = {e.checksum: uuid.uuid4().hex for e in inventory.essays}
        inputs = build_inputs(inventory, storage_ids)
        hydrator = Hydrator(
            wire_batch_id=workload.wire_batch_id,
            run_essay_ids=frozenset(e.essay_id for e in inventory.essays),
        )
        events = EventLog(run_dir)
        writer = ExecuteArtefact(
            settings, inventory, run_dir, hydrator, state, EXTERNAL_STACK, None, inputs
        )
        write: Callable[[], Path] = lambda: writer.write(  # noqa: E731
            RunStatus(mode=settings.mode, observed=hydrator.observed), final=True
        )
        start = time.perf_counter()
        for offset, raw in enumerate(workload.comparisons):
            decision = hydrator.handle(LLM_COMPARISON_RESULT_TOPIC, 0, offset, raw)
            if decision.file is not None and decision.line is not None:
                events.append(decision.file, decision.line)
            if naive:
                write()
        if not naive:
            write()
        elapsed = time.perf_counter() - start
        events.close()
    finally:
        detach_run_log()
    return elapsed


def main() -> None:
    """Parse flags; time naive and runner hydration at N and 2N."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="N (runs N and 2N)")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_EVENTS} (smoke)")
    args = parser.parse_args()
    events = QUICK_EVENTS if args.quick else args.events
    if events < 1:
        parser.error("--events must be at least 1")
    benchlib.quiet_logging()
    start = time.perf_counter()
    times: dict[tuple[str, int], float] = {}
    for size in (events, 2 * events):
        workload = benchlib.make_workload(size)
        for name, naive in (("naive", True), ("runner", False)):
            with benchlib.scratch_dir("bench-naive-") as scratch:
                seconds = hydrate(workload, scratch / "run", naive)
            times[name, size] = seconds
            benchlib.metric(f"{name}_rate_{size}", size / seconds, "events/s")
    for name in ("naive", "runner"):
        ratio = times[name, 2 * events] / times[name, events]
        print(f"{name} time ratio 2n/n {ratio:.3f} (linear = 2, quadratic -> 4)")
    speedup = times["naive", 2 * events] / times["runner", 2 * events]
    benchlib.metric(f"runner_speedup_over_naive_{2 * events}", speedup, "x")
    benchlib.metric("wall_time", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
