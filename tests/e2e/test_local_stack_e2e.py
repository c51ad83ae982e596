"""End to end on the embedded local stack (issue 4): the README's execute command, seeds,
fault injection, and no broker process left behind after success, Ctrl-C or failure."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from artefact_ssr import check_ssr
from eng5_np.artefact.schema import validation_errors
from eng5_np.reference.grades import GRADE_SCALES, GradeScaleName
from runner_process import wait_until

pytestmark = pytest.mark.e2e

RUNNER = str(Path(sys.executable).parent / "eng5-runner")
SCALE = GRADE_SCALES[GradeScaleName.LEGACY_9_STEP]
BROKER_PID = re.compile(r"broker pid (\d+)")
RUN_DEADLINE_S = 180.0


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENG5_", "KAFKA_")) and k != "CONTENT_SERVICE_URL"
    }
    env["ENG5_UPLOAD_CACHE_DIR"] = str(tmp_path / "cache")
    env["COLUMNS"] = "120"
    return env


def _execute_args(out: Path, *extra: str) -> list[str]:
    # The README's first command (scripts/demo.sh) runs exactly this execute.
    return [
        RUNNER,
        "--mode",
        "execute",
        "--local-stack",
        "--await-completion",
        "--completion-timeout",
        "300",
        "--output-dir",
        str(out),
        *extra,
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes only once reaped; its parent (the runner) is gone.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def _broker_pid(stderr: str) -> int:
    match = BROKER_PID.search(stderr)
    assert match, f"runner did not report the local broker pid: {stderr!r}"
    return int(match.group(1))


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=RUN_DEADLINE_S, check=False
    )


def _artefact(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "assessment_run.execute.json").read_text())
    return document


def _by_file(document: dict[str, Any]) -> dict[str, str]:
    inputs = document["inputs"]
    files = {a["anchor_id"]: a["source_path"] for a in inputs["anchors"]}
    files.update({s["essay_id"]: s["source_path"] for s in inputs["students"]})
    return files


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    """One run of the README's execute command, shared by the assertions below."""
    tmp = tmp_path_factory.mktemp("readme-run")
    out = tmp / "run"
    completed = _run(_execute_args(out), _env(tmp))
    assert completed.returncode == 0, completed.stderr
    # Outside any test's tmp_path, so the autouse SSR check does not see it: check it here.
    check_ssr(_artefact(out), str(out))
    return out, completed.stdout, _broker_pid(completed.stderr)


