"""Docs that run (STYLE habit 7, issue 5): every command quoted in README.md and
docs/RUNBOOK.md is run here, verbatim up to its mapped placeholders, or is classified with the
reason it is not (Docker, shell setup, recursion).

A new command in the docs fails ``test_every_documented_command_is_run_or_classified`` until a
test runs it; a changed command fails the test that ran the old text. Placeholders map to live
things: ``<batch-id>`` to the batch of the run just before, ``path/to/dataset`` to a copy of the
bundled sample dataset, and every broker / Content Service / CJ address (``kafka:9092``,
``broker.example:9092``, ``127.0.0.1:<port>``, ``localhost:8002``) to one ``eng5-runner stack
up`` started by this module — its reference CJ service answers the execute commands. Every
command runs in a fresh folder under tmp, so ``./eng5_runs/…`` lands there.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import signal
import socket
import stat
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from doc_commands import (
    COMMAND_TIMEOUT_S,
    DOCKER_REASON,
    NEEDS_API_KEY,
    NEEDS_LOCAL_SERVER,
    NOT_RUN,
    REAL_JUDGE_EXECUTE,
    REAL_JUDGE_STACK_UP,
    REPO_ROOT,
    STACK_STOP_S,
    Ran,
    StackUp,
    alive,
    doc_env,
    documented_commands,
    is_docker,
    run_argv,
    start_stack_up,
    to_argv,
    unmapped,
)

from eng5_np.artefact.schema import load_schema, validation_errors
from eng5_np.reference.llm_models import load_manifest
from eng5_np.settings import bundled_sample_dataset
from fake_providers import FakeProvider

pytestmark = pytest.mark.e2e

# The documented commands this module runs, exactly as the docs quote them (normalised).
PLAN = "eng5-runner --mode plan"
DRY_RUN = "eng5-runner --mode dry-run"
EXECUTE_LOCAL = "eng5-runner --mode execute --local-stack --await-completion"
ANCHOR_ALIGN_LOCAL = "eng5-runner --mode anchor-align --local-stack --await-completion"
ANCHOR_ALIGN_TAIL = (
    "eng5-runner --mode anchor-align --local-stack --await-completion --anchor-grades "
    "F+,E-,E+,D-,D+"
)
ANCHOR_ALIGN_72 = "eng5-runner --mode anchor-align --local-stack --max-comparisons 72"
EXECUTE_ADAPTIVE = (
    "eng5-runner --mode execute --local-stack --pairing adaptive --target-precision 0.9"
)
EXECUTE_COMPOSE = (
    "eng5-runner --mode execute --await-completion --kafka-bootstrap kafka:9092 "
    "--content-service-url http://content:8001/v1/content"
)
VERIFY_EXECUTE = "eng5-runner verify eng5_runs/<batch-id>/assessment_run.execute.json"
REPORT_EXECUTE = "eng5-runner report eng5_runs/<batch-id>/assessment_run.execute.json"
MODELS = "eng5-runner models"
SCHEMA = "eng5-runner schema"
STACK_UP = "eng5-runner stack up"
HELP = "eng5-runner --help"
DEMO = "./scripts/demo.sh"
SETUP = "./scripts/setup.sh"
PLAN_DATASET = "eng5-runner --mode plan --dataset-dir path/to/dataset"
DRY_RUN_PILOT = "eng5-runner --mode dry-run --batch-id pilot-01"
VERIFY_PILOT = "eng5-runner verify eng5_runs/pilot-01/assessment_run.dry-run.json"
PREFLIGHT = "scripts/preflight.sh"
EXECUTE_PLATFORM = (
    "eng5-runner --mode execute --await-completion --batch-id pilot-01-live "
    "--kafka-bootstrap broker.example:9092 "
    "--content-service-url http://content.example:8001/v1/content"
)
EXECUTE_STACK_UP = (
    "eng5-runner --mode execute --await-completion --kafka-bootstrap 127.0.0.1:<port> "
    "--content-service-url http://127.0.0.1:<port>/v1/content"
)
PREFLIGHT_CJ = "CJ_HEALTH_URL=http://localhost:8002/healthz scripts/preflight.sh"
ASSIGNMENT_SETUP = "eng5-runner assignment setup --assignment-id eng5-demo"
ANCHORS_REGISTER = "eng5-runner anchors register --assignment-id eng5-demo"
ANCHORS_LIST = "eng5-runner anchors list --assignment-id eng5-demo"
EXECUTE_ASSIGNMENT = "eng5-runner --mode execute --await-completion --assignment-id eng5-demo"
EXECUTE_LOCAL_ASSIGNMENT = (
    "eng5-runner --mode execute --local-stack --await-completion --assignment-id eng5-demo"
)
REPEATS = (
    "eng5-runner --mode execute --local-stack --max-comparisons 60 --repeats 3 "
    "--output-dir eng5_runs/repeats-01"
)
SWEEP = (
    "eng5-runner sweep --local-stack --max-comparisons 60 --system-prompt "
    "path/to/strict.md,path/to/kind.md --output-dir eng5_runs/sweep-01"
)
COMPARE = (
    "eng5-runner compare eng5_runs/repeats-01 eng5_runs/sweep-01 --output-dir eng5_runs/compare-01"
)
EXPORT = (
    "eng5-runner export eng5_runs/repeats-01 eng5_runs/sweep-01 --format parquet "
    "--output-dir eng5_runs/tables-01"
)
ANALYSE = "eng5-runner analyse comparisons.csv --essays essays.csv"
ANALYSE_JSON = "eng5-runner analyse comparisons.csv --essays essays.csv --json"
RUN_HERE = frozenset(
    {
        EXPORT,
        ANALYSE,
        ANALYSE_JSON,
        ASSIGNMENT_SETUP,
        ANCHORS_REGISTER,
        ANCHORS_LIST,
        EXECUTE_ASSIGNMENT,
        EXECUTE_LOCAL_ASSIGNMENT,
        PLAN,
        DRY_RUN,
        EXECUTE_LOCAL,
        ANCHOR_ALIGN_LOCAL,
        ANCHOR_ALIGN_TAIL,
        ANCHOR_ALIGN_72,
        EXECUTE_ADAPTIVE,
        EXECUTE_COMPOSE,
        VERIFY_EXECUTE,
        REPORT_EXECUTE,
        MODELS,
        SCHEMA,
        STACK_UP,
        HELP,
        DEMO,
        SETUP,
        PLAN_DATASET,
        DRY_RUN_PILOT,
        VERIFY_PILOT,
        PREFLIGHT,
        EXECUTE_PLATFORM,
        EXECUTE_STACK_UP,
        PREFLIGHT_CJ,
        REPEATS,
        SWEEP,
        COMPARE,
    }
)

PREFLIGHT_LINE = re.compile(r"^(PASS|FAIL|SKIP)  (\S+)\s")
PREFLIGHT_CHECKS = ("python", "runner", "dataset", "output", "kafka", "content-service")


def documented_argv(
    command: str, placeholders: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The argv and VAR=value settings of a command the docs quote, placeholders mapped."""
    assert command in RUN_HERE, f"add {command!r} to RUN_HERE"
    quoted = {c.text for c in documented_commands()}
    assert command in quoted, f"the docs no longer quote {command!r}"
    argv, settings, used = to_argv(command, placeholders)
    assert used == set(placeholders), f"{command!r} has no {set(placeholders) - used}"
    assert not unmapped(argv, settings), f"unmapped placeholder in {command!r}"
    return argv, settings


