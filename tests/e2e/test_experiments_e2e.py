"""Experiments end to end on the local stack (issue 10): repeats, resume, compare, sweep, refusals.

Lean on purpose: small budgets, one stack per command (one stack serves every repeat and cell
of it), and the module's experiment is reused by the resume and compare tests.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eng5_np.artefact.verify import verify_artefact
from eng5_np.settings import bundled_sample_dataset

pytestmark = pytest.mark.e2e

RUNNER = str(Path(sys.executable).parent / "eng5-runner")
DEADLINE_S = 240.0
BUDGET = "30"


def _env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENG5_", "KAFKA_")) and k != "CONTENT_SERVICE_URL"
    }
    env.update(ENG5_UPLOAD_CACHE_DIR=str(tmp / "cache"), COLUMNS="80")
    return env


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUNNER, *args],
        env=_env(tmp),
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )


def _repeats(out: Path, count: int, *extra: str) -> list[str]:
    return [
        "--mode",
        "execute",
        "--local-stack",
        "--max-comparisons",
        BUDGET,
        "--repeats",
        str(count),
        "--output-dir",
        str(out),
        *extra,
    ]


def _json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``--repeats 3`` on the local stack, shared by the tests below."""
    tmp = tmp_path_factory.mktemp("experiment")
    out = tmp / "exp"
    ran = _run(tmp, *_repeats(out, 3))
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.count("local stack started") == 1  # one stack for every repeat
    return tmp, out


def test_three_repeats_are_three_verified_runs_with_their_own_batch_ids(
    experiment: tuple[Path, Path],
) -> None:
    _, out = experiment
    record = _json(out / "experiment.json")
    reps = record["repeat_records"]
    assert [r["name"] for r in reps] == ["rep-01", "rep-02", "rep-03"]
    assert {r["status"] for r in reps} == {"complete"}
    assert len({r["wire_batch_id"] for r in reps}) == 3
    assert len({r["batch_label"] for r in reps}) == 3
    for rep in reps:
        artefact = out / rep["artefact"]
        assert verify_artefact(artefact).ok
        assert _json(artefact)["metadata"]["wire_batch_id"] == rep["wire_batch_id"]
        assert (artefact.parent / "report.html").is_file()
    assert record["exit_code"] == 0
    taus = record["aggregate"]["tau"]["values"]
    assert len(taus) == 3
    assert record["aggregate"]["tau"]["mean"] == pytest.approx(sum(taus) / 3)
    markdown = (out / "experiment.md").read_text(encoding="utf-8")
    assert "## Rank stability per essay" in markdown
    assert "| rep-03 | complete |" in markdown
    page = (out / "experiment.html").read_text(encoding="utf-8")
    assert "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "src=" not in page
    assert "<link" not in page


PROBE = """<script>
window.addEventListener("load", () => {
  const ids = [...document.querySelectorAll("td.whole")];
  const lines = ids.map(td => Math.round(
    td.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight)));
  document.body.setAttribute("data-lines", JSON.stringify(lines));
});
</script>"""


