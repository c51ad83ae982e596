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

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eng5_np.analysis.differences import RowInput, compare_differences
from eng5_np.analysis.repeats import aggregate_repeats
from eng5_np.errors import UsageError
from eng5_np.experiments.record import find_artefact, load_experiment, load_record
from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.report.compare_view import Comparison, build_comparison, check_comparable
from eng5_np.report.compare_view_differences import comparison_record
from eng5_np.report.experiment_render import write_compare_reports
from eng5_np.report.render import load_artefact
from eng5_np.report.run_summary import RunSummary, summarise_run

SWEEP_FILE = "sweep.json"
COMPARE_FILE = "compare.json"
"""The comparison's figures and difference intervals, stored beside compare.md/html."""
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


def compare_summaries(groups: Sequence[tuple[str, str, Sequence[RunSummary]]]) -> Comparison:
    """The comparison of ``(name, source, runs)`` groups: the statistics across each group's
    runs and the differences between groups are computed here, once; the views render them."""
    rows = [(name, source, runs, aggregate_repeats(runs)) for name, source, runs in groups]
    differences = compare_differences([_row_input(runs) for _, _, runs in groups]) if rows else None
    return build_comparison(rows, differences)


def _row_input(runs: Sequence[RunSummary]) -> RowInput:
    values: dict[str, list[float | None]] = {
        "tau_b": [run.tau for run in runs],
        "inversions": [None if run.inversions is None else float(run.inversions) for run in runs],
        "ssr": [run.ssr for run in runs],
    }
    return RowInput(values, [run.comparisons_on_anchors for run in runs])


def compare_groups(groups: list[RunGroup], output_dir: Path | None = None) -> CompareResult:
    """Load, check and compare the groups; write compare.md/html into ``output_dir`` if given."""
    loaded: list[tuple[str, str, list[RunSummary]]] = []
    warnings: list[str] = []
    for group in groups:
        if not group.artefacts:
            warnings.append(f"{group.source}: no complete repeat, left out of the comparison")
            continue
        summaries = [summarise_run(load_artefact(path), path) for path in group.artefacts]
        loaded.append((group.name, str(group.source), summaries))
    check_comparable([(name, runs) for name, _, runs in loaded])
    comparison = compare_summaries(loaded)
    result = CompareResult(comparison, warnings=warnings)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        record = json.dumps(comparison_record(comparison), indent=2, ensure_ascii=False)
        atomic_write_bytes(output_dir / COMPARE_FILE, (record + "\n").encode("utf-8"))
        result.report_paths = (
            output_dir / COMPARE_FILE,
            *write_compare_reports(output_dir, comparison),
        )
    return result


def run_compare(paths: list[Path], output_dir: Path | None = None) -> CompareResult:
    """``eng5-runner compare``: resolve the paths, compare, write the reports if asked."""
    if not paths:
        raise UsageError("compare needs at least one PATH", advice=ADVICE)
    return compare_groups(resolve_groups(paths), output_dir)