def run_documented(
    command: str,
    cwd: Path,
    env: Mapping[str, str],
    placeholders: Mapping[str, str] | None = None,
) -> Ran:
    """Run one documented command in ``cwd`` (stdin closed, with a deadline)."""
    argv, settings = documented_argv(command, placeholders or {})
    return run_argv(argv, cwd, {**env, **settings})


def only_run_folder(cwd: Path) -> Path:
    """The one run folder a command wrote under ``cwd/eng5_runs``."""
    (folder,) = [p for p in (cwd / "eng5_runs").iterdir() if p.is_dir()]
    return folder


def artefact(path: Path) -> dict[str, Any]:
    """A written artefact, checked against the schema."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert validation_errors(document) == []
    return document


def verify_batch(cwd: Path, env: Mapping[str, str], batch_id: str) -> None:
    """Run the documented ``verify eng5_runs/<batch-id>/…`` for one execute run."""
    path = f"eng5_runs/{batch_id}/assessment_run.execute.json"
    placeholder = "eng5_runs/<batch-id>/assessment_run.execute.json"
    ran = run_documented(VERIFY_EXECUTE, cwd, env, {placeholder: path})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith(f"OK {path}: schema valid, checksum matches"), ran.stdout


def report_batch(cwd: Path, env: Mapping[str, str], batch_id: str) -> None:
    """Run the documented ``report eng5_runs/<batch-id>/…``: both reports re-rendered."""
    folder = cwd / "eng5_runs" / batch_id
    for name in ("report.md", "report.html"):
        (folder / name).unlink()  # execute wrote them; the command must write them again
    path = f"eng5_runs/{batch_id}/assessment_run.execute.json"
    placeholder = "eng5_runs/<batch-id>/assessment_run.execute.json"
    ran = run_documented(REPORT_EXECUTE, cwd, env, {placeholder: path})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        f"eng5_runs/{batch_id}/report.md",
        f"eng5_runs/{batch_id}/report.html",
    ]
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# CJ run report: {batch_id}")
    assert "<svg" in (folder / "report.html").read_text(encoding="utf-8")


def test_every_documented_command_is_run_or_classified() -> None:
    commands = documented_commands()
    assert {c.where.split(":")[0] for c in commands} == {"README.md", "docs/RUNBOOK.md"}
    unclassified = [
        f"{c.where}: {c.text}"
        for c in commands
        if c.text not in RUN_HERE
        and c.text not in NOT_RUN
        and c.text not in NEEDS_API_KEY
        and c.text not in NEEDS_LOCAL_SERVER
        and not is_docker(c.text)
    ]
    assert not unclassified, (
        "documented commands no test runs (run them in this module, or classify them in "
        f"doc_commands.NOT_RUN with the reason): {unclassified}"
    )
    quoted = {c.text for c in commands}
    classified = RUN_HERE | set(NOT_RUN) | set(NEEDS_API_KEY) | set(NEEDS_LOCAL_SERVER)
    stale = sorted(classified - quoted)
    assert not stale, f"classified here but no longer in the docs: {stale}"
    docker = [c for c in commands if is_docker(c.text)]
    assert len(docker) >= 5, DOCKER_REASON


def test_plan_on_the_bundled_sample_dataset(tmp_path: Path) -> None:
    ran = run_documented(PLAN, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert f"Dataset {bundled_sample_dataset()}" in ran.stdout
    assert "9 anchors + 14 students" in ran.stdout
    assert "Dataset is usable." in ran.stdout
    assert not (tmp_path / "eng5_runs").exists(), "plan must not write a run folder"


def test_plan_on_a_dataset_folder(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    shutil.copytree(bundled_sample_dataset(), dataset)
    # One more student than the bundled dataset: the count proves this copy was read.
    (dataset / "student_essays" / "student_15_extra.txt").write_text(
        "An extra essay about a school trip to the coast and what the class learned there.",
        encoding="utf-8",
    )
    ran = run_documented(
        PLAN_DATASET, tmp_path, doc_env(tmp_path), {"path/to/dataset": str(dataset)}
    )
    assert ran.returncode == 0, ran.stderr
    assert f"Dataset {dataset}" in ran.stdout
    assert "9 anchors + 15 students" in ran.stdout
    assert "Dataset is usable." in ran.stdout


def test_dry_run_writes_a_valid_stub_artefact(tmp_path: Path) -> None:
    ran = run_documented(DRY_RUN, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    document = artefact(only_run_folder(tmp_path) / "assessment_run.dry-run.json")
    assert len(document["inputs"]["students"]) == 14
    assert document["llm_comparisons"] == []
    assert "Dry-run artefact written" in ran.stdout


def test_dry_run_with_a_batch_id_then_verify(tmp_path: Path) -> None:
    env = doc_env(tmp_path)
    ran = run_documented(DRY_RUN_PILOT, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    assert artefact(tmp_path / "eng5_runs/pilot-01/assessment_run.dry-run.json")
    verified = run_documented(VERIFY_PILOT, tmp_path, env)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK eng5_runs/pilot-01/assessment_run.dry-run.json")


def test_analyse_a_hand_written_comparisons_table(tmp_path: Path) -> None:
    # The RUNBOOK's two files, as a researcher writes them: three anchors, one student.
    (tmp_path / "essays.csv").write_text(
        "essay_id,role,grade\nanchor_b,anchor,B\nanchor_c,anchor,C+\nanchor_d,anchor,D+\n"
        "student_1,student,\n",
        encoding="utf-8",
    )
    order = ["anchor_b", "anchor_c", "student_1", "anchor_d"]
    rows = [
        f"{a},{b},{a if order.index(a) < order.index(b) or (n % 5 == 0) else b}"
        for n, (a, b) in enumerate(
            (first, second) for first in order for second in order if first != second
        )
    ]
    (tmp_path / "comparisons.csv").write_text(
        "essay_a,essay_b,winner\n" + "\n".join(rows * 2) + "\n", encoding="utf-8"
    )

    text = run_documented(ANALYSE, tmp_path, doc_env(tmp_path))
    ran = run_documented(ANALYSE_JSON, tmp_path, doc_env(tmp_path))

    assert text.returncode == 0, text.stderr
    assert "comparisons.csv: 24 successful comparisons" in text.stdout
    assert ran.returncode == 0, ran.stderr
    figures = json.loads(ran.stdout)
    assert figures["comparisons"] == 24
    assert figures["tau_b"] is not None
    assert {"tau_b_interval", "inversions", "ssr", "order_effect", "essays"} <= set(figures)
    assert {e["essay_id"] for e in figures["essays"]} == set(order)


def test_models_lists_the_manifest(tmp_path: Path) -> None:
    ran = run_documented(MODELS, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    for model in load_manifest().models:
        assert model.model_id in ran.stdout


def test_schema_prints_the_artefact_schema(tmp_path: Path) -> None:
    ran = run_documented(SCHEMA, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == load_schema()


def test_help_names_the_modes_and_actions(tmp_path: Path) -> None:
    ran = run_documented(HELP, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    for word in ("--mode", "verify", "report", "models", "schema", "stack"):
        assert word in ran.stdout


def test_local_stack_execute_then_verify_and_report(tmp_path: Path) -> None:
    env = doc_env(tmp_path)
    ran = run_documented(EXECUTE_LOCAL, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    folder = only_run_folder(tmp_path)
    document = artefact(folder / "assessment_run.execute.json")
    assert document["metadata"]["stack"]["kind"] == "local"
    assert document["metadata"]["stack"]["judge"] == "simulated"
    assert document["validation"]["runner_status"]["partial_data"] is False
    verify_batch(tmp_path, env, folder.name)
    report_batch(tmp_path, env, folder.name)


@pytest.mark.parametrize(
    ("command", "grades"),
    [(ANCHOR_ALIGN_LOCAL, 9), (ANCHOR_ALIGN_TAIL, 5)],
    ids=["all-anchors", "five-weakest"],
)
def test_local_stack_anchor_align(tmp_path: Path, command: str, grades: int) -> None:
    env = doc_env(tmp_path)
    ran = run_documented(command, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    folder = only_run_folder(tmp_path)
    document = artefact(folder / "assessment_run.anchor-align.json")
    assert len(document["inputs"]["anchors"]) == grades
    assert document["inputs"]["students"] == []
    tau, interval = document["alignment"]["kendall_tau_b"], document["alignment"]["tau_ci95"]
    assert interval[0] <= tau <= interval[1]
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert report.index("## Anchor alignment") < report.index("## Run")


def test_the_pairing_commands_of_the_runbook(tmp_path: Path) -> None:
    env = doc_env(tmp_path)
    for folder in ("anchors", "adaptive"):
        (tmp_path / folder).mkdir()
    ran = run_documented(ANCHOR_ALIGN_72, tmp_path / "anchors", env)
    assert ran.returncode == 0, ran.stderr
    document = artefact(only_run_folder(tmp_path / "anchors") / "assessment_run.anchor-align.json")
    shown = {(c["essay_a_id"], c["essay_b_id"]) for c in document["llm_comparisons"]}
    assert len(document["llm_comparisons"]) == 72
    assert all((b, a) in shown for a, b in shown)  # every pair in both orders
    ran = run_documented(EXECUTE_ADAPTIVE, tmp_path / "adaptive", env)
    assert ran.returncode == 0, ran.stderr
    folder = only_run_folder(tmp_path / "adaptive")
    document = artefact(folder / "assessment_run.execute.json")
    assert document["metadata"]["stack"]["pairing"]["design"] == "adaptive"
    assert document["metadata"]["stack"]["pairing"]["settings"]["target_precision"] == 0.9
    stop = document["validation"]["runner_status"]["batch_stop"]
    assert stop["reason"] in ("target_reached", "budget_spent")
    if stop["reason"] == "target_reached":
        assert len(document["llm_comparisons"]) < 120
    assert "ADAPTIVE PAIRING" in (folder / "report.md").read_text(encoding="utf-8")


def _project_venv_is_current() -> bool:
    """Whether setup.sh would find the project's .venv installed and up to date."""
    venv = REPO_ROOT / ".venv"
    stamp = venv / ".eng5-installed"
    want = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return (
        Path(sys.prefix).resolve() == venv.resolve()
        and stamp.is_file()
        and stamp.read_text().strip() == want
    )


