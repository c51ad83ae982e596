"""`eng5-runner compare` at 80 columns (issue 14): run names are never folded mid-word."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from eng5_np.cli.main import app

ArtefactFactory = Callable[..., dict[str, Any]]

TRIPLES = [
    ("anchor_high", "anchor_low", "anchor_high"),
    ("s1", "anchor_low", "s1"),
    ("anchor_high", "s1", "anchor_high"),
    ("s2", "anchor_low", "s2"),
    ("s1", "s2", "s1"),
    ("anchor_high", "s2", "s2"),
]


def test_long_run_names_stay_whole_at_80_columns(
    build_artefact: ArtefactFactory, tmp_path: Path
) -> None:
    names = [f"pilot-run-with-a-long-descriptive-name-{i}" for i in (1, 2)]
    for seed, name in enumerate(names):
        document = build_artefact(
            TRIPLES, anchors={"anchor_high": "B", "anchor_low": "E-"}, students=["s1", "s2"]
        )
        document["metadata"]["options"]["judge_seed"] = seed
        folder = tmp_path / name
        folder.mkdir()
        (folder / "assessment_run.execute.json").write_text(json.dumps(document))
    result = CliRunner().invoke(
        app, ["compare", *(str(tmp_path / n) for n in names)], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in names:
        assert sum(name in line for line in lines) == 1, result.output  # whole, once
    assert not any(line.strip().startswith("me-") for line in lines)
