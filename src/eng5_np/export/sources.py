"""Which runs the PATHs of ``eng5-runner export`` name, each with its ``run`` name.

A PATH is what ``compare`` takes (:func:`eng5_np.experiments.compare.resolve_groups`): an
artefact file, a run folder, an experiment folder (``experiment.json``: its complete repeats)
or a sweep folder (``sweep.json``: every cell's complete repeats). A run is named by its folder
as seen from the PATH's parent: ``run1``, ``exp/rep-01``, ``sweep/model-x/rep-02``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eng5_np.errors import UsageError
from eng5_np.experiments.compare import resolve_groups


@dataclass(frozen=True)
class RunSource:
    """One artefact to export and the name its rows carry."""

    run: str
    artefact: Path


@dataclass(frozen=True)
class Sources:
    """The runs found, and the experiments that had no complete repeat."""

    runs: tuple[RunSource, ...]
    empty: tuple[Path, ...]


def find_runs(paths: list[Path]) -> Sources:
    """Every run the paths hold, in the order given; two runs with one name → exit 2."""
    runs: list[RunSource] = []
    empty: list[Path] = []
    seen: dict[str, Path] = {}
    for path in paths:
        base = path.resolve().parent if path.is_dir() else path.resolve().parent.parent
        for group in resolve_groups([path]):
            if not group.artefacts:
                empty.append(group.source)
            for artefact in group.artefacts:
                folder = artefact.resolve().parent
                name = (
                    folder.relative_to(base).as_posix()
                    if folder.is_relative_to(base)
                    else (folder.name)
                )
                if name in seen and seen[name] != artefact.resolve():
                    raise UsageError(
                        f"two runs are both named {name!r}: {seen[name]} and {artefact}",
                        advice="Export them in separate calls, or from folders with "
                        "different names.",
                    )
                if name not in seen:
                    seen[name] = artefact.resolve()
                    runs.append(RunSource(name, artefact))
    return Sources(tuple(runs), tuple(empty))
