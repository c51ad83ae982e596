"""``eng5-runner export``: tidy tables that read back (pandas, DuckDB) to the artefact's figures.

The runs are real: an experiment of two repeats on the embedded local stack (Tansu broker,
Content Service, reference CJ service with the simulated judge), written by the CLI.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from eng5_np.artefact.model import load_artefact
from eng5_np.artefact.writer import seal_and_write
from eng5_np.errors import ArtefactInvalid
from eng5_np.export.columns import TABLES

pytestmark = pytest.mark.e2e

RUNNER = Path(sys.executable).parent / "eng5-runner"
REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120
PARQUET_TYPES = {"string": "string", "int": "int64", "float": "double", "bool": "boolean"}


def runner(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``eng5-runner ARGS`` in ``cwd`` (stdin closed, a deadline, its own upload cache)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENG5_", "KAFKA_"))}
    env.update(ENG5_UPLOAD_CACHE_DIR=str(cwd / "cache"), COLUMNS="200")
    return subprocess.run(
        [str(RUNNER), *(str(a) for a in args)],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``exp/``: two repeats of 40 comparisons on the local stack."""
    folder = tmp_path_factory.mktemp("export")
    ran = runner(
        "--mode", "execute", "--local-stack", "--max-comparisons", "40", "--repeats", "2",
        "--output-dir", folder / "exp", cwd=folder,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return folder


def artefacts(workspace: Path) -> dict[str, dict[str, Any]]:
    """run name → the artefact document, as export names the runs."""
    return {
        f"exp/{path.parent.name}": json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((workspace / "exp").glob("rep-*/assessment_run.execute.json"))
    }


def export(workspace: Path, fmt: str, out: str, *paths: str | Path) -> Path:
    ran = runner("export", *(paths or ["exp"]), "--format", fmt, "--output-dir", out, cwd=workspace)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[1:] == [f"{out}/{name}.{fmt}" for name in TABLES]
    return workspace / out


def same(value: Any, expected: Any) -> bool:
    """Equal, with a null cell (None or NaN) equal to a figure the artefact lacks."""
    if expected is None:
        return value is None or (isinstance(value, float) and math.isnan(value))
    return bool(value == expected)


def check_against_artefacts(tables: dict[str, pd.DataFrame], docs: dict[str, Any]) -> None:
    runs = tables["runs"].set_index("run")
    assert sorted(runs.index) == sorted(docs) == ["exp/rep-01", "exp/rep-02"]
    for run, doc in docs.items():
        row = runs.loc[run]
        alignment, analysis = doc["alignment"], doc["validation"]["analysis"]
        assert row["tau_b"] == alignment["kendall_tau_b"]
        assert [row["tau_b_low"], row["tau_b_high"]] == alignment["tau_ci95"]
        assert row["inversions"] == len(alignment["inversions"])
        assert row["anchors_never_won"] == len(alignment["never_won"])
        assert row["ssr"] == analysis["scale_separation_reliability"]
        assert row["split_half"] == analysis["split_half_reliability"]
        assert row["cost_usd"] == doc["costs"]["total_usd"]
        assert row["comparisons"] == len(doc["llm_comparisons"]) == 40
        assert row["max_comparisons"] == 40
        assert row["judge_kind"] == "simulated"
        assert row["judge_profile"] == doc["metadata"]["stack"]["judge_profile"]["name"]
        assert row["pairing"] == doc["metadata"]["options"]["pairing"] == "platform"
        assert row["judge_mode"] == doc["metadata"]["options"]["judge_mode"] == "live"
        assert row["artefact_checksum"] == doc["validation"]["artefact_checksum"]
        status = doc["validation"]["runner_status"]
        assert bool(row["partial_data"]) is status["partial_data"] is False
        assert same(row["service_result_missing"], status.get("service_result_missing"))

        essays = tables["essays"][tables["essays"]["run"] == run].set_index("essay_id")
        names = {a["anchor_id"]: a["display_name"] for a in doc["inputs"]["anchors"]}
        names |= {s["essay_id"]: s["display_name"] for s in doc["inputs"]["students"]}
        assert dict(essays["display_name"]) == names
        grades = {a["anchor_id"]: a["grade"] for a in doc["inputs"]["anchors"]}
        for entry in doc["bt_summary"]:
            essay = essays.loc[entry["essay_id"]]
            assert essay["role"] == ("anchor" if entry["is_anchor"] else "student")
            assert same(essay["expert_grade"], grades.get(entry["essay_id"]))
            assert essay["service_theta"] == entry["theta"]
            assert same(essay["runner_theta"], entry["runner_theta"])
            assert same(essay["se"], entry["standard_error"])
            assert essay["comparisons"] == entry["comparison_count"]
        for projection in doc["grade_projections"]:
            essay = essays.loc[projection["essay_id"]]
            assert essay["projected_grade"] == projection["grade"]
            assert json.loads(essay["grade_probabilities"]) == projection["probabilities"]
        stored = {e["essay_id"]: e for e in analysis.get("essays", [])}
        for essay_id, essay in essays.iterrows():  # stored figures, or empty: never recomputed
            assert same(essay["wins"], stored.get(str(essay_id), {}).get("wins"))
            assert same(essay["infit"], stored.get(str(essay_id), {}).get("infit"))
        bias = analysis.get("position_bias") or {}
        assert same(row["position_bias_share"], bias.get("essay_a_win_share"))
        effect = analysis.get("position_effect") or {}
        assert same(row["position_effect"], effect.get("estimate"))
        assert same(row["position_effect_low"], (effect.get("interval") or [None])[0])
        assert same(row["comparisons_failed"], analysis.get("tally", {}).get("failed"))

        comparisons = tables["comparisons"][tables["comparisons"]["run"] == run]
        records = doc["llm_comparisons"]
        assert list(comparisons["sequence"]) == [c["sequence"] for c in records]
        for (_, row_c), record in zip(comparisons.iterrows(), records, strict=True):
            assert row_c["essay_a_name"] == names[record["essay_a_id"]]
            assert row_c["essay_b_name"] == names[record["essay_b_id"]]
            assert row_c["winner_name"] == names[record["winner_id"]]
            assert row_c["winner_position"] == (
                "A" if record["winner_id"] == record["essay_a_id"] else "B"
            )
            assert same(row_c["essay_a_grade"], grades.get(record["essay_a_id"]))
            assert row_c["cost_usd"] == record["cost_usd"]
            assert row_c["tokens_prompt"] == record["tokens_prompt"]


def test_csv_reads_back_with_pandas_to_the_artefacts_figures(workspace: Path) -> None:
    out = export(workspace, "csv", "tables-csv")
    tables = {name: pd.read_csv(out / f"{name}.csv", keep_default_na=True) for name in TABLES}
    for name, columns in TABLES.items():
        assert list(tables[name].columns) == [c.name for c in columns]
    check_against_artefacts(tables, artefacts(workspace))


def test_parquet_reads_back_with_pandas_and_duckdb_typed(workspace: Path) -> None:
    out = export(workspace, "parquet", "tables-parquet")
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}
    check_against_artefacts(tables, artefacts(workspace))
    for name, columns in TABLES.items():
        described = duckdb.sql(f"DESCRIBE SELECT * FROM '{out / name}.parquet'").fetchall()
        types = {column: kind for column, kind, *_ in described}
        duck = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}
        assert types == {c.name: duck[c.type] for c in columns}
    docs = artefacts(workspace)
    rows = duckdb.sql(f"SELECT run, tau_b, ssr FROM '{out}/runs.parquet' ORDER BY run").fetchall()
    assert rows == [
        (
            run,
            d["alignment"]["kendall_tau_b"],
            d["validation"]["analysis"]["scale_separation_reliability"],
        )
        for run, d in sorted(docs.items())
    ]
    csv_out = export(workspace, "csv", "tables-csv-duck")
    assert duckdb.sql(
        f"SELECT count(*) FROM read_csv('{csv_out}/comparisons.csv') WHERE winner_name IS NULL"
    ).fetchall() == [(0,)]


