"""Estimates match what a simulated run records (issue 14, item 3): a local-stack run with a
named model is priced at that model's manifest prices (not as mock/simulated-judge-v1), and
plan's and sweep's estimates use the simulated judge's token model, so each is within 25 % of
the recorded cost."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from eng5_np.artefact.schema import validation_errors
from eng5_np.reference.llm_models import load_manifest

pytestmark = pytest.mark.e2e

RUNNER = str(Path(sys.executable).parent / "eng5-runner")
MODEL = "gpt-5-mini"
BUDGET = "40"
TOLERANCE = 0.25


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENG5_", "KAFKA_"))}
    env.update(ENG5_UPLOAD_CACHE_DIR=str(cwd / "cache"), COLUMNS="200")
    return subprocess.run(
        [RUNNER, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=240, check=False
    )


def test_plan_and_sweep_estimates_are_within_a_quarter_of_the_recorded_cost(
    tmp_path: Path,
) -> None:
    plan = _run("--mode", "plan", "--llm-model", MODEL, "--max-comparisons", BUDGET, cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    found = re.search(r"Estimated cost with GPT-5 mini: ≈\$(\d+\.\d+)", plan.stdout)
    assert found is not None, plan.stdout
    planned = float(found.group(1))

    out = tmp_path / "sweep"
    sweep = _run(
        "sweep", "--local-stack", "--llm-model", MODEL, "--max-comparisons", BUDGET,
        "--output-dir", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    (cell,) = json.loads((out / "sweep.json").read_text(encoding="utf-8"))["cells"]
    swept = cell["estimate_usd"]
    (artefact,) = (out / cell["folder"]).glob("rep-*/assessment_run.execute.json")
    document = json.loads(artefact.read_text(encoding="utf-8"))
    assert validation_errors(document) == []

    # Priced as the named model, under its id, and still marked simulated.
    (line,) = document["costs"]["token_counts"]
    assert (line["provider"], line["model"]) == ("mock", MODEL)
    entry = load_manifest().find(MODEL)
    assert entry is not None
    assert line["usd"] == pytest.approx(
        entry.cost_usd(line["prompt_tokens"], line["completion_tokens"]), rel=1e-9
    )
    assert document["metadata"]["stack"]["judge"] == "simulated"
    recorded = document["costs"]["total_usd"]
    assert recorded > 0
    for estimate in (planned, swept):
        assert abs(estimate - recorded) <= TOLERANCE * recorded, (estimate, recorded)