# A test must not (re)install the venv it runs in; scripts/test.sh runs setup.sh first, so in
# CI the venv is current and these run for real.
needs_current_venv = pytest.mark.skipif(
    not _project_venv_is_current(),
    reason="the project's .venv is not stamped current: run ./scripts/setup.sh (test.sh does)",
)


@needs_current_venv
def test_setup_is_a_no_op_on_a_current_venv(tmp_path: Path) -> None:
    stamp = REPO_ROOT / ".venv" / ".eng5-installed"
    before = stamp.stat().st_mtime_ns
    ran = run_documented(SETUP, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    assert "installing" not in ran.stderr
    assert stamp.stat().st_mtime_ns == before


@needs_current_venv
def test_demo_plans_executes_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "demo-run"
    env = {**doc_env(tmp_path), "ENG5_OUTPUT_DIR": str(out)}
    ran = run_documented(DEMO, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    assert "Dataset is usable." in ran.stdout
    assert f"OK {out}/assessment_run.execute.json" in ran.stdout
    document = artefact(out / "assessment_run.execute.json")
    assert document["metadata"]["stack"]["kind"] == "local"
    assert document["metadata"]["batch_id"] == out.name  # folder and label: one name


def test_demo_runs_the_documented_commands() -> None:
    """demo.sh is the README's plan and local-stack execute (plus an output folder), verified."""
    script = (REPO_ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    runs = [
        " ".join(line.split())
        for line in script.replace("\\\n", " ").splitlines()
        if line.startswith('"$RUNNER" ')
    ]
    runs = [line.replace('"$RUNNER"', "eng5-runner", 1) for line in runs]
    assert runs == [
        f'{PLAN} --batch-id "$LABEL"',  # the plan names the label the run will have
        f'{EXECUTE_LOCAL} --completion-timeout 300 --output-dir "$OUT" --batch-id "$LABEL"',
        'eng5-runner verify "$OUT/assessment_run.execute.json"',
    ]
    assert '"$ROOT/scripts/setup.sh"' in script
    # The folder and the batch label are one name (issue 8: they differed).
    assert 'LABEL="$(basename "$OUT")"' in script


@pytest.fixture(scope="module")
def stack_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackUp]:
    """``eng5-runner stack up`` running until its ready lines, stopped at the end if still up."""
    cwd = tmp_path_factory.mktemp("stack-up")
    argv, settings = documented_argv(STACK_UP, {})
    stack = start_stack_up(argv, cwd, {**doc_env(cwd), **settings})
    try:
        yield stack
    finally:
        stack.kill()


@pytest.mark.parametrize(
    ("command", "placeholders"),
    [
        (EXECUTE_COMPOSE, ("kafka:9092", "http://content:8001/v1/content")),
        (EXECUTE_PLATFORM, ("broker.example:9092", "http://content.example:8001/v1/content")),
        (EXECUTE_STACK_UP, ("127.0.0.1:<port>", "http://127.0.0.1:<port>/v1/content")),
    ],
    ids=["readme-addresses", "runbook-platform", "runbook-stack-up"],
)
def test_execute_against_given_addresses_then_verify(
    stack_up: StackUp, tmp_path: Path, command: str, placeholders: tuple[str, str]
) -> None:
    env = doc_env(tmp_path)
    broker, content = placeholders
    ran = run_documented(
        command, tmp_path, env, {broker: stack_up.bootstrap, content: stack_up.content_url}
    )
    assert ran.returncode == 0, ran.stderr
    folder = only_run_folder(tmp_path)
    if "--batch-id pilot-01-live" in command:
        assert folder.name == "pilot-01-live"
    document = artefact(folder / "assessment_run.execute.json")
    # Addresses given: an external stack, yet its mock-provider callbacks mark it simulated.
    assert document["metadata"]["stack"]["kind"] == "external"
    assert document["metadata"]["stack"]["judge"] == "simulated"
    # ... and so does the terminal summary (issue 14: it had no simulated warning).
    assert "warning: simulated judge — these are not LLM judgements" in ran.stdout
    assert document["validation"]["runner_status"]["partial_data"] is False
    assert document["llm_comparisons"]
    verify_batch(tmp_path, env, folder.name)


def _preflight_verdicts(stdout: str) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in map(PREFLIGHT_LINE.match, stdout.splitlines()) if m}


def test_preflight_against_stack_up_passes(stack_up: StackUp, tmp_path: Path) -> None:
    ran = run_documented(PREFLIGHT, tmp_path, {**doc_env(tmp_path), **stack_up.env()})
    assert ran.returncode == 0, ran.stdout
    verdicts = _preflight_verdicts(ran.stdout)
    assert verdicts == {**dict.fromkeys(PREFLIGHT_CHECKS, "PASS"), "cj-service": "SKIP"}
    assert ran.stdout.splitlines()[-1].startswith("preflight OK")


def test_preflight_with_cj_health_url_passes_every_check(stack_up: StackUp, tmp_path: Path) -> None:
    ran = run_documented(
        PREFLIGHT_CJ,
        tmp_path,
        {**doc_env(tmp_path), **stack_up.env()},
        {"http://localhost:8002/healthz": stack_up.addresses["CJ_HEALTH_URL"]},
    )
    assert ran.returncode == 0, ran.stdout
    verdicts = _preflight_verdicts(ran.stdout)
    assert verdicts == dict.fromkeys((*PREFLIGHT_CHECKS, "cj-service"), "PASS")


def _admin_token_file(stack_up: StackUp) -> Path:
    lines = stack_up.stdout_path.read_text().splitlines()
    (line,) = [line for line in lines if line.startswith("Admin token (a secret, 0600): ")]
    return Path(line.split(": ", 1)[1])


def test_stack_up_hands_over_the_admin_token_without_printing_it(stack_up: StackUp) -> None:
    output = stack_up.stdout_path.read_text()
    token_file = _admin_token_file(stack_up)
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text()
    assert token.count(".") == 2  # a JWT
    assert token not in output
    assert token not in stack_up.stdout_path.with_name("stack-up.err").read_text()
    origin = stack_up.addresses["CJ_HEALTH_URL"].removesuffix("/healthz")
    assert f"CJ_SERVICE_URL={origin}" in output.splitlines()
    assert f'export CJ_SERVICE_URL={origin} CJ_ADMIN_TOKEN="$(cat {token_file})"' in output
    url = f"{origin}/admin/v1/anchors/assignment/eng5-demo"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)
    refused.value.close()  # an HTTPError holds the response open
    assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(request, timeout=5)
    unknown.value.close()
    assert unknown.value.code == 404  # the token is accepted; a new stack has no assignment