def test_the_experiment_page_keeps_batch_labels_and_ids_on_one_line(
    experiment: tuple[Path, Path], tmp_path: Path
) -> None:
    # Issue 14: beside nine figures, batch labels and wire ids wrapped to 5 lines each.
    _, out = experiment
    page = (out / "experiment.html").read_text(encoding="utf-8")
    assert "td.whole { white-space: nowrap; }" in page
    for rep in _json(out / "experiment.json")["repeat_records"]:
        assert f'<td class="whole">{rep["batch_label"]}</td>' in page
        assert f'<td class="whole">{rep["wire_batch_id"]}</td>' in page
    figures = page.split("<h2>Repeats</h2>")[1].split("</table>")[0]
    assert "wire batch id" not in figures
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no headless Chromium to lay the page out")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    laid_out = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900",
         "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    found = re.search(r'data-lines="([^"]*)"', laid_out.stdout)
    assert found is not None, laid_out.stdout[-2000:]
    lines = json.loads(html.unescape(found.group(1)))
    assert len(lines) == 3 * 4  # repeat name in both tables, label and id
    assert set(lines) == {1}


def _judgements(artefact: Path) -> list[tuple[str, str, str | None]]:
    """Each comparison as (file A, file B, winner's file): wire ids differ per repeat."""
    document = _json(artefact)
    inputs = document["inputs"]
    files = {a["anchor_id"]: a["source_path"] for a in inputs["anchors"]}
    files.update({s["essay_id"]: s["source_path"] for s in inputs["students"]})
    return [
        (files[c["essay_a_id"]], files[c["essay_b_id"]], files.get(c.get("winner_id") or ""))
        for c in document["llm_comparisons"]
    ]


def test_repeats_on_one_stack_are_new_draws_of_the_judge(experiment: tuple[Path, Path]) -> None:
    # A repeat that copies the first measures nothing: one stack judging the same texts again
    # draws anew, as a real judge samples anew (the first draw is a fresh stack's).
    _, out = experiment
    reps = _json(out / "experiment.json")["repeat_records"]
    draws = [_judgements(out / rep["artefact"]) for rep in reps]
    assert draws[0] != draws[1]
    assert draws[1] != draws[2]
    assert len(_json(out / "experiment.json")["aggregate"]["tau"]["values"]) == 3


def test_a_rerun_skips_finished_repeats_and_runs_only_the_new_one(
    experiment: tuple[Path, Path],
) -> None:
    tmp, out = experiment
    before = {
        name: (out / name / "assessment_run.execute.json").stat().st_mtime_ns
        for name in ("rep-01", "rep-02", "rep-03")
    }
    ids_before = [r["wire_batch_id"] for r in _json(out / "experiment.json")["repeat_records"]]
    ran = _run(tmp, *_repeats(out, 4))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.count("already complete, not run again") == 3
    for name, mtime in before.items():
        assert (out / name / "assessment_run.execute.json").stat().st_mtime_ns == mtime
    reps = _json(out / "experiment.json")["repeat_records"]
    assert [r["wire_batch_id"] for r in reps[:3]] == ids_before
    assert reps[3]["status"] == "complete"
    assert reps[3]["wire_batch_id"] not in ids_before


def test_changed_settings_in_the_same_folder_are_refused(experiment: tuple[Path, Path]) -> None:
    tmp, out = experiment
    ran = _run(tmp, *_repeats(out, 3, "--judge-seed", "9"))
    assert ran.returncode == 2
    assert "judge_seed: 0 → 9" in ran.stderr
    assert "local stack started" not in ran.stderr  # refused before any stack starts


def test_an_interrupted_repeat_runs_again_and_the_partial_one_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "slow"
    slow = ("--judge-faults", "delay=0.05", "--completion-timeout", "0.5")
    first = _run(tmp_path, *_repeats(out, 1, *slow))
    assert first.returncode == 4, first.stderr
    partial = _json(out / "experiment.json")["repeat_records"][0]
    assert partial["status"] == "incomplete"
    ran = _run(tmp_path, *_repeats(out, 1, "--judge-faults", "delay=0.05"))
    assert ran.returncode == 0, ran.stderr
    rep = _json(out / "experiment.json")["repeat_records"][0]
    assert rep["status"] == "complete"
    # A new local stack cannot collect the old request: the old folder is kept aside.
    assert rep["set_aside"] == ["rep-01.set-aside-1"]
    kept = _json(out / "rep-01.set-aside-1" / "assessment_run.execute.json")
    assert kept["validation"]["runner_status"]["partial_data"] is True
    assert kept["metadata"]["wire_batch_id"] == partial["wire_batch_id"] != rep["wire_batch_id"]


def test_compare_an_experiment_with_a_run_of_another_budget(
    experiment: tuple[Path, Path],
) -> None:
    tmp, out = experiment
    single = tmp / "single"
    ran = _run(
        tmp,
        "--mode",
        "execute",
        "--local-stack",
        "--await-completion",
        "--max-comparisons",
        "60",
        "--output-dir",
        str(single),
    )
    assert ran.returncode == 0, ran.stderr
    report_dir = tmp / "cmp"
    compared = _run(tmp, "compare", str(out), str(single), "--output-dir", str(report_dir))
    assert compared.returncode == 0, compared.stderr
    shown = [line for line in compared.stdout.splitlines() if not line.startswith("report: ")]
    assert all(len(line) <= 80 for line in shown), compared.stdout
    assert "budget" in compared.stdout
    assert "4/4" in compared.stdout
    assert "1/1" in compared.stdout
    markdown = (report_dir / "compare.md").read_text(encoding="utf-8")
    assert "| 1 | exp | 30 |" in markdown
    assert "| 2 | single | 60 |" in markdown
    assert "★" in markdown
    page = (report_dir / "compare.html").read_text(encoding="utf-8")
    assert "<svg" in page
    assert "Kendall" in page
    assert "<script" not in page


def test_compare_refuses_a_run_of_another_dataset(
    experiment: tuple[Path, Path], tmp_path: Path
) -> None:
    _, out = experiment
    dataset = tmp_path / "dataset"
    shutil.copytree(bundled_sample_dataset(), dataset)
    (dataset / "student_essays" / "student_01_phones.txt").unlink()
    dry = _run(
        tmp_path,
        "--mode",
        "dry-run",
        "--dataset-dir",
        str(dataset),
        "--output-dir",
        str(tmp_path / "other"),
    )
    assert dry.returncode == 0, dry.stderr
    other = tmp_path / "other" / "assessment_run.dry-run.json"
    ran = _run(tmp_path, "compare", str(out / "rep-01"), str(other))
    assert ran.returncode == 2
    assert "different datasets" in ran.stderr
    assert str(other) in ran.stderr


def test_a_sweep_over_two_prompt_files_ends_with_their_comparison(tmp_path: Path) -> None:
    prompts = []
    for name in ("strict", "kind"):
        path = tmp_path / f"{name}.md"
        path.write_text(f"You are a {name} examiner.", encoding="utf-8")
        prompts.append(str(path))
    out = tmp_path / "sweep"
    ran = _run(
        tmp_path,
        "sweep",
        "--local-stack",
        "--max-comparisons",
        BUDGET,
        "--system-prompt",
        ",".join(prompts),
        "--output-dir",
        str(out),
    )
    assert ran.returncode == 0, ran.stderr
    assert "Estimated cost of the sweep: $" in ran.stdout
    record = _json(out / "sweep.json")
    assert [c["name"] for c in record["cells"]] == ["prompt-strict", "prompt-kind"]
    assert [c["exit_code"] for c in record["cells"]] == [0, 0]
    for cell, prompt in zip(record["cells"], prompts, strict=True):
        artefact = _json(out / cell["folder"] / "rep-01" / "assessment_run.execute.json")
        assert artefact["metadata"]["options"]["system_prompt_file"] == prompt
    markdown = (out / "compare.md").read_text(encoding="utf-8")
    assert "| 1 | prompt-strict |" in markdown
    assert "| 2 | prompt-kind |" in markdown
    assert (out / "compare.html").is_file()


def test_a_sweep_above_its_cost_limit_starts_nothing(tmp_path: Path) -> None:
    out = tmp_path / "expensive"
    ran = _run(
        tmp_path,
        "sweep",  # on the platform: there --llm-model does change the judge
        "--llm-model",
        "claude-opus-4-1-20250805,gpt-5",
        "--repeats",
        "3",
        "--cost-limit",
        "0.01",
        "--output-dir",
        str(out),
    )
    assert ran.returncode == 2
    assert "above --cost-limit $0.01; nothing was started" in ran.stderr
    assert "local stack started" not in ran.stderr
    assert not out.exists()


def test_a_model_sweep_on_the_local_stack_is_refused(tmp_path: Path) -> None:
    ran = _run(tmp_path, "sweep", "--local-stack", "--llm-model", "gpt-5,gpt-4.1")
    assert ran.returncode == 2
    assert "would run the same judge in every cell" in ran.stderr
    assert "--judge A --judge B" in ran.stderr
    assert "local stack started" not in ran.stderr
