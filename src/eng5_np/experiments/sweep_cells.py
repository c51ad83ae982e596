"""A sweep's cells: every combination of the swept values, each with a readable folder name.

:func:`build_cells` turns the sweep's value lists (``--judge``, ``--llm-model``,
``--reasoning-effort``, ``--system-prompt``, ``--rubric``; :func:`split_list` parses the
comma-separated flags) into :class:`SweepCell` objects: the values shown to people, the settings
each cell sets, and a folder name short and unique within the sweep. Planning and running the
cells is :mod:`eng5_np.experiments.sweep`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eng5_np.contracts.enums import ReasoningEffort
from eng5_np.errors import UsageError
from eng5_np.experiments.sweep_judges import judge_cell_updates
from eng5_np.primitives.hashing import sha256_text

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FOLDER = 80


@dataclass(frozen=True)
class SweepCell:
    """One combination of the swept values."""

    name: str
    """Readable folder name, e.g. ``model-gpt-5_effort-low_prompt-p1``."""
    values: dict[str, str]
    """Dimension → the value shown to people (file name + SHA-256 prefix for files)."""
    updates: dict[str, Any]
    """The settings fields this cell sets."""
    estimate_usd: float | None = None
    priced_as: str | None = None


def split_list(flag: str, raw: str | None) -> list[str]:
    """``a,b`` → ``["a", "b"]`` (trimmed, de-duplicated); an empty item is a usage error."""
    if raw is None:
        return []
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise UsageError(f"{flag}: empty item in {raw!r}", advice=f"Write {flag} a,b,c.")
    return list(dict.fromkeys(items))


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-._") or "x"


def _override_file(flag: str, raw: str) -> tuple[Path, str]:
    """A prompt/rubric file and its text's SHA-256; unreadable or empty → UsageError."""
    path = Path(raw)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{flag} {raw}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{flag} {raw}: cannot be read as UTF-8 text ({exc})") from None
    if not text.strip():
        raise UsageError(f"{flag} {raw}: the file is empty")
    return path, sha256_text(text)


def build_cells(
    models: Sequence[str],
    efforts: Sequence[str],
    prompts: Sequence[str],
    rubrics: Sequence[str],
    judges: Sequence[str] = (),
) -> list[SweepCell]:
    """Every combination of the given values (a dimension not given is not swept)."""
    dimensions: list[list[tuple[str, str, str, dict[str, Any]]]] = []
    if judges:
        dimensions.append(
            [("judge", j, _slug(j.replace(",", "+")), judge_cell_updates(j)) for j in judges]
        )
    if models:
        dimensions.append([("model", m, _slug(m), {"llm_model": m}) for m in models])
    if efforts:
        known = {effort.value for effort in ReasoningEffort}
        for effort in efforts:
            if effort not in known:
                raise UsageError(
                    f"--reasoning-effort: {effort!r} is not one of {', '.join(sorted(known))}"
                )
        dimensions.append(
            [("effort", e, e, {"reasoning_effort": ReasoningEffort(e)}) for e in efforts]
        )
    for flag, dimension, field_name, files in (
        ("--system-prompt", "prompt", "system_prompt_file", prompts),
        ("--rubric", "rubric", "rubric_file", rubrics),
    ):
        if files:
            options = []
            for raw in files:
                path, digest = _override_file(flag, raw)
                options.append(
                    (
                        dimension,
                        f"{path.name} · {digest[:12]}",
                        _slug(path.stem),
                        {field_name: path},
                    )
                )
            dimensions.append(options)
    # Folder names show the dimensions that vary (all given ones when none does), so they
    # stay short; changing a list later changes the names, and the new cells run afresh.
    varied = {options[0][0] for options in dimensions if len(options) > 1}
    cells: list[SweepCell] = []
    for combination in itertools.product(*dimensions):
        named = [part for part in combination if part[0] in varied] or list(combination)
        name = "_".join(f"{dim}-{slug}" for dim, _, slug, _ in named) or "base"
        values = {dim: shown for dim, shown, _, _ in combination}
        updates: dict[str, Any] = {}
        for *_, update in combination:
            updates.update(update)
        cells.append(SweepCell(name[:MAX_FOLDER], values, updates))
    return _unique_names(cells)


def _unique_names(cells: list[SweepCell]) -> list[SweepCell]:
    """Names that collide (same file stem in two folders, long names cut) get a short hash."""
    seen: dict[str, int] = {}
    for cell in cells:
        seen[cell.name] = seen.get(cell.name, 0) + 1
    result = []
    for cell in cells:
        if seen[cell.name] > 1:
            digest = hashlib.sha256(repr(sorted(cell.values.items())).encode()).hexdigest()[:6]
            cell = SweepCell(f"{cell.name[: MAX_FOLDER - 7]}-{digest}", cell.values, cell.updates)
        result.append(cell)
    return result
