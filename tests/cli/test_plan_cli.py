"""``eng5-runner --mode plan`` as a new user meets it: good data, bad data, bad flags."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]
"""The ``invoke`` fixture of conftest.py: run eng5-runner in-process."""


def lines_with(output: str, fragment: str) -> list[str]:
    """The output lines that contain ``fragment``."""
    return [line for line in output.splitlines() if fragment in line]


def assert_clean_failure(output: str) -> None:
    """No traceback and a final ``error:`` line saying what to do."""
    assert "Traceback" not in output
    assert lines_with(output, "error: "), output


def test_plan_on_the_bundled_sample(invoke: Invoke) -> None:
    result = invoke("--mode", "plan")
    assert result.exit_code == 0, result.output
    assert "9 anchors + 14 students = 23 essays" in result.output
    assert "Dataset is usable." in result.output
    assert "eng5_np_legacy_9_step" in result.output
    assert not Path("eng5_runs").exists(), "plan writes nothing"


def test_mode_is_case_insensitive(invoke: Invoke, dataset: Path) -> None:
    result = invoke("--mode", "PLAN", "--dataset-dir", dataset)
    assert result.exit_code == 0, result.output
    assert "Dataset is usable." in result.output


def test_plan_shows_budget_and_overrides(invoke: Invoke, dataset: Path) -> None:
    result = invoke("--dataset-dir", dataset, "--max-comparisons", "40", "--llm-temperature", "0.3")
    assert result.exit_code == 0, result.output
    assert "--max-comparisons 40" in result.output
    assert "temperature_override" in result.output
    assert "0.3" in result.output


def empty_file(dataset: Path) -> str:
    (dataset / "student_essays" / "student_06_helping.txt").write_bytes(b"")
    return "student_essays/student_06_helping.txt: file is empty"


def non_utf8(dataset: Path) -> str:
    (dataset / "student_essays" / "student_13_energy.txt").write_bytes(b"Energi \xe4r viktigt\n")
    return "student_essays/student_13_energy.txt: not valid UTF-8"


def corrupt_docx(dataset: Path) -> str:
    path = dataset / "student_essays" / "student_04_beach_litter.docx"
    path.write_bytes(path.read_bytes()[:1000])
    return "student_essays/student_04_beach_litter.docx: not a readable .docx file"


def anchor_row_missing(dataset: Path) -> str:
    csv_path = dataset / "anchors.csv"
    kept = [
        line
        for line in csv_path.read_text(encoding="utf-8").splitlines()
        if not line.startswith("anchor_D-,")
    ]
    csv_path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return "anchor_essays/anchor_D-.txt: anchor has no grade in anchors.csv"


def anchor_grade_blank(dataset: Path) -> str:
    csv_path = dataset / "anchors.csv"
    text = csv_path.read_text(encoding="utf-8")
    csv_path.write_text(text.replace("anchor_E-,E-,", "anchor_E-,,"), encoding="utf-8")
    return "anchor anchor_E- has no grade"


def grade_off_scale(dataset: Path) -> str:
    csv_path = dataset / "anchors.csv"
    text = csv_path.read_text(encoding="utf-8")
    csv_path.write_text(text.replace("anchor_B,B,", "anchor_B,B+,"), encoding="utf-8")
    return "grade 'B+' of anchor_B is not on eng5_np_legacy_9_step"


def empty_students(dataset: Path) -> str:
    for path in (dataset / "student_essays").iterdir():
        path.unlink()
    return "student_essays/: contains no essays"


def no_instructions(dataset: Path) -> str:
    (dataset / "instructions.md").unlink()
    return "instructions.md: missing"


def corrupt_xlsx(dataset: Path) -> str:
    (dataset / "anchors.csv").unlink()
    (dataset / "anchors.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return "anchors.xlsx: cannot be read"


BREAKERS: list[Callable[[Path], str]] = [
    empty_file,
    non_utf8,
    corrupt_docx,
    anchor_row_missing,
    anchor_grade_blank,
    grade_off_scale,
    empty_students,
    no_instructions,
]


@pytest.mark.parametrize("breaker", BREAKERS, ids=lambda b: b.__name__)
@pytest.mark.parametrize("mode", ["plan", "dry-run"])
def test_bad_dataset_exits_2_with_one_line_naming_the_problem(
    invoke: Invoke, dataset: Path, tmp_path: Path, breaker: Callable[[Path], str], mode: str
) -> None:
    fragment = breaker(dataset)
    out = tmp_path / "out"
    result = invoke("--mode", mode, "--dataset-dir", dataset, "--output-dir", out)
    assert result.exit_code == 2, result.output
    assert_clean_failure(result.output)
    assert len(lines_with(result.output, fragment)) == 1, result.output
    assert not (out / "assessment_run.dry-run.json").exists()


def test_corrupt_anchor_spreadsheet_is_a_problem_not_a_crash(invoke: Invoke, dataset: Path) -> None:
    fragment = corrupt_xlsx(dataset)
    result = invoke("--mode", "plan", "--dataset-dir", dataset)
    assert result.exit_code == 2, result.output
    assert_clean_failure(result.output)
    assert len(lines_with(result.output, fragment)) == 1, result.output


def test_plan_lists_all_problems_at_once(invoke: Invoke, dataset: Path) -> None:
    fragments = [empty_file(dataset), non_utf8(dataset), grade_off_scale(dataset)]
    result = invoke("--mode", "plan", "--dataset-dir", dataset)
    assert result.exit_code == 2, result.output
    assert_clean_failure(result.output)
    for fragment in fragments:
        assert len(lines_with(result.output, fragment)) == 1, (fragment, result.output)
    assert "3 problem(s)" in result.output


def test_missing_dataset_folder(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--mode", "plan", "--dataset-dir", tmp_path / "no-such-folder")
    assert result.exit_code == 2, result.output
    assert_clean_failure(result.output)
    assert len(lines_with(result.output, "no-such-folder does not exist")) == 1, result.output


def test_dataset_dir_from_the_environment(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--mode", "plan", env={"ENG5_DATASET_DIR": str(tmp_path / "env-folder")})
    assert result.exit_code == 2, result.output
    assert "env-folder does not exist" in result.output


def test_unknown_grade_scale(invoke: Invoke) -> None:
    result = invoke("--mode", "plan", "--grade-scale", "letters")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "--grade-scale" in result.output
    assert "eng5_np_legacy_9_step" in result.output


def test_grade_scale_that_does_not_fit_the_anchors(invoke: Invoke, dataset: Path) -> None:
    result = invoke("--dataset-dir", dataset, "--grade-scale", "eng5_np_national_9_step")
    assert result.exit_code == 2, result.output
    assert_clean_failure(result.output)
    assert len(lines_with(result.output, "is not on eng5_np_national_9_step")) == 9


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("--batch-id", "my batch!"), "--batch-id"),
        (("--batch-id", "x" * 65), "--batch-id"),
        (("--llm-temperature", "3"), "--llm-temperature"),
        (("--llm-max-tokens", "0"), "--llm-max-tokens"),
        (("--max-comparisons", "0"), "--max-comparisons"),
        (("--kafka-bootstrap", "localhost"), "--kafka-bootstrap"),
        (("--course-id", "course-5"), "--course-id"),
    ],
)
def test_bad_option_values_exit_2_naming_the_flag(
    invoke: Invoke, args: tuple[str, ...], flag: str
) -> None:
    result = invoke("--mode", "plan", *args)
    assert result.exit_code == 2, result.output
    assert_clean_failure(result.output)
    error_lines = lines_with(result.output, "error: ")
    assert len(error_lines) == 1
    assert error_lines[0].startswith(f"error: {flag}: ")


def test_unknown_mode(invoke: Invoke) -> None:
    result = invoke("--mode", "explode")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--mode" in result.output


def test_file_names_are_shown_verbatim(invoke: Invoke, dataset: Path) -> None:
    # Rich markup in a file name must not be interpreted (or swallowed) when printed.
    (dataset / "student_essays" / "draft [bold]v2.txt").write_bytes(b"")
    result = invoke("--mode", "plan", "--dataset-dir", dataset)
    assert result.exit_code == 2, result.output
    assert "student_essays/draft [bold]v2.txt: file is empty" in result.output


def test_console_script_reports_problems_without_traceback(dataset: Path) -> None:
    script = Path(sys.executable).with_name("eng5-runner")
    if not script.exists():
        found = shutil.which("eng5-runner")
        assert found, "the eng5-runner console script is not installed"
        script = Path(found)
    fragments = [empty_file(dataset), corrupt_docx(dataset)]
    completed = subprocess.run(
        [str(script), "--mode", "plan", "--dataset-dir", str(dataset)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output
    for fragment in fragments:
        assert len(lines_with(output, fragment)) == 1, output
    assert completed.stderr.rstrip().splitlines()[-1].startswith("error: ")


def test_plan_lists_hidden_and_linked_files(invoke: Invoke, dataset: Path, tmp_path: Path) -> None:
    (dataset / "student_essays" / ".notes.txt").write_text("mine", encoding="utf-8")
    (dataset / "student_essays" / "student_99.txt").symlink_to(tmp_path / "nowhere.txt")
    result = invoke("--mode", "plan", "--dataset-dir", dataset, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "skipped: student_essays/.notes.txt: hidden, skipped" in result.output
    assert "student_essays/student_99.txt: skipped; a symbolic link" in result.output


def test_plan_says_when_no_budget_can_meet_the_gate(invoke: Invoke, dataset: Path) -> None:
    # Issue 8: plan asked for more comparisons than the batch can have. 5 essays have 10
    # pairs; the platform makes each once and then once more (SPEC §11.6): 20, 8 per essay.
    for path in sorted((dataset / "student_essays").iterdir())[1:]:
        path.unlink()
    anchors = sorted((dataset / "anchor_essays").iterdir())
    for path in anchors[4:]:
        path.unlink()
    kept = {p.stem for p in anchors[:4]}
    table = dataset / "anchors.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    table.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if line.split(",")[0] in kept)]) + "\n",
        encoding="utf-8",
    )
    result = invoke("--mode", "plan", "--dataset-dir", dataset, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert (
        "which the platform cannot meet here: for 5 essays it makes at most 20 comparisons "
        "(every pair, then its resampling pass), 8.0 per essay" in text
    )
    assert "that needs ≥25 comparisons" not in text


def _huge_essay(dataset: Path) -> Path:
    """The 914,657-word essay of issue 14 (short words: the file stays under the size limit)."""
    path = dataset / "student_essays" / "student_01_phones.txt"
    path.write_text(("word " * 13 + "\n") * 70_358 + "end " * 3, encoding="utf-8")
    return path


def test_plan_names_a_huge_essay_and_the_context_window_it_exceeds(
    invoke: Invoke, dataset: Path
) -> None:
    _huge_essay(dataset)
    result = invoke("--mode", "plan", "--dataset-dir", dataset, "--llm-model", "gpt-5-mini")
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert (
        "warning: student_essays/student_01_phones.txt: 914,657 words, longer than the other "
        "essays (median 362; robust z of log length +21.5, beyond ±3.5)"
    ) in output
    assert (
        "student_essays/student_01_phones.txt: 914,657 words; every comparison prompt with it "
        "holds ≥1,189,620 tokens, more than the 400,000-token context window of "
        "openai/gpt-5-mini"
    ) in output


def test_plan_says_when_the_context_window_is_unknown(invoke: Invoke, dataset: Path) -> None:
    result = invoke(
        "--mode", "plan", "--dataset-dir", dataset,
        "--llm-provider", "openrouter", "--llm-model", "openai/gpt-5-mini",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "context window of openrouter/openai/gpt-5-mini: unknown" in output
    assert "longer than the other essays" not in output  # the sample has no outlier
