"""A new local stack sets an earlier attempt aside; a batch-mode judge's provider batch ids
come along, for the CLI and the API alike (:func:`eng5_np.cli.stack_run.start_afresh`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eng5_np.cli.stack_run import JUDGE_BATCHES, start_afresh
from eng5_np.settings import RunMode, RunSettings


def _earlier_attempt(run_dir: Path) -> None:
    (run_dir / JUDGE_BATCHES).mkdir(parents=True)
    (run_dir / JUDGE_BATCHES / "wave-001.json").write_text('{"batch_id": "b-1"}')
    (run_dir / "state.json").write_text("{}")


@pytest.mark.parametrize(("judge_mode", "carried"), [("batch", True), ("live", False)])
def test_provider_batch_ids_come_along_only_in_batch_mode(
    tmp_path: Path, judge_mode: str, carried: bool
) -> None:
    run_dir = tmp_path / "run"
    _earlier_attempt(run_dir)
    settings = RunSettings(
        mode=RunMode.EXECUTE, output_dir=run_dir, local_stack=True, judge_mode=judge_mode
    )

    aside = start_afresh(settings)

    assert aside is not None
    assert (aside / JUDGE_BATCHES / "wave-001.json").is_file()  # the attempt keeps its copy
    assert not (run_dir / "state.json").exists()
    copied = run_dir / JUDGE_BATCHES / "wave-001.json"
    assert copied.is_file() is carried
    if carried:
        assert copied.read_text() == '{"batch_id": "b-1"}'


def test_a_folder_without_an_earlier_attempt_is_left_alone(tmp_path: Path) -> None:
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=tmp_path / "run", local_stack=True)
    assert start_afresh(settings) is None