def test_an_assignment_run_against_stack_up_as_the_runbook_sets_it_up(
    stack_up: StackUp, tmp_path: Path
) -> None:
    origin = stack_up.addresses["CJ_HEALTH_URL"].removesuffix("/healthz")
    token = _admin_token_file(stack_up).read_text()
    env = {
        **doc_env(tmp_path),
        **stack_up.env(),
        "CJ_SERVICE_URL": origin,
        "CJ_ADMIN_TOKEN": token,
    }
    for command, says in (
        (ASSIGNMENT_SETUP, "set up and read back"),
        (ANCHORS_REGISTER, "9 anchor(s) registered for eng5-demo and read back"),
        (ANCHORS_LIST, "anchor_c_plus"),
    ):
        ran = run_documented(command, tmp_path, env)
        assert ran.returncode == 0, ran.stderr
        assert says in ran.stdout
        assert token not in ran.stdout + ran.stderr
    ran = run_documented(EXECUTE_ASSIGNMENT, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    folder = only_run_folder(tmp_path)
    document = artefact(folder / "assessment_run.execute.json")
    assert document["metadata"]["assignment_id"] == "eng5-demo"
    assert len(document["metadata"]["assignment"]["registered_anchors"]) == 9
    assert {p["essay_id"] for p in document["grade_projections"]} == {
        s["essay_id"] for s in document["inputs"]["students"]
    }
    assert token not in (folder / "runner.log.jsonl").read_text()
    assert token not in (folder / "assessment_run.execute.json").read_text()
    verify_batch(tmp_path, env, folder.name)


def test_local_stack_assignment_rehearsal_in_one_command(tmp_path: Path) -> None:
    ran = run_documented(EXECUTE_LOCAL_ASSIGNMENT, tmp_path, doc_env(tmp_path))
    assert ran.returncode == 0, ran.stderr
    folder = only_run_folder(tmp_path)
    document = artefact(folder / "assessment_run.execute.json")
    anchors = [e for e in document["bt_summary"] if e["is_anchor"]]
    assert len(anchors) == 9
    assert all(e["essay_id"].startswith("ANCHOR_") and e["anchor_grade"] for e in anchors)


def test_stack_up_stops_on_ctrl_c_and_leaves_no_broker(stack_up: StackUp) -> None:
    """Runs last in this module: it stops the shared stack."""
    token_file = _admin_token_file(stack_up)
    stack_up.process.send_signal(signal.SIGINT)
    assert stack_up.process.wait(timeout=STACK_STOP_S) == 0
    assert stack_up.stdout_path.read_text().rstrip().endswith("Local stack stopped.")
    assert not [pid for pid in stack_up.broker_pids if alive(pid)]
    assert not token_file.parent.exists()  # the token goes with the stack
    host, port = stack_up.bootstrap.rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=2).close()