def test_readme_execute_exits_0_with_a_valid_simulated_artefact(
    default_run: tuple[Path, str, int],
) -> None:
    out, stdout, _ = default_run
    document = _artefact(out)
    assert validation_errors(document) == []
    assert document["metadata"]["stack"]["kind"] == "local"
    assert document["metadata"]["stack"]["judge"] == "simulated"
    assert document["validation"]["runner_status"]["partial_data"] is False
    assert "assessment_run.execute.json" in stdout
    verify = subprocess.run(
        [RUNNER, "verify", str(out / "assessment_run.execute.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr


def test_the_platform_design_stops_at_its_budget_after_the_waves_it_implies(
    default_run: tuple[Path, str, int],
) -> None:
    # SPEC §11.6: 23 essays → waves of 11 pairs; the default budget of 120 is spent in
    # 10 waves of 11 and a last wave cut to 10 — never stable, never all 253 pairs.
    out, _, _ = default_run
    document = _artefact(out)
    assert document["metadata"]["stack"]["pairing"]["design"] == "platform"
    assert document["metadata"]["stack"]["pairing"]["settings"]["max_pairwise_comparisons"] == 120
    stop = document["validation"]["runner_status"]["batch_stop"]
    assert stop["reason"] == "budget_spent"
    assert stop["waves"] == 11
    assert stop["design"] == "platform"
    assert len(document["llm_comparisons"]) == 120
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "budget_spent after 11 waves (platform design)" in report


def test_every_essay_has_a_positive_standard_error_and_every_student_a_projection(
    default_run: tuple[Path, str, int],
) -> None:
    document = _artefact(default_run[0])
    inputs = document["inputs"]
    essay_ids = {a["anchor_id"] for a in inputs["anchors"]} | {
        s["essay_id"] for s in inputs["students"]
    }
    summary = {entry["essay_id"]: entry for entry in document["bt_summary"]}
    assert set(summary) == essay_ids
    for entry in summary.values():
        assert entry["comparison_count"] > 0
        assert entry["standard_error"] is not None
        assert entry["standard_error"] > 0
    students = {s["essay_id"] for s in inputs["students"]}
    projected = {p["essay_id"] for p in document["grade_projections"]}
    assert projected == students
    for projection in document["grade_projections"]:
        assert abs(sum(projection["probabilities"].values()) - 1.0) < 1e-6


def test_anchor_thetas_follow_their_grades(default_run: tuple[Path, str, int]) -> None:
    document = _artefact(default_run[0])
    anchors = [e for e in document["bt_summary"] if e["is_anchor"]]
    assert len(anchors) == 9
    positions = [SCALE.position(e["anchor_grade"]) for e in anchors]
    thetas = [e["theta"] for e in anchors]
    tau = stats.kendalltau(positions, thetas).statistic
    # Realistic judge noise (localstack/judge.py): at the default budget τ averages ≈ 0.8 over
    # judge seeds, 10th percentile ≈ 0.67; a random order gives τ ≈ 0 ± 0.27 for nine anchors.
    assert tau >= 0.5, f"Kendall tau {tau:.2f} between anchor grades and theta"


def test_the_simulated_scale_is_realistic_and_one_fit_backs_every_figure(
    default_run: tuple[Path, str, int],
) -> None:
    """Issue 8: θ spans a range typical of real CJ studies, not −12 … +6 logits."""
    out, stdout, _ = default_run
    document = _artefact(out)
    runner = [e["runner_theta"] for e in document["bt_summary"]]
    service = [e["theta"] for e in document["bt_summary"]]
    for thetas in (runner, service):
        assert -5.0 < min(thetas) < -1.5
        assert 1.5 < max(thetas) < 5.0
    assert max(e["standard_error"] for e in document["bt_summary"]) < 2.0
    analysis = document["validation"]["analysis"]
    assert analysis["errors"] == []
    assert analysis["scale_separation_reliability"] is not None
    assert "no money" in stdout


def test_comparison_times_lie_between_the_request_and_its_callback(
    default_run: tuple[Path, str, int],
) -> None:
    out = default_run[0]
    request = json.loads((out / "requests" / "els_cj_assessment_request.json").read_bytes())
    published = datetime.fromisoformat(request["event_timestamp"])
    sent = {}
    for line in (out / "events" / "comparisons.jsonl").read_text().splitlines():
        envelope = json.loads(line)
        sent[envelope["data"]["request_id"]] = datetime.fromisoformat(envelope["event_timestamp"])
    for record in _artefact(out)["llm_comparisons"]:
        started = datetime.fromisoformat(record["started_at"])
        completed = datetime.fromisoformat(record["completed_at"])
        assert published <= started <= completed <= sent[record["request_id"]], record["sequence"]


def test_no_broker_survives_a_successful_run(default_run: tuple[Path, str, int]) -> None:
    assert not _alive(default_run[2])


def _comparisons_by_file(out: Path) -> list[tuple[str, str, str | None]]:
    document = _artefact(out)
    files = _by_file(document)
    return [
        (files[c["essay_a_id"]], files[c["essay_b_id"]], files.get(c["winner_id"] or ""))
        for c in document["llm_comparisons"]
    ]


def _thetas_by_file(out: Path) -> dict[str, float]:
    document = _artefact(out)
    files = _by_file(document)
    return {files[e["essay_id"]]: e["theta"] for e in document["bt_summary"]}


def test_same_seed_same_comparisons_other_seed_other_pairs(
    default_run: tuple[Path, str, int], tmp_path: Path
) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    first = _run(_execute_args(again, "--judge-seed", "0"), _env(tmp_path))
    assert first.returncode == 0, first.stderr
    second = _run(_execute_args(other, "--judge-seed", "7"), _env(tmp_path))
    assert second.returncode == 0, second.stderr

    reference = _comparisons_by_file(default_run[0])
    assert _comparisons_by_file(again) == reference
    assert _thetas_by_file(again) == pytest.approx(_thetas_by_file(default_run[0]))
    pairs = {frozenset(c[:2]) for c in reference}
    assert {frozenset(c[:2]) for c in _comparisons_by_file(other)} != pairs


def test_fault_injection_is_counted_in_the_artefact(tmp_path: Path) -> None:
    out = tmp_path / "faults"
    completed = _run(
        _execute_args(out, "--judge-faults", "errors=0.1,duplicates=0.1,foreign=5"),
        _env(tmp_path),
    )
    assert completed.returncode == 0, completed.stderr
    document = _artefact(out)
    observed = document["validation"]["runner_status"]["observed_events"]
    comparisons = document["llm_comparisons"]
    failed = [c for c in comparisons if c["status"] == "failed"]
    assert failed, "errors=0.1 should produce some error callbacks"
    assert all(c["winner_id"] is None and c["error_code"] for c in failed)
    assert observed["foreign"] == 5
    assert observed["duplicates"] > 0
    assert observed["llm_comparisons"] == len(comparisons)
    request_ids = [c["request_id"] for c in comparisons]
    assert len(request_ids) == len(set(request_ids))
    lines = (out / "events" / "comparisons.jsonl").read_text().splitlines()
    assert len(lines) == len(comparisons)
    # Every planned comparison arrived exactly once: planned = comparison_budget of the result.
    result = json.loads((out / "events" / "assessment_results.jsonl").read_text().splitlines()[0])
    assert len(comparisons) == result["data"]["assessment_metadata"]["comparison_budget"]


def test_ctrl_c_mid_run_leaves_a_partial_artefact_and_no_broker(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    process = subprocess.Popen(
        _execute_args(out, "--judge-faults", "delay=0.05"),
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        comparisons = out / "events" / "comparisons.jsonl"
        wait_until(lambda: comparisons.exists() and comparisons.stat().st_size > 0, 60, "callbacks")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 4, stderr
    assert "Traceback" not in stderr
    document = _artefact(out)
    assert validation_errors(document) == []
    assert document["validation"]["runner_status"]["partial_data"] is True
    assert not _alive(_broker_pid(stderr))


def test_a_failed_batch_exits_5_and_leaves_no_broker(tmp_path: Path) -> None:
    out = tmp_path / "failed"
    completed = _run(_execute_args(out, "--judge-faults", "errors=1.0"), _env(tmp_path))
    assert completed.returncode == 5, completed.stderr
    # The platform design fails a batch below the 0.8 success rate at its budget (SPEC §11.6).
    assert "LOW_SUCCESS_RATE" in completed.stderr
    document = _artefact(out)
    assert validation_errors(document) == []
    status = document["validation"]["runner_status"]
    assert "LOW_SUCCESS_RATE" in status["failed"]["reason"]
    assert status["batch_stop"]["reason"] == "low_success_rate"
    assert status["batch_stop"]["waves"] == 11  # ⌈120 / 11⌉ waves of ⌊23/2⌋ pairs
    assert not _alive(_broker_pid(completed.stderr))


def _leaks(wire_id: str, document: dict[str, Any]) -> list[str]:
    """What a wire id would tell the judge: a grade, a role word, or a file stem."""
    inputs = document["inputs"]
    lowered = wire_id.lower()
    words = ["anchor", "student", "plus", "minus", "grade"]
    stems = [Path(e["source_path"]).stem.lower() for e in [*inputs["anchors"], *inputs["students"]]]
    return [w for w in [*words, *stems] if w in lowered]


def _request(out: Path) -> dict[str, Any]:
    request: dict[str, Any] = json.loads(
        (out / "requests" / "els_cj_assessment_request.json").read_text()
    )
    return request


def test_the_default_run_is_a_guest_run_with_opaque_ids_and_runner_grades(
    default_run: tuple[Path, str, int],
) -> None:
    out = default_run[0]
    document, request = _artefact(out), _request(out)
    data = request["data"]
    assert data["assignment_id"] is None
    assert data["parent_id"] is None
    assert data["student_prompt_ref"] is not None
    sent = [e["essay_id"] for e in data["essays_for_cj"]]
    assert sent == sorted(sent)  # not even the order tells anchors from students
    inputs = document["inputs"]
    assert set(sent) == {a["anchor_id"] for a in inputs["anchors"]} | {
        s["essay_id"] for s in inputs["students"]
    }
    for wire_id in sent:
        assert _leaks(wire_id, document) == [], wire_id
    # People see display names; the artefact maps every wire id to name, role, grade, file.
    names = {a["anchor_id"]: a["display_name"] for a in inputs["anchors"]}
    assert "anchor_c_plus" in names.values()
    # CJ knows no anchors in a guest run: the runner marks them and projects every student.
    anchors = [e for e in document["bt_summary"] if e["is_anchor"]]
    assert sorted(e["anchor_grade"] for e in anchors) == sorted(SCALE.grades)
    assert all(e["display_name"] == names[e["essay_id"]] for e in anchors)
    for projection in document["grade_projections"]:
        assert projection["grade_source"] == "runner"
        assert SCALE.contains(projection["grade"]) or projection["grade"] == SCALE.below_lowest
    report = (out / "report.md").read_text()
    assert "anchor_c_plus" in report


@pytest.fixture(scope="module")
def assignment_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-command rehearsal of an assignment run on the local stack."""
    tmp = tmp_path_factory.mktemp("assignment-run")
    out = tmp / "run"
    completed = _run(_execute_args(out, "--assignment-id", "eng5-demo"), _env(tmp))
    assert completed.returncode == 0, completed.stderr
    return out


def test_an_assignment_run_sends_students_and_maps_the_platforms_anchors(
    assignment_run: Path,
) -> None:
    document, request = _artefact(assignment_run), _request(assignment_run)
    assert validation_errors(document) == []
    data = request["data"]
    assert data["assignment_id"] == "eng5-demo"
    students = {s["essay_id"] for s in document["inputs"]["students"]}
    assert {e["essay_id"] for e in data["essays_for_cj"]} == students
    for wire_id in students:
        assert _leaks(wire_id, document) == [], wire_id
    assert all(a["sent"] is False for a in document["inputs"]["anchors"])
    registered = document["metadata"]["assignment"]["registered_anchors"]
    assert len(registered) == 9
    # CJ's own anchors (ANCHOR_<id>_<hex>, letter grade "U") carry their registered grade.
    anchors = [e for e in document["bt_summary"] if e["is_anchor"]]
    assert len(anchors) == 9
    by_number = {r["anchor_id"]: r for r in registered}
    for entry in anchors:
        match = re.fullmatch(r"ANCHOR_(\d+)_[0-9a-f]{8}", entry["essay_id"])
        assert match, entry["essay_id"]
        expected = by_number[int(match.group(1))]
        assert entry["anchor_grade"] == expected["grade"]
        assert entry["display_name"] == expected["anchor_label"]
    assert {p["essay_id"] for p in document["grade_projections"]} == students
    assert all(p["grade_source"] == "service" for p in document["grade_projections"])
    verify = subprocess.run(
        [RUNNER, "verify", str(assignment_run / "assessment_run.execute.json")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr


def test_local_stack_without_await_completion_still_collects(tmp_path: Path) -> None:
    # Issue 8: the run was published, never collected (the stack stopped), and exited 0.
    out = tmp_path / "run"
    args = [a for a in _execute_args(out) if a != "--await-completion"]
    completed = _run(args, _env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    document = _artefact(out)
    status = document["validation"]["runner_status"]
    assert status["partial_data"] is False
    assert len(document["llm_comparisons"]) > 0
    assert document["bt_summary"]


def test_local_stack_timeout_advice_does_not_promise_a_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = _execute_args(out, "--judge-faults", "delay=0.2")  # slow callbacks: it times out
    args[args.index("--completion-timeout") + 1] = "1"
    completed = _run(args, _env(tmp_path))
    assert completed.returncode == 4, completed.stderr
    error = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1, completed.stderr
    assert "cannot be resumed" in error[0]
    assert "start a new run" in error[0]
    assert "to resume collecting" not in completed.stderr
    assert validation_errors(_artefact(out)) == []


def test_the_same_command_after_a_killed_local_stack_run_starts_afresh(tmp_path: Path) -> None:
    """Issue 14 (new user 1): the re-run resumed a batch of a stack that was gone and waited
    out the whole timeout. Now the attempt is set aside (kept) and a new batch runs."""
    out = tmp_path / "run"
    args = _execute_args(out, "--judge-faults", "delay=0.02", "--batch-id", "killed-then-again")
    args[args.index("--completion-timeout") + 1] = "60"  # a resume would wait all of it: exit 4
    stderr_path = tmp_path / "killed.err"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            args, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=stderr, text=True
        )
    broker_pid = None
    try:
        wait_until(lambda: BROKER_PID.search(stderr_path.read_text()) is not None, 60, "stack")
        broker_pid = _broker_pid(stderr_path.read_text())
        comparisons = out / "events" / "comparisons.jsonl"
        wait_until(lambda: comparisons.exists() and comparisons.stat().st_size > 0, 60, "callbacks")
        process.kill()  # SIGKILL: no cleanup, state.json stays as it was
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if broker_pid is not None and _alive(broker_pid):
            os.kill(broker_pid, signal.SIGKILL)  # the killed runner could not stop its broker
            wait_until(lambda: not _alive(broker_pid), 30, "the orphaned broker to exit")
    old_wire_id = json.loads((out / "state.json").read_text())["wire_batch_id"]

    completed = _run(args, _env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    notes = [line for line in completed.stderr.splitlines() if "set-aside" in line]
    assert len(notes) == 1, completed.stderr
    assert "kept it as run.set-aside-1 and starting afresh" in notes[0]
    aside = tmp_path / "run.set-aside-1"
    assert json.loads((aside / "state.json").read_text())["wire_batch_id"] == old_wire_id
    document = _artefact(out)
    assert validation_errors(document) == []
    assert document["metadata"]["wire_batch_id"] != old_wire_id
    assert document["validation"]["runner_status"]["partial_data"] is False
    assert document["bt_summary"]


@pytest.mark.parametrize("assignment", [False, True], ids=["guest", "assignment"])
def test_a_completion_without_its_result_still_ends_analysed(
    tmp_path: Path, assignment: bool
) -> None:
    """Issue 14: the platform sends the thin completion and never the rich result (SPEC
    §11.6); the run waited out its timeout and kept 0 BT results. Now, after --result-grace,
    it ends complete (exit 0) with the runner's own scale and every student projected —
    from the runner's anchors (guest) or the registered ones, by their ANCHOR_<id>_ ids."""
    out = tmp_path / "run"
    extra = ["--judge-faults", "no-result=1", "--result-grace", "1"]
    if assignment:
        extra += ["--assignment-id", "eng5-no-result"]
    completed = _run(_execute_args(out, *extra), _env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert "result never came" in completed.stdout
    document = _artefact(out)
    assert validation_errors(document) == []
    status = document["validation"]["runner_status"]
    assert status["service_result_missing"] is True
    assert status["result_grace_seconds"] == 1
    assert status["partial_data"] is False
    assert status["observed_events"]["assessment_results"] == 0
    summary = document["bt_summary"]
    assert summary
    assert all(entry["theta"] is None for entry in summary)
    assert sorted(entry["rank"] for entry in summary) == list(range(1, len(summary) + 1))
    anchors = [entry for entry in summary if entry["is_anchor"]]
    assert len(anchors) == 9
    assert all("anchor_grade" in entry for entry in anchors)
    if assignment:
        assert all(entry["essay_id"].startswith("ANCHOR_") for entry in anchors)
    students = {s["essay_id"] for s in document["inputs"]["students"]}
    projections = document["grade_projections"]
    assert {p["essay_id"] for p in projections} == students
    assert {p["grade_source"] for p in projections} == {"runner"}
    assert document["validation"]["analysis"]["scale_separation_reliability"] is not None
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "THE CJ SERVICE'S RESULT NEVER CAME" in report
