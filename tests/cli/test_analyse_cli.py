"""``eng5-runner analyse``: a run's comparisons written out by hand give that run's figures,
several files give one JSON line each, and a bad table is one line naming it with exit 2."""

from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli.conftest import Invoke
from eng5_np.artefact.builder import StackInfo, build_inputs
from eng5_np.artefact.hydrator import Hydrator
from eng5_np.contracts import AssessmentResultV1
from eng5_np.kafka.state import CollectorState
from eng5_np.modes.common import load_inventory, prepare_run_folder
from eng5_np.modes.execute_artefact import ExecuteArtefact, run_status
from eng5_np.settings import RunMode, RunSettings

WIRE = "7a2c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
COMPARISONS = 160


def _run_artefact(tmp_path: Path) -> dict[str, Any]:
    """A real execute artefact (the runner's writer and analysis) of simulated comparisons."""
    settings = RunSettings(mode=RunMode.EXECUTE, output_dir=tmp_path / "run", batch_id="b1")
    inventory = load_inventory(settings, WIRE)
    run_dir = prepare_run_folder(settings, WIRE)
    hydrator = Hydrator(wire_batch_id=WIRE, run_essay_ids=frozenset())
    essays = inventory.essays
    ids = [e.essay_id for e in essays]
    hydrator.result = AssessmentResultV1.model_validate(
        {
            "batch_id": WIRE, "entity_id": WIRE, "timestamp": "2026-11-24T10:00:00+00:00",
            "cj_assessment_job_id": "job-1", "assessment_method": "cj_assessment",
            "model_used": "m", "model_provider": "anthropic",
            "essay_results": [
                {"essay_id": essay, "normalized_score": 0.5, "letter_grade": "B",
                 "confidence_score": 0.5, "confidence_label": "MID", "bt_score": 0.0,
                 "rank": rank, "is_anchor": False}
                for rank, essay in enumerate(ids, start=1)
            ],
            "assessed_at": "2026-11-24T10:00:00+00:00",
        }
    )  # fmt: skip
    scale = inventory.grade_scale
    rng = np.random.default_rng(4)
    theta = {
        e.essay_id: 0.6 * scale.position(e.grade) if e.grade else float(rng.normal(2.0, 1.5))
        for e in essays
    }
    for sequence in range(1, COMPARISONS + 1):
        # Every essay first in turn, a random opponent: all essays are compared.
        a = ids[(sequence - 1) % len(ids)]
        b = str(rng.choice([i for i in ids if i != a]))
        a_won = rng.random() < 1.0 / (1.0 + np.exp(-(theta[a] - theta[b] + 0.4)))
        hydrator.comparisons.append(_record(sequence, a, b, a if a_won else b))
    writer = ExecuteArtefact(
        settings, inventory, run_dir, hydrator,
        CollectorState(batch_label="b1", wire_batch_id=WIRE),
        StackInfo("external", "llm", "test"), None, build_inputs(inventory),
    )  # fmt: skip
    path = writer.write(run_status(settings, hydrator, None, time.monotonic()), final=True)
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _record(sequence: int, essay_a: str, essay_b: str, winner: str) -> dict[str, Any]:
    return {
        "sequence": sequence, "request_id": f"req-{sequence}", "correlation_id": WIRE,
        "essay_a_id": essay_a, "essay_b_id": essay_b, "winner_id": winner,
        "loser_id": essay_b if winner == essay_a else essay_a, "prompt_hash": "0" * 64,
        "provider": "anthropic", "model": "m", "tokens_prompt": 10, "tokens_completion": 5,
        "cost_usd": 0.0, "started_at": "2026-11-24T10:00:00+00:00",
        "completed_at": "2026-11-24T10:00:01+00:00", "status": "succeeded",
    }  # fmt: skip


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _tables(tmp_path: Path, document: dict[str, Any]) -> tuple[Path, Path]:
    """The run's comparisons and essays as the minimal CSVs, written from the artefact."""
    comparisons = _write_csv(
        tmp_path / "comparisons.csv",
        ["essay_a", "essay_b", "winner"],
        [[c["essay_a_id"], c["essay_b_id"], c["winner_id"]] for c in document["llm_comparisons"]],
    )
    inputs = document["inputs"]
    essays = _write_csv(
        tmp_path / "essays.csv",
        ["essay_id", "role", "grade"],
        [[a["anchor_id"], "anchor", a["grade"]] for a in inputs["anchors"]]
        + [[s["essay_id"], "student", ""] for s in inputs["students"]],
    )
    return comparisons, essays