def test_a_figure_an_older_artefact_lacks_is_an_empty_cell(workspace: Path) -> None:
    run = workspace / "old-run"
    shutil.copytree(workspace / "exp" / "rep-01", run)
    path = run / "assessment_run.execute.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["alignment"]  # as a schema 1.0 artefact: no alignment, no analysis block
    del document["validation"]["analysis"]
    seal_and_write(path, document)
    out = export(workspace, "csv", "tables-old", "old-run")
    runs = pd.read_csv(out / "runs.csv")
    for column in ("tau_b", "tau_b_low", "tau_b_high", "inversions", "ssr", "split_half"):
        assert runs[column].isna().all(), column
    assert runs["cost_usd"][0] == document["costs"]["total_usd"]
    raw = (out / "runs.csv").read_text(encoding="utf-8").splitlines()
    header, values = raw[0].split(","), raw[1].split(",")
    assert values[header.index("tau_b")] == values[header.index("ssr")] == ""


def test_a_changed_artefact_is_refused(workspace: Path) -> None:
    run = workspace / "tampered"
    shutil.copytree(workspace / "exp" / "rep-02", run)
    path = run / "assessment_run.execute.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["alignment"]["kendall_tau_b"] = 1.0
    path.write_text(json.dumps(document), encoding="utf-8")
    ran = runner("export", "tampered", "--output-dir", "tables-tampered", cwd=workspace)
    assert ran.returncode == 1
    assert "tampered/assessment_run.execute.json: refused, checksum" in ran.stderr
    assert not (workspace / "tables-tampered").exists()
    with pytest.raises(ArtefactInvalid, match="checksum"):
        load_artefact(path)


def test_two_runs_with_one_name_are_refused(workspace: Path) -> None:
    (workspace / "a").mkdir(exist_ok=True)
    shutil.copytree(workspace / "exp" / "rep-01", workspace / "a" / "rep-01", dirs_exist_ok=True)
    first = workspace / "exp" / "rep-01" / "assessment_run.execute.json"
    second = workspace / "a" / "rep-01" / "assessment_run.execute.json"
    ran = runner("export", first, second, "--output-dir", "tables-twice", cwd=workspace)
    assert ran.returncode == 2
    assert "two runs are both named 'rep-01'" in ran.stderr


def test_the_runbook_documents_every_column_with_its_type() -> None:
    runbook = (REPO / "docs" / "RUNBOOK.md").read_text(encoding="utf-8")
    for name, columns in TABLES.items():
        table = "\n".join(
            [f"`{name}`:", "", "| column | type | meaning |", "|---|---|---|"]
            + [f"| `{c.name}` | {PARQUET_TYPES[c.type]} | {c.meaning} |" for c in columns]
        )
        assert table in runbook, f"RUNBOOK 'Tidy exports' is out of date for {name}"


def test_an_output_dir_that_is_a_file_or_a_path_without_runs_exits_2(workspace: Path) -> None:
    (workspace / "taken").write_text("not a folder", encoding="utf-8")
    ran = runner("export", "exp", "--output-dir", "taken", cwd=workspace)
    assert ran.returncode == 2
    assert "--output-dir taken is a file, not a folder" in ran.stderr
    (workspace / "empty").mkdir()
    ran = runner("export", "empty", "--output-dir", "tables-empty", cwd=workspace)
    assert ran.returncode == 2
    assert "empty: holds no artefact, experiment.json or sweep.json" in ran.stderr
