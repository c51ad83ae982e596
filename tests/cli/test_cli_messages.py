"""Messages a new user tripped over (issue 14, item 10): each says what to do, and nothing
is started for a run that cannot begin."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
STARTED = "local stack started"


def test_a_mistyped_mode_gets_a_did_you_mean(invoke: Invoke) -> None:
    result = invoke("--mode", "exectue")
    assert result.exit_code == 2
    assert "did you mean execute?" in result.output
    assert invoke("--mode", "PLAN").exit_code == 0  # still case-insensitive
    swept = invoke("sweep", "--mode", "anchor-algn")
    assert swept.exit_code == 2
    assert "did you mean anchor-align?" in swept.output


def test_dataset_advice_names_the_users_dataset(invoke: Invoke, dataset: Path) -> None:
    (dataset / "prompt.md").unlink()
    for mode in ("plan", "dry-run"):
        result = invoke("--mode", mode, "--dataset-dir", dataset)
        assert result.exit_code == 2, result.output
        command = f"eng5-runner --mode plan --dataset-dir {shlex.quote(str(dataset.resolve()))}"
        assert f"run `{command}` again" in result.output.replace("\n", "")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--mode", "execute", "--repeats", "0"), "--repeats must be 1-99, got 0"),
        (("--mode", "anchor-align", "--anchor-grades", "Z"), "'Z' is not a grade of"),
        (("--mode", "anchor-align", "--anchor-grades", "A"), "needs at least 2 anchors"),
        (("--mode", "execute", "--break-dataset"), "prompt.md: missing"),
        (("--mode", "execute", "--repeats", "2", "--break-dataset"), "prompt.md: missing"),
    ],
)
def test_bad_input_is_refused_before_the_local_stack_starts(
    invoke: Invoke, dataset: Path, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    if "--break-dataset" in args:
        (dataset / "prompt.md").unlink()
        args = tuple(a for a in args if a != "--break-dataset")
    result = invoke(
        *args, "--local-stack", "--dataset-dir", dataset, "--output-dir", tmp_path / "out"
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert STARTED not in result.output
    assert not (tmp_path / "out").exists()
