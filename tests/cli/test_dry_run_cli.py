"""``eng5-runner --mode dry-run``: the stub artefact from the real inventory, nothing else."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import Result

from eng5_np.artefact.checksum import compute_checksum
from eng5_np.artefact.schema import validate_document
from eng5_np.artefact.verify import verify_artefact
from eng5_np.dataset.extract import extract_text
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName

Invoke = Callable[..., Result]
"""The ``invoke`` fixture of conftest.py: run eng5-runner in-process."""

ARTEFACT = "assessment_run.dry-run.json"
SECRET = "s3cr3t-value"
LEGACY = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]


def dry_run(invoke: Invoke, out: Path, *args: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run dry-run into ``out`` and return the artefact it wrote."""
    result = invoke("--mode", "dry-run", "--output-dir", out, *args, **kwargs)
    assert result.exit_code == 0, result.output
    assert f"Dry-run artefact written: {out / ARTEFACT}" in result.output
    document: dict[str, Any] = json.loads((out / ARTEFACT).read_text(encoding="utf-8"))
    return document


def sha256(text: str) -> str:
    """SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_dry_run_writes_a_valid_artefact_of_the_real_dataset(
    invoke: Invoke, dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    document = dry_run(invoke, out, "--dataset-dir", dataset, "--batch-id", "trial-1")
    validate_document(document)
    assert document["validation"]["artefact_checksum"] == compute_checksum(document)

    metadata = document["metadata"]
    assert metadata["runner_mode"] == "dry-run"
    assert metadata["batch_id"] == "trial-1"
    assert metadata["dataset_dir"] == str(dataset.resolve())
    assert metadata["stack"]["kind"] == "none"
    assert metadata["llm_config_overrides"] is None
    assert re.fullmatch(r"[0-9a-f]{7,40}|unknown", metadata["git_sha"])

    inputs = document["inputs"]
    for key, name in (("instructions", "instructions.md"), ("prompt_reference", "prompt.md")):
        text = extract_text(dataset / name)
        assert inputs[key]["source_path"] == name
        assert inputs[key]["content"] == text
        assert inputs[key]["checksum"] == sha256(text)
        assert "storage_id" not in inputs[key]

    anchors, students = inputs["anchors"], inputs["students"]
    assert len(anchors) == 9
    assert len(students) == 14
    assert sorted(a["grade"] for a in anchors) == sorted(LEGACY.grades)
    for record in [*anchors, *students]:
        path = dataset / record["source_path"]
        assert record["file_name"] == path.name
        assert record["checksum"] == sha256(extract_text(path))
        assert record["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert record["file_bytes"] == path.stat().st_size
    ids = [a["anchor_id"] for a in anchors] + [s["essay_id"] for s in students]
    assert len(set(ids)) == 23
    # Wire ids are opaque (SPEC §3); the display names say who is who.
    assert all(re.fullmatch(r"essay-[0-9a-f]{12}", i) for i in ids)
    names = [a["display_name"] for a in anchors] + [s["display_name"] for s in students]
    assert all(n.startswith("anchor_") for n in names[:9])
    assert all(n.startswith("student_") for n in names[9:])
    assert document["metadata"]["assignment_id"] is None  # a guest run by default
    assert document["llm_comparisons"] == []
    assert document["validation"]["manifest"] == []
    assert document["validation"]["runner_status"]["mode"] == "dry-run"


def test_mode_is_case_insensitive(invoke: Invoke, tmp_path: Path) -> None:
    document = dry_run(invoke, tmp_path / "out", "--mode", "DRY-RUN")
    assert document["metadata"]["runner_mode"] == "dry-run"


def test_no_secret_in_artefact_or_log(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "PLAIN",
        "KAFKA_SASL_USERNAME": "runner",
        "KAFKA_SASL_PASSWORD": SECRET,
    }
    result = invoke("--mode", "dry-run", "--output-dir", out, "--verbose", env=env)
    assert result.exit_code == 0, result.output
    assert "dry_run.artefact_written" in result.output, "--verbose shows the debug log"
    assert SECRET not in result.output
    document = json.loads((out / ARTEFACT).read_text(encoding="utf-8"))
    security = document["metadata"]["options"]["kafka_security"]
    assert security["sasl_password_set"] is True
    assert security["security_protocol"] == "SASL_SSL"
    log_text = (out / "runner.log.jsonl").read_text(encoding="utf-8")
    assert log_text.strip()
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8"), path


def test_run_log_is_json_lines_with_run_context(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    document = dry_run(invoke, out, "--batch-id", "log-check")
    lines = (out / "runner.log.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    written = [r for r in records if r["event"] == "dry_run.artefact_written"]
    assert len(written) == 1
    assert written[0]["batch_id"] == "log-check"
    assert written[0]["runner_mode"] == "dry-run"
    assert written[0]["correlation_id"] == document["metadata"]["wire_batch_id"]
    assert written[0]["checksum"] == document["validation"]["artefact_checksum"]


def test_artefact_is_written_atomically_and_verifies(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = dry_run(invoke, out)
    second = dry_run(invoke, out)
    assert first["metadata"]["wire_batch_id"] != second["metadata"]["wire_batch_id"]
    assert sorted(p.name for p in out.iterdir()) == [ARTEFACT, "runner.log.jsonl"]
    assert not list(out.rglob("*.tmp"))
    report = verify_artefact(out / ARTEFACT)
    assert report.ok, report.problems


def test_overrides_and_budget_are_recorded(invoke: Invoke, tmp_path: Path) -> None:
    document = dry_run(
        invoke,
        tmp_path / "out",
        "--llm-provider",
        "openai",
        "--llm-model",
        "gpt-test",
        "--llm-temperature",
        "0.2",
        "--max-comparisons",
        "60",
    )
    assert document["metadata"]["llm_config_overrides"] == {
        "model_override": "gpt-test",
        "temperature_override": 0.2,
        "provider_override": "openai",
    }
    assert document["metadata"]["max_comparisons"] == 60


def test_judge_overrides_are_recorded_with_text_and_checksum(
    invoke: Invoke, tmp_path: Path
) -> None:
    prompt = tmp_path / "system-prompt-02.md"
    prompt.write_text("You are an experienced examiner of English 5.", encoding="utf-8")
    rubric = tmp_path / "rubric-b.md"
    rubric.write_text("Weigh coherence above vocabulary.", encoding="utf-8")
    document = dry_run(
        invoke,
        tmp_path / "out",
        "--system-prompt",
        prompt,
        "--rubric",
        rubric,
        "--reasoning-effort",
        "HIGH",
        "--output-verbosity",
        "low",
        "--llm-batching-mode",
        "serial_bundle",
    )
    metadata = document["metadata"]
    assert metadata["llm_config_overrides"] == {
        "system_prompt_override": prompt.read_text(encoding="utf-8"),
        "judge_rubric_override": rubric.read_text(encoding="utf-8"),
        "reasoning_effort": "high",
        "output_verbosity": "low",
    }
    assert metadata["overrides"] == {
        "system_prompt": {
            "path": str(prompt),
            "sha256": sha256(prompt.read_text(encoding="utf-8")),
            "text": prompt.read_text(encoding="utf-8"),
        },
        "rubric": {
            "path": str(rubric),
            "sha256": sha256(rubric.read_text(encoding="utf-8")),
            "text": rubric.read_text(encoding="utf-8"),
        },
    }
    assert metadata["llm_batching_mode_hint"] == "serial_bundle"


@pytest.mark.parametrize("mode", ["plan", "dry-run"])
def test_a_missing_or_empty_prompt_file_is_exit_2_naming_it(
    invoke: Invoke, tmp_path: Path, mode: str
) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("\n", encoding="utf-8")
    for path, reason in ((tmp_path / "nope.md", "file not found"), (empty, "the file is empty")):
        result = invoke("--mode", mode, "--system-prompt", path, "--output-dir", tmp_path / "o")
        assert result.exit_code == 2, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert errors == [f"error: --system-prompt {path}: {reason} — Pass --system-prompt a "
                          "UTF-8 text file that holds the text to send."]  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_anchors_xlsx_instead_of_csv(invoke: Invoke, dataset: Path, tmp_path: Path) -> None:
    csv_path = dataset / "anchors.csv"
    rows = [line.split(",", 2) for line in csv_path.read_text(encoding="utf-8").splitlines()]
    csv_path.unlink()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(dataset / "anchors.xlsx")
    workbook.close()
    document = dry_run(invoke, tmp_path / "out", "--dataset-dir", dataset)
    assert sorted(a["grade"] for a in document["inputs"]["anchors"]) == sorted(LEGACY.grades)


def test_output_dir_from_the_environment(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "from-env"
    result = invoke("--mode", "dry-run", env={"ENG5_OUTPUT_DIR": str(out)})
    assert result.exit_code == 0, result.output
    assert (out / ARTEFACT).is_file()


def test_default_output_dir_is_under_eng5_runs(invoke: Invoke, tmp_path: Path) -> None:
    # The autouse fixture runs each test in its own working folder (tmp_path).
    result = invoke("--mode", "dry-run", "--batch-id", "default-place")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "eng5_runs" / "default-place" / ARTEFACT).is_file()
