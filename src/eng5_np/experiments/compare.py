"""``eng5-runner compare PATH...``: what each path names, loaded and compared (SPEC §12).

A PATH is one of:

- an artefact file (``assessment_run.<mode>.json``) → one row;
- a run folder holding one → one row;
- an experiment folder (``experiment.json``, from ``--repeats``) → **one aggregated row** over
  its complete repeats (statistics averaged, τ with the t-interval across repeats), because
  repeats are the same settings and a row per repeat would hide that;
- a sweep folder (``sweep.json``) → one aggregated row per cell.

Runs of different datasets or grade scales are refused (exit 2, see
:func:`eng5_np.report.compare_view.check_comparable`). An experiment without a complete repeat
is left out with a warning, so a sweep whose one cell failed still gets its comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eng5_np.analysis.repeats import RepeatAggregate, aggregate_repeats
from eng5_np.errors import UsageError
from eng5_np.experiments.record import find_artefact, load_experiment, load_record
from eng5_np.report.compare_view import Comparison, build_comparison, check_comparable
from eng5_np.report.experiment_render import write_compare_reports
from eng5_np.report.render import load_artefact
from eng5_np.report.run_summary import RunSummary, summarise_run

SWEEP_FILE = "sweep.json"
ADVICE = "Pass artefact files, run folders, experiment folders (--repeats) or sweep folders."


@dataclass(frozen=True)
class RunGroup:
    """Artefacts shown as one row."""

    name: str
    source: Path
    artefacts: tuple[Path, ...]


@dataclass
class CompareResult:
    """The comparison, the reports written (if any) and what was left out."""

    comparison: Comparison
    report_paths: tuple[Path, ...] = ()
    warnings: list[str] = field(default_factory=list)


def experiment_group(folder: Path, name: str | None = None) -> RunGroup:
    """The complete repeats of an experiment folder as one group."""
    record = load_experiment(folder)
    if record is None:
        raise UsageError(f"{folder}: no experiment.json", advice=ADVICE)
    artefacts = tuple(
        folder / entry.artefact
        for entry in record.repeat_records[: record.repeats]
        if entry.status.value == "complete" and entry.artefact is not None
    )
    return RunGroup(name or folder.name, folder, artefacts)


def resolve_groups(paths: list[Path]) -> list[RunGroup]:
    """What each PATH names, as groups of artefacts (in the order given)."""
    groups: list[RunGroup] = []
    for path in paths:
        if path.is_file():
            groups.append(RunGroup(path.parent.name or path.name, path, (path,)))
        elif not path.is_dir():
            raise UsageError(f"{path}: no such file or folder", advice=ADVICE)
        elif (path / SWEEP_FILE).is_file():
            sweep = load_record(path, SWEEP_FILE) or {}
            for cell in sweep.get("cells") or []:
                groups.append(experiment_group(path / str(cell["folder"]), str(cell["name"])))
        elif load_experiment(path) is not None:
            groups.append(experiment_group(path))
        elif (artefact := find_artefact(path)) is not None:
            groups.append(RunGroup(path.name, path, (artefact,)))
        else:
            raise UsageError(
                f"{path}: holds no artefact, experiment.json or sweep.json", advice=ADVICE
            )
    return groups


def compare_groups(groups: list[RunGroup], output_dir: Path | None = None) -> CompareResult:
    """Load, check and compare the groups; write compare.md/html into ``output_dir`` if given."""
    loaded: list[tuple[str, str, list[RunSummary], RepeatAggregate]] = []
    warnings: list[str] = []
    for group in groups:
        if not group.artefacts:
            warnings.append(f"{group.source}: no complete repeat, left out of the comparison")
            continue
        summaries = [summarise_run(load_artefact(path), path) for path in group.artefacts]
        # The statistics across a group's runs are computed here; the views render them.
        loaded.append((group.name, str(group.source), summaries, aggregate_repeats(summaries)))
    check_comparable([(name, runs) for name, _, runs, _ in loaded])
    comparison = build_comparison(loaded)
    result = CompareResult(comparison, warnings=warnings)
    if output_dir is not None:
        result.report_paths = write_compare_reports(output_dir, comparison)
    return result


def run_compare(paths: list[Path], output_dir: Path | None = None) -> CompareResult:
    """``eng5-runner compare``: resolve the paths, compare, write the reports if asked."""
    if not paths:
        raise UsageError("compare needs at least one PATH", advice=ADVICE)
    return compare_groups(resolve_groups(paths), output_dir)
