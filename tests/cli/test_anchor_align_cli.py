"""``--mode anchor-align`` refusals: each is exit 2 with one line naming the flag and the fix,
and nothing is started or written (no run folder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

Invoke = Callable[..., Result]
"""The ``invoke`` fixture of conftest.py: run eng5-runner in-process."""


def _refused(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    for needle in needles:
        assert needle in result.output, result.output
    assert "Traceback" not in result.output


def test_an_unknown_grade_is_named_with_the_scale(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = invoke(
        "--mode", "anchor-align", "--anchor-grades", "D-,Q+", "--no-kafka", "--output-dir", out
    )

    _refused(result, "'Q+'", "F+,E-,E+,D-,D+,C-,C+,B,A")
    assert not out.exists()


def test_a_grade_without_an_anchor_in_the_dataset(invoke: Invoke, dataset: Path) -> None:
    (dataset / "anchor_essays" / "anchor_B.txt").unlink()
    lines = (dataset / "anchors.csv").read_text(encoding="utf-8").splitlines()
    (dataset / "anchors.csv").write_text(
        "\n".join(line for line in lines if not line.startswith("anchor_B,")) + "\n",
        encoding="utf-8",
    )

    result = invoke(
        "--mode", "anchor-align", "--dataset-dir", dataset, "--anchor-grades", "B,A", "--no-kafka"
    )

    _refused(result, "no anchor of grade B")


def test_anchor_grades_only_with_anchor_align(invoke: Invoke) -> None:
    _refused(invoke("--mode", "plan", "--anchor-grades", "A,B"), "--anchor-grades", "anchor-align")
    _refused(invoke("--mode", "execute", "--anchor-grades", "A,B"), "--anchor-grades")


def test_an_assignment_id_is_refused_for_a_guest_batch(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = invoke("--mode", "anchor-align", "--assignment-id", "a-1", "--output-dir", out)

    _refused(result, "--assignment-id", "guest batch")
    assert not out.exists()


def test_a_valid_selection_passes_the_usage_checks(invoke: Invoke, tmp_path: Path) -> None:
    # Nothing listens on port 9: the run gets past every usage check and stops at the
    # Content Service (exit 3), which shows the selection itself was accepted.
    result = invoke(
        "--mode",
        "anchor-align",
        "--anchor-grades",
        "F+,E-",
        "--no-kafka",
        "--content-service-url",
        "http://127.0.0.1:9/v1/content",
        "--output-dir",
        tmp_path / "run",
    )

    assert result.exit_code == 3, result.output  # the (absent) Content Service, not usage
