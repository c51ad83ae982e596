"""The public API's runs: labelled as the CLI's, modes checked, a stopped stack refused.

Real parts: the embedded local stack (Tansu broker, Content Service, reference CJ service on
127.0.0.1) and the ``eng5-runner`` console script for the CLI side of the comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import eng5_np
from eng5_np import LocalStack, RunMode, RunSettings

pytestmark = pytest.mark.e2e

RUNNER = Path(sys.executable).parent / "eng5-runner"
SAME_OPTIONS = ("mode", "local_stack", "await_completion", "judge", "judge_seed", "judge_faults")


def document(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


async def test_a_run_through_local_stack_is_labelled_as_the_clis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENG5_", "KAFKA_"))}
    env["ENG5_UPLOAD_CACHE_DIR"] = str(cache)
    cli_dir = tmp_path / "cli-run"
    ran = subprocess.run(
        [str(RUNNER), "--mode", "execute", "--local-stack", "--max-comparisons", "20",
         "--judge-seed", "3", "--output-dir", str(cli_dir)],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr

    monkeypatch.setenv("ENG5_UPLOAD_CACHE_DIR", str(cache))
    settings = RunSettings(
        output_dir=tmp_path / "api-run", max_comparisons=20, judge_seed=3, upload_cache_dir=cache
    )
    async with LocalStack(settings) as on_stack:
        assert on_stack.kafka_bootstrap.startswith("127.0.0.1:")
        result = await eng5_np.run_execute(on_stack)
    assert result.artefact_path == tmp_path / "api-run" / "assessment_run.execute.json"

    cli = document(cli_dir / "assessment_run.execute.json")
    api = document(result.artefact_path)
    assert api["metadata"]["stack"] == cli["metadata"]["stack"]
    assert api["metadata"]["stack"]["kind"] == "local"
    assert "seed 3" in api["metadata"]["stack"]["description"]
    for option in SAME_OPTIONS:
        assert api["metadata"]["options"][option] == cli["metadata"]["options"][option], option
    assert len(api["llm_comparisons"]) == len(cli["llm_comparisons"]) == 20
    assert eng5_np.load_artefact(result.artefact_path).mode == "execute"

    # The stack is gone: its settings cannot start another run against nothing.
    with pytest.raises(eng5_np.UsageError, match="local stack that is not running"):
        await eng5_np.run_execute(on_stack)


async def test_a_mode_named_explicitly_must_match_the_function(tmp_path: Path) -> None:
    settings = RunSettings(mode=RunMode.DRY_RUN, output_dir=tmp_path / "run")
    with pytest.raises(eng5_np.UsageError, match="settings say mode 'dry-run'") as caught:
        await eng5_np.run_execute(settings)
    assert caught.value.exit_code == 2
    assert not (tmp_path / "run").exists()
    dry = await eng5_np.run_dry_run(RunSettings(output_dir=tmp_path / "dry"))
    assert dry.artefact_path == tmp_path / "dry" / "assessment_run.dry-run.json"
    assert eng5_np.load_artefact(dry.artefact_path).mode == "dry-run"


async def test_a_bad_judge_is_refused_before_a_stack_starts(tmp_path: Path) -> None:
    stack = LocalStack(RunSettings(output_dir=tmp_path / "run", judge_faults="errors=lots"))
    with pytest.raises(eng5_np.UsageError, match="errors needs a number"):
        async with stack:
            pytest.fail("the stack started")


async def test_load_artefact_refuses_a_changed_copy(tmp_path: Path) -> None:
    dry = await eng5_np.run_dry_run(RunSettings(output_dir=tmp_path / "dry", batch_id="dry-01"))
    copy = tmp_path / "copy.json"
    changed = document(dry.artefact_path)
    changed["metadata"]["batch_id"] = "someone-else"
    copy.write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(eng5_np.ArtefactInvalid, match="refused, checksum"):
        eng5_np.load_artefact(copy, check_files=False)
    copy.write_text(dry.artefact_path.read_text(encoding="utf-8"), encoding="utf-8")
    assert eng5_np.load_artefact(copy, check_files=False).batch_id == "dry-01"


async def test_anchor_align_through_the_api_judges_the_chosen_anchors(tmp_path: Path) -> None:
    settings = RunSettings(
        output_dir=tmp_path / "align",
        anchor_grades=("F+", "E-", "E+", "D-"),
        upload_cache_dir=tmp_path / "cache",
    )
    async with LocalStack(settings) as on_stack:
        result = await eng5_np.run_anchor_align(on_stack)
    run = eng5_np.load_artefact(result.artefact_path)
    assert result.artefact_path.name == "assessment_run.anchor-align.json"
    assert run.mode == "anchor-align"
    assert sorted(e.grade or "" for e in run.essays) == ["D-", "E+", "E-", "F+"]
    assert {e.role for e in run.essays} == {"anchor"}
    assert run.figures.tau_b == run.document["alignment"]["kendall_tau_b"]
    assert run.metadata["stack"]["kind"] == "local"


async def test_a_new_stack_sets_an_earlier_attempt_aside_and_starts_afresh(tmp_path: Path) -> None:
    settings = RunSettings(
        output_dir=tmp_path / "run", max_comparisons=10, upload_cache_dir=tmp_path / "cache"
    )
    async with LocalStack(settings) as on_stack:
        first = await eng5_np.run_execute(on_stack)
    async with LocalStack(settings) as on_stack:
        second = await eng5_np.run_execute(on_stack)
    assert second.artefact_path == first.artefact_path
    assert not second.resumed
    assert second.wire_batch_id != first.wire_batch_id
    kept = [p.name for p in tmp_path.iterdir() if p.name.startswith("run.set-aside")]
    assert len(kept) == 1
    aside = document(tmp_path / kept[0] / "assessment_run.execute.json")
    assert aside["metadata"]["wire_batch_id"] == first.wire_batch_id
    with pytest.raises(eng5_np.UsageError, match="--republish cannot apply"):
        async with LocalStack(settings.model_copy(update={"republish": True})):
            pytest.fail("the stack started")