def test_experiments_repeats_sweep_then_compare(tmp_path: Path) -> None:
    """The RUNBOOK's "Experiments" commands, in their order, in one folder."""
    env = doc_env(tmp_path)
    ran = run_documented(REPEATS, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    record = json.loads((tmp_path / "eng5_runs/repeats-01/experiment.json").read_text())
    assert [r["status"] for r in record["repeat_records"]] == ["complete"] * 3
    prompts = []
    for name in ("strict", "kind"):
        path = tmp_path / f"{name}.md"
        path.write_text(f"You are a {name} examiner of English essays.", encoding="utf-8")
        prompts.append(str(path))
    files = {"path/to/strict.md,path/to/kind.md": ",".join(prompts)}
    ran = run_documented(SWEEP, tmp_path, env, files)
    assert ran.returncode == 0, ran.stderr
    sweep = json.loads((tmp_path / "eng5_runs/sweep-01/sweep.json").read_text())
    assert [c["name"] for c in sweep["cells"]] == ["prompt-strict", "prompt-kind"]
    ran = run_documented(COMPARE, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    markdown = (tmp_path / "eng5_runs/compare-01/compare.md").read_text(encoding="utf-8")
    for row in ("| 1 | repeats-01 |", "| 2 | prompt-strict |", "| 3 | prompt-kind |"):
        assert row in markdown
    assert (tmp_path / "eng5_runs/compare-01/compare.html").is_file()
    ran = run_documented(EXPORT, tmp_path, env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "exported 5 run(s):"  # 3 repeats + 2 cells × 1
    runs = pq.read_table(tmp_path / "eng5_runs/tables-01/runs.parquet").to_pylist()
    assert [r["run"] for r in runs] == [
        "repeats-01/rep-01",
        "repeats-01/rep-02",
        "repeats-01/rep-03",
        "sweep-01/prompt-strict/rep-01",
        "sweep-01/prompt-kind/rep-01",
    ]


FAKE_KEY = "sk-ant-docs-test-not-a-key"


async def test_the_real_judge_commands_run_against_a_fake_anthropic_server(tmp_path: Path) -> None:
    """The README's and RUNBOOK's real-judge commands, verbatim, with a made-up key and the
    Anthropic SDK's base URL pointing at a fake provider on 127.0.0.1 (no key in CI)."""
    quoted = {c.text for c in documented_commands()}
    assert set(NEEDS_API_KEY) <= quoted
    async with FakeProvider("anthropic", FAKE_KEY) as fake:
        env = {
            **doc_env(tmp_path),
            "ANTHROPIC_API_KEY": FAKE_KEY,
            "ANTHROPIC_BASE_URL": fake.base_url,
        }
        argv, settings, _ = to_argv(REAL_JUDGE_EXECUTE, {})
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=tmp_path,
            env={**env, **settings},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT_S)
        answered = fake.answered
    assert process.returncode == 0, stderr.decode()
    document = artefact(only_run_folder(tmp_path) / "assessment_run.execute.json")
    assert document["metadata"]["stack"]["judge"] == "llm"
    assert document["metadata"]["stack"]["model"] == "claude-haiku-4-5-20251001"
    assert len(document["llm_comparisons"]) == answered > 0
    assert FAKE_KEY not in stdout.decode() + stderr.decode()

    cwd = tmp_path / "stack-up"
    cwd.mkdir()
    argv, settings, _ = to_argv(REAL_JUDGE_STACK_UP, {})
    stack = start_stack_up(argv, cwd, {**doc_env(cwd), "ANTHROPIC_API_KEY": FAKE_KEY, **settings})
    try:
        ready = stack.stdout_path.read_text()
        assert (
            "Local stack is running (real LLM judge anthropic:claude-haiku-4-5-20251001 "
            "(provider API), concurrency 8, 50 requests/min, cost limit $5; every comparison "
            "is paid)." in ready
        )
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=STACK_STOP_S) == 0
    finally:
        stack.kill()


def test_the_real_judge_commands_without_a_key_exit_2_naming_it(tmp_path: Path) -> None:
    for command in NEEDS_API_KEY:
        argv, settings, _ = to_argv(command, {})
        ran = run_argv(argv, tmp_path, {**doc_env(tmp_path), **settings})
        assert ran.returncode == 2, (command, ran.stderr)
        assert "ANTHROPIC_API_KEY is not set" in ran.stderr