def test_analyse_json_gives_the_figures_of_the_run_the_csv_came_from(
    tmp_path: Path, invoke: Invoke
) -> None:
    document = _run_artefact(tmp_path)
    comparisons, essays = _tables(tmp_path, document)

    result = invoke("analyse", comparisons, "--essays", essays, "--json")

    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    figures = json.loads(line)
    alignment = document["alignment"]
    analysis = document["validation"]["analysis"]
    assert figures["comparisons"] == COMPARISONS
    assert figures["tau_b"] == alignment["kendall_tau_b"]
    assert figures["tau_b_interval"] == alignment["tau_ci95"]
    assert figures["inversions"] == len(alignment["inversions"])
    assert figures["ssr"] == pytest.approx(analysis["scale_separation_reliability"], abs=1e-6)
    assert figures["split_half"] == pytest.approx(analysis["split_half_reliability"], abs=1e-6)
    effect = analysis["position_effect"]
    assert effect["estimate"] is not None  # 160 comparisons inform δ
    assert figures["order_effect"]["estimate"] == pytest.approx(effect["estimate"], abs=1e-6)
    assert figures["order_effect"]["interval"] == pytest.approx(effect["interval"], abs=1e-6)
    runner = {e["essay_id"]: e for e in document["bt_summary"]}
    assert len(figures["essays"]) == len(runner)
    for essay in figures["essays"]:
        stored = runner[essay["essay_id"]]
        assert essay["theta"] == pytest.approx(stored["runner_theta"], abs=1e-6)
        assert essay["se"] == pytest.approx(stored["standard_error"], abs=1e-6)
    probabilities = {
        (p["higher_grade_id"], p["lower_grade_id"]): p["p_expert_order"]
        for p in alignment["order_probabilities"]
    }
    for inversion in figures["inversion_list"]:
        key = (inversion["higher_grade_id"], inversion["lower_grade_id"])
        assert inversion["p_expert_order"] == pytest.approx(probabilities[key], abs=1e-6)


def test_several_files_give_one_json_line_each_and_text_by_default(
    tmp_path: Path, invoke: Invoke
) -> None:
    document = _run_artefact(tmp_path)
    comparisons, essays = _tables(tmp_path, document)
    half = _write_csv(
        tmp_path / "half.csv",
        ["essay_a_id", "essay_b_id", "winner_id", "status"],  # the artefact's field names
        [
            [c["essay_a_id"], c["essay_b_id"], c["winner_id"], "succeeded"]
            for c in document["llm_comparisons"][: COMPARISONS // 2]
        ]
        + [["x", "y", "", "failed"]],  # a failed row has no winner and is skipped
    )

    lines = invoke("analyse", comparisons, half, "--essays", essays, "--json").stdout.splitlines()
    text = invoke("analyse", half, "--essays", essays)

    assert [json.loads(line)["comparisons"] for line in lines] == [COMPARISONS, COMPARISONS // 2]
    assert text.exit_code == 0
    assert "Kendall's τ-b (anchors) [95% interval]:" in text.stdout
    assert "first-position effect δ" in text.stdout


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (["essay_a", "essay_b"], ["a", "b"], "missing column(s) winner"),
        (["essay_a", "essay_b", "winner"], ["a", "b", "c"], "row 2: column winner is 'c'"),
        (["essay_a", "essay_b", "winner"], ["a", "a", "a"], "row 2: essay_a and essay_b are"),
    ],
)
def test_a_bad_comparisons_table_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, invoke: Invoke, header: list[str], row: list[str], expected: str
) -> None:
    essays = _write_csv(
        tmp_path / "essays.csv", ["essay_id", "role", "grade"], [["a", "anchor", "B"]]
    )
    table = _write_csv(tmp_path / "bad.csv", header, [row])

    result = invoke("analyse", table, "--essays", essays)

    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {table}: ")
    assert expected in line


def test_bad_essays_and_unknown_essays_are_refused_with_the_file_named(
    tmp_path: Path, invoke: Invoke
) -> None:
    table = _write_csv(tmp_path / "c.csv", ["essay_a", "essay_b", "winner"], [["a", "b", "a"]])
    off_scale = _write_csv(
        tmp_path / "grades.csv", ["essay_id", "role", "grade"], [["a", "anchor", "Z"]]
    )
    partial = _write_csv(
        tmp_path / "some.csv", ["essay_id", "role", "grade"], [["a", "anchor", "B"]]
    )

    graded = invoke("analyse", table, "--essays", off_scale)
    unknown = invoke("analyse", table, "--essays", partial)
    parquet = invoke("analyse", tmp_path / "c.parquet", "--essays", partial)

    assert (graded.exit_code, unknown.exit_code, parquet.exit_code) == (2, 2, 2)
    assert f"{off_scale}: column grade" in graded.stderr
    assert f"{table}: 1 essay id(s) are not in {partial}: b" in unknown.stderr
    assert f"{tmp_path / 'c.parquet'}: cannot be read as Parquet" in parquet.stderr


@pytest.mark.parametrize("table_format", ["parquet", "csv"])
def test_exports_tables_of_two_runs_give_one_line_per_run_with_each_runs_figures(
    tmp_path: Path, invoke: Invoke, table_format: str
) -> None:
    """`export`'s own tables, as written (Parquet or CSV, `run` and `expert_grade` columns)."""
    document = _run_artefact(tmp_path)
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("first", "second"):
        shutil.copytree(tmp_path / "run", runs / name)
    exported = invoke(
        "export", runs / "first", runs / "second", "--format", table_format,
        "--output-dir", tmp_path / "tables",
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output

    result = invoke(
        "analyse", tmp_path / "tables" / f"comparisons.{table_format}",
        "--essays", tmp_path / "tables" / f"essays.{table_format}", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [line["run"] for line in lines] == ["first", "second"]
    for figures in lines:
        assert figures["comparisons"] == COMPARISONS
        assert figures["tau_b"] == document["alignment"]["kendall_tau_b"]
        assert figures["tau_b_interval"] == document["alignment"]["tau_ci95"]
        assert figures["ssr"] == pytest.approx(
            document["validation"]["analysis"]["scale_separation_reliability"], abs=1e-6
        )
