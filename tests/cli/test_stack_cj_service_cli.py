"""``eng5-runner stack cj-service`` takes the judge and pairing options of ``stack up``.

The services run as their own processes, as the compose stack runs them: the session's Tansu
broker on 127.0.0.1, ``stack content-service`` and ``stack cj-service`` as subprocesses, and an
execute against their addresses. Refusals go through the CLI in-process.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.docs.doc_commands import (
    STACK_READY_LINE,
    STACK_READY_S,
    STACK_STOP_S,
    VENV_BIN,
    doc_env,
    run_argv,
)
from typer.testing import Result

from eng5_np.localstack.broker import EmbeddedBroker

Invoke = Callable[..., Result]
CONTENT_READY = re.compile(r"^Content Service at (\S+) \(health ", re.MULTILINE)
NO_KEYS = {"ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": ""}


@contextmanager
def service(argv: list[str], cwd: Path, env: dict[str, str]) -> Iterator[Path]:
    """Start one ``stack …`` service; yield its stdout file once it is ready; stop it."""
    name = argv[1]
    out = cwd / f"{name}.out"
    with out.open("wb") as stdout, (cwd / f"{name}.err").open("wb") as stderr:
        process = subprocess.Popen(
            [str(VENV_BIN / "eng5-runner"), "stack", *argv],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + STACK_READY_S
        while STACK_READY_LINE not in out.read_text():
            assert process.poll() is None, (cwd / f"{name}.err").read_text()
            assert time.monotonic() < deadline, f"stack {name} not ready in {STACK_READY_S} s"
            time.sleep(0.05)
        yield out
    finally:
        process.terminate()
        process.wait(timeout=STACK_STOP_S)


def test_cj_service_alone_pairs_with_the_design_it_was_given(
    kafka_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    env = doc_env(tmp_path)
    with service(["content-service", "--port", "0"], tmp_path, env) as content_out:
        match = CONTENT_READY.search(content_out.read_text())
        assert match is not None, content_out.read_text()
        content_url = match.group(1)
        cj_argv = [
            "cj-service",
            "--kafka-bootstrap",
            kafka_broker.bootstrap,
            "--content-service-url",
            content_url,
            "--health-port",
            "0",
            "--pairing",
            "balanced",
        ]
        with service(cj_argv, tmp_path, env) as cj_out:
            ready = cj_out.read_text()
            assert "Pairing design: balanced." in ready
            assert "simulated judge" in ready
            ran = run_argv(
                [
                    str(VENV_BIN / "eng5-runner"),
                    "--mode",
                    "execute",
                    "--await-completion",
                    "--kafka-bootstrap",
                    kafka_broker.bootstrap,
                    "--content-service-url",
                    content_url,
                    "--max-comparisons",
                    "20",
                ],
                tmp_path,
                env,
            )
    assert ran.returncode == 0, ran.stderr
    (folder,) = (tmp_path / "eng5_runs").iterdir()
    document = json.loads((folder / "assessment_run.execute.json").read_text(encoding="utf-8"))
    stop = document["validation"]["runner_status"]["batch_stop"]
    assert stop["design"] == "balanced"
    assert stop["reason"] == "budget_spent"
    assert len(document["llm_comparisons"]) == 20


def test_cj_service_refuses_a_target_without_the_adaptive_design(invoke: Invoke) -> None:
    result = invoke("stack", "cj-service", "--target-precision", "0.5")
    assert result.exit_code == 2
    assert "only applies with --pairing adaptive" in result.output
    assert "consuming" not in result.output


def test_cj_service_refuses_a_real_judge_without_its_key(invoke: Invoke) -> None:
    result = invoke("stack", "cj-service", "--judge", "openai:gpt-5-mini", env=NO_KEYS)
    assert result.exit_code == 2
    assert "OPENAI_API_KEY is not set" in result.output
    assert "consuming" not in result.output


@pytest.mark.parametrize("command", ["up", "cj-service"])
@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--judge-concurrency", "0", "must be 1 to 256"),
        ("--judge-concurrency", "257", "must be 1 to 256"),
        ("--judge-rpm", "0", "must be at least 1"),
        ("--cost-limit", "-1", "must not be negative"),
        ("--judge-both-orders", "1.5", "must be between 0 and 1"),
        ("--judge-batch-poll", "0", "must be positive"),
    ],
)
def test_both_service_commands_check_the_judges_ranges(
    invoke: Invoke, command: str, flag: str, value: str, words: str
) -> None:
    result = invoke("stack", command, flag, value)
    assert result.exit_code == 2
    assert f"Invalid value for {flag}: {words}" in result.output


@pytest.mark.parametrize("command", ["up", "cj-service"])
def test_batch_mode_needs_a_provider_judge(invoke: Invoke, command: str) -> None:
    result = invoke("stack", command, "--judge-mode", "batch")
    assert result.exit_code == 2
    assert "the simulated judge has none" in result.output
    assert "Press Ctrl-C" not in result.output
