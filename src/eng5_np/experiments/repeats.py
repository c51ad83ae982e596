"""``--repeats N``: the same batch N times into one experiment folder (SPEC §12 "Repeats").

::

    <output-dir>/
      experiment.json      settings, every repeat's status, artefact + SHA-256, the aggregate
      experiment.md/.html  the experiment report (spread and intervals across repeats)
      rep-01/ … rep-NN/    each a complete run folder (artefact, events, report), its own
                           batch label ``<label>-rep-NN`` and wire batch id

Resumable: a repeat whose artefact verifies and whose batch finished is never run again; a
repeat that was stopped is resumed with its batch label (execute's own resume: same wire batch
id, nothing re-published). A fresh *local* stack cannot collect a request published on the
stack that died with the earlier run, so such a repeat's folder is moved aside
(``rep-NN.set-aside-K``, kept) and the repeat runs again. A repeat the CJ service failed stays
failed (delete its folder to retry).

Exit code: 0 when every repeat completed; else the highest of the repeats' codes (4 partial,
5 failed). An error that would recur in every repeat (bad options, a service unreachable: 2, 3)
or a Ctrl-C stops the experiment at once with that code, after the record is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eng5_np.analysis.repeats import aggregate_repeats
from eng5_np.artefact.builder import StackInfo
from eng5_np.errors import CollectionTimeout, RunnerError, UsageError
from eng5_np.experiments.modes import RunOne, default_run_one
from eng5_np.experiments.record import (
    ExperimentRecord,
    RepeatRecord,
    RepeatStatus,
    defining_settings,
    inspect_repeat,
    load_experiment,
    record_artefact,
    repeat_label,
    save_record,
    settings_difference,
)
from eng5_np.logs import detach_run_log, get_logger
from eng5_np.modes.collect import StopReason
from eng5_np.modes.common import set_aside
from eng5_np.report.experiment_render import write_experiment_reports
from eng5_np.report.experiment_view import (
    ExperimentView,
    RepeatRow,
    build_experiment_view,
    complete_summaries,
)
from eng5_np.report.render import load_artefact
from eng5_np.report.run_summary import summarise_run
from eng5_np.settings import RunSettings

log = get_logger(__name__)

MAX_REPEATS = 99
"""Repeat folders are numbered with two digits."""
EXIT_PARTIAL = CollectionTimeout.exit_code
EXIT_FAILED = 5


@dataclass(frozen=True)
class ExperimentResult:
    """What a repeats experiment produced."""

    folder: Path
    record: ExperimentRecord
    exit_code: int
    report_paths: tuple[Path, ...]
    view: ExperimentView
    """What the experiment report shows (repeats, aggregate, rank stability)."""


def repeat_name(index: int) -> str:
    """``rep-01`` for the first repeat."""
    return f"rep-{index:02d}"


def open_record(
    settings: RunSettings, repeats: int, folder: Path, label_explicit: bool
) -> ExperimentRecord:
    """The folder's record (checked against these settings), or a new one; writes nothing.

    :class:`UsageError` (exit 2) for ``--no-kafka`` (a repeat must be collected), a folder that
    holds something else, another experiment's label, or changed defining settings.
    """
    if settings.no_kafka:
        raise UsageError("--repeats needs the batches collected, so not --no-kafka")
    current = defining_settings(settings)
    record = load_experiment(folder)
    if record is None:
        if folder.is_dir() and any(folder.iterdir()):
            raise UsageError(
                f"{folder} is not empty and holds no experiment.json",
                advice="Give the experiment its own --output-dir.",
            )
        return ExperimentRecord(batch_label=settings.batch_id, repeats=repeats, settings=current)
    if label_explicit and record.batch_label != settings.batch_id:
        raise UsageError(
            f"{folder} holds experiment {record.batch_label!r}, not {settings.batch_id!r}",
            advice=f"Pass --batch-id {record.batch_label} to resume it, or another --output-dir.",
        )
    changed = settings_difference(record.settings, current)
    if changed is not None:
        raise UsageError(
            f"{folder} was started with other settings ({changed}); repeats must share them",
            advice="Run the changed settings in another --output-dir, then compare the two.",
        )
    record.repeats = repeats
    return record


def check_repeat_count(repeats: int) -> None:
    """Raise :class:`UsageError` (exit 2) unless ``repeats`` is 1 to :data:`MAX_REPEATS`."""
    if not 1 <= repeats <= MAX_REPEATS:
        raise UsageError(f"--repeats must be 1-{MAX_REPEATS}, got {repeats}")


async def run_repeats(
    settings: RunSettings,
    *,
    repeats: int,
    stack: StackInfo,
    label_explicit: bool = True,
    run_one: RunOne | None = None,
    notify: Callable[[str], None] | None = None,
) -> ExperimentResult:
    """Run (or resume) ``repeats`` repeats of the batch ``settings`` describes.

    ``settings.output_dir`` is the experiment folder and ``settings.batch_id`` its label
    (taken from ``experiment.json`` when resuming and ``label_explicit`` is False).
    """
    check_repeat_count(repeats)
    say = notify or (lambda message: None)
    runner = run_one or default_run_one()
    folder = settings.resolved_output_dir
    record = open_record(settings, repeats, folder, label_explicit)
    folder.mkdir(parents=True, exist_ok=True)
    record.stack = stack.as_dict()
    save_record(folder, record)
    ephemeral = stack.kind == "local"
    codes: list[int] = []
    try:
        for index in range(1, repeats + 1):
            code = await _one_repeat(settings, record, folder, index, stack, ephemeral, runner, say)
            codes.append(code)
            save_record(folder, record)
    finally:
        # Each repeat attached its own run log; none must outlive it. The record keeps what
        # happened so far, also when a stopping error or Ctrl-C leaves this loop.
        detach_run_log()
        save_record(folder, record)
    view = _experiment_view(folder, record)
    record.aggregate = view.aggregate_json()
    reports = write_experiment_reports(folder, view)
    record.reports = [str(path.relative_to(folder)) for path in reports]
    record.exit_code = max(codes, default=0)
    save_record(folder, record)
    return ExperimentResult(folder, record, record.exit_code, reports, view)


async def _one_repeat(
    settings: RunSettings,
    record: ExperimentRecord,
    folder: Path,
    index: int,
    stack: StackInfo,
    ephemeral: bool,
    runner: RunOne,
    say: Callable[[str], None],
) -> int:
    """Run, resume or skip one repeat; returns its exit code (raises on a stopping error)."""
    name = repeat_name(index)
    run_dir = folder / name
    entry = record.repeat(name)
    if entry is None:
        entry = RepeatRecord(name=name, batch_label=repeat_label(record.batch_label, name))
        record.repeat_records.append(entry)
    found = inspect_repeat(run_dir)
    if found.status in (RepeatStatus.COMPLETE, RepeatStatus.FAILED):
        assert found.artefact is not None
        entry.status, entry.detail = found.status, found.detail
        entry.exit_code = 0 if found.status is RepeatStatus.COMPLETE else EXIT_FAILED
        record_artefact(entry, folder, found.artefact)
        say(f"{name}: already {found.status.value}, not run again ({entry.batch_label})")
        return entry.exit_code
    # --republish only means something for a repeat whose published request is resumed.
    republish = settings.republish and found.status is RepeatStatus.INCOMPLETE and found.published
    if found.status is RepeatStatus.INCOMPLETE and ephemeral and found.published:
        republish = False  # set aside: its repeat starts afresh and publishes anyway
        aside = set_aside(run_dir)
        entry.set_aside.append(aside.name)
        say(f"{name}: its request went to a local stack that is gone; kept as {aside.name}")
    elif found.status is RepeatStatus.INCOMPLETE:
        say(f"{name}: resuming {entry.batch_label}")
    say(f"{name}: running {entry.batch_label} ({index} of {record.repeats})")
    entry.status, entry.detail = RepeatStatus.INCOMPLETE, None
    save_record(folder, record)
    repeat_settings = settings.model_copy(
        update={
            "output_dir": run_dir,
            "batch_id": entry.batch_label,
            "await_completion": True,
            "republish": republish,
        }
    )
    try:
        result = await runner(repeat_settings, stack)
    except RunnerError as error:
        entry.status, entry.exit_code, entry.detail = (
            RepeatStatus.ERROR,
            error.exit_code,
            error.message,
        )
        log.info("experiment.repeat_error", repeat=name, error=error.message)
        raise
    entry.wire_batch_id = result.wire_batch_id
    record_artefact(entry, folder, result.artefact_path)
    outcome = result.outcome
    reason = outcome.reason if outcome is not None else None
    if reason is StopReason.COMPLETED:
        entry.status, entry.exit_code = RepeatStatus.COMPLETE, 0
    elif reason is StopReason.FAILED:
        entry.status, entry.exit_code = RepeatStatus.FAILED, EXIT_FAILED
        entry.detail = outcome.detail if outcome is not None else None
    else:
        entry.status, entry.exit_code = RepeatStatus.INCOMPLETE, EXIT_PARTIAL
        entry.detail = outcome.detail if outcome is not None else "not collected"
    if reason is StopReason.INTERRUPTED:
        save_record(folder, record)
        result.raise_for_outcome()  # Ctrl-C stops the whole experiment (exit 4)
    say(f"{name}: {entry.status.value}")
    return entry.exit_code


def _experiment_view(folder: Path, record: ExperimentRecord) -> ExperimentView:
    """The experiment report's data, from the repeats' artefacts."""
    rows: list[RepeatRow] = []
    for entry in record.repeat_records[: record.repeats]:
        summary = None
        if entry.artefact is not None and (folder / entry.artefact).is_file():
            path = folder / entry.artefact
            summary = summarise_run(load_artefact(path), path)
        rows.append(
            RepeatRow(entry.name, entry.status.value, entry.batch_label, entry.detail, summary)
        )
    # The statistics across repeats are computed here, once; experiment.json stores them and
    # the reports render what is stored.
    return build_experiment_view(
        record.batch_label, rows, aggregate_repeats(complete_summaries(rows))
    )
