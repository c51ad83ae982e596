"""Judge profiles on the local stack (issue 16): a real difference is starred, a null is not.

Two sweeps over the same two system-prompt files. With a profile that makes one prompt's
judge blind (discrimination 0) and the other's sharp, compare stars τ-b; with the built-in
profile (one judge for both prompts) it says there is no detectable difference. Both are
deterministic: the judge seed and the bootstrap seed are fixed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eng5_np.primitives.hashing import sha256_text
from eng5_np.reference.judge_profiles import load_judge_profile

pytestmark = pytest.mark.e2e

RUNNER = str(Path(sys.executable).parent / "eng5-runner")
DEADLINE_S = 240.0
BUDGET = "253"
"""All pairs of the sample dataset's 23 essays: a blind judge's τ-b is then clearly apart."""


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENG5_", "KAFKA_")) and k != "CONTENT_SERVICE_URL"
    }
    env.update(ENG5_UPLOAD_CACHE_DIR=str(tmp / "cache"), COLUMNS="80")
    return subprocess.run(
        [RUNNER, *args],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _prompts(tmp: Path) -> list[Path]:
    paths = []
    for name in ("careful", "hasty"):
        path = tmp / f"{name}.md"
        path.write_text(f"You are a {name} examiner.", encoding="utf-8")
        paths.append(path)
    return paths


def _sweep(tmp: Path, out: Path, prompts: list[Path], *extra: str) -> Any:
    ran = _run(
        tmp,
        "sweep",
        "--local-stack",
        "--max-comparisons",
        BUDGET,
        "--system-prompt",
        ",".join(str(p) for p in prompts),
        "--output-dir",
        str(out),
        *extra,
    )
    assert ran.returncode == 0, ran.stderr
    return ran


def test_a_profile_with_a_blind_judge_gets_its_difference_starred(tmp_path: Path) -> None:
    careful, hasty = _prompts(tmp_path)
    profile_path = tmp_path / "profile.json"
    hasty_hash = sha256_text(hasty.read_text(encoding="utf-8"))
    profile_path.write_text(
        json.dumps(
            {
                "name": "hasty-is-blind",
                "default": {"discrimination": 3.0},
                "rules": [{"match": {"prompt_sha256": hasty_hash[:12]}, "discrimination": 0.0}],
            }
        ),
        encoding="utf-8",
    )
    profile = load_judge_profile(profile_path)
    out = tmp_path / "real"
    ran = _sweep(tmp_path, out, [careful, hasty], "--judge-profile", str(profile_path))
    assert f"With judge profile {profile.label}: a ★ on τ-b is expected in" in ran.stdout
    record = _json(out / "compare.json")
    tau = next(f for f in record["differences"]["figures"] if f["figure"] == "tau_b")
    assert (tau["best_row"], tau["detectable"]) == (0, True)
    assert tau["differences"][0]["interval"][1] < 0
    assert "★" in (out / "compare.md").read_text(encoding="utf-8")
    for cell, rule in (("prompt-careful", None), ("prompt-hasty", 0)):
        artefact = _json(out / cell / "rep-01" / "assessment_run.execute.json")
        block = artefact["metadata"]["stack"]["judge_profile"]
        assert (block["name"], block["sha256"]) == (profile.name, profile.sha256)
        assert block.get("rule") == rule
        assert profile.label in artefact["metadata"]["stack"]["description"]
        report = (out / cell / "rep-01" / "report.md").read_text(encoding="utf-8")
        assert f"| judge profile | {profile.label} ·" in report


def test_the_builtin_profile_shows_no_detectable_difference(tmp_path: Path) -> None:
    out = tmp_path / "null"
    _sweep(tmp_path, out, _prompts(tmp_path))
    record = _json(out / "compare.json")
    assert all(not f["detectable"] for f in record["differences"]["figures"])
    assert "no detectable difference at this budget" in (out / "compare.md").read_text(
        encoding="utf-8"
    )
    artefact = _json(out / "prompt-careful" / "rep-01" / "assessment_run.execute.json")
    assert artefact["metadata"]["stack"]["judge_profile"]["name"] == "builtin-uniform"


def test_a_bad_profile_file_is_refused_before_anything_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "default": {"lapse_rate": 3}}', encoding="utf-8")
    ran = _run(
        tmp_path,
        "--mode",
        "execute",
        "--local-stack",
        "--judge-profile",
        str(bad),
        "--output-dir",
        str(tmp_path / "run"),
    )
    assert ran.returncode == 2
    assert str(bad) in ran.stderr
    assert "default.lapse_rate" in ran.stderr
    assert not (tmp_path / "run" / "assessment_run.execute.json").exists()
