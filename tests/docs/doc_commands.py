"""The shell commands quoted in README.md and docs/RUNBOOK.md, and running them.

Only fenced ``bash`` blocks count. A command is one line, or several joined at a trailing
backslash, without its trailing ``# comment``; whitespace is collapsed so a re-indented
continuation does not count as a new command. Importable like ``runner_process``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "docs/RUNBOOK.md")
VENV_BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)\s*$")
TRAILING_COMMENT = re.compile(r"(^|\s+)#.*$")
ENV_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
# What a mapped command must no longer contain: an unmapped placeholder.
PLACEHOLDER = re.compile(r"<[^>]*>|\.example\b|path/to/")
# Variables that would point a command somewhere else than its test says.
OUTSIDE_ENV = re.compile(
    r"^(ENG5_|KAFKA_|CONTENT_SERVICE_|CJ_HEALTH_URL$|CJ_SERVICE_URL$|CJ_ADMIN_TOKEN$|"
    r"LLM_PROVIDER_URL$|VIRTUAL_ENV$)"
)
READY_LINE = re.compile(r"^(KAFKA_BOOTSTRAP_SERVERS|CONTENT_SERVICE_URL|CJ_HEALTH_URL)=(\S+)$")
STACK_READY_LINE = "Press Ctrl-C to stop."
COMMAND_TIMEOUT_S = 120.0
STACK_READY_S = 30.0
STACK_STOP_S = 30.0

DOCKER_REASON = (
    "Docker: there is no engine on the development machines or in CI (RUNBOOK, Verification "
    "notes); tests/ops checks the Dockerfile and compose files instead"
)
NOT_RUN: Mapping[str, str] = MappingProxyType(
    {
        ". .venv/bin/activate": "shell setup: every command here runs with the venv's bin "
        "first on PATH and VIRTUAL_ENV set, which is what activating does",
        "./scripts/test.sh": "runs the whole suite, this module included (recursion); CI runs "
        "it as .ci/run, so it runs on every submission",
        "mkdir -p eng5_runs": "step of the Docker compose procedure (creates the folder "
        "compose mounts)",
        'export ENG5_UID="$(id -u)" ENG5_GID="$(id -g)"': "step of the Docker compose "
        "procedure (the container's uid/gid)",
        "ls eng5_runs/rehearsal-01/": "step of the Docker compose procedure (lists the folder "
        "of the compose run above it)",
        'export CJ_SERVICE_URL=http://cj.example:8002 CJ_ADMIN_TOKEN="$(cat '
        'path/to/cj_admin_token)"': "shell setup: the assignment commands after it run with "
        "these two variables set from `eng5-runner stack up` (its address and token file)",
    }
)
"""Documented lines that are not Docker commands and are not run here, with the reason."""

REAL_JUDGE_EXECUTE = (
    "eng5-runner --mode execute --local-stack --await-completion "
    "--judge anthropic:claude-haiku-4-5-20251001 --cost-limit 2"
)
REAL_JUDGE_STACK_UP = (
    "eng5-runner stack up --judge anthropic:claude-haiku-4-5-20251001 --judge-rpm 50 --cost-limit 5"
)
NEEDS_API_KEY_REASON = (
    "needs a real provider key (ANTHROPIC_API_KEY) and makes paid API calls; neither CI nor the "
    "development machines have one or reach the internet. test_documented_commands runs it "
    "verbatim with a made-up key and ANTHROPIC_BASE_URL pointing at a fake Anthropic server on "
    "127.0.0.1 that speaks the real HTTP format"
)
BATCH_JUDGE_EXECUTE = (
    "eng5-runner --mode execute --local-stack --await-completion "
    "--judge anthropic:claude-haiku-4-5-20251001 --judge-mode batch --max-comparisons 60"
)
NEEDS_API_KEY: Mapping[str, str] = MappingProxyType(
    {
        REAL_JUDGE_EXECUTE: NEEDS_API_KEY_REASON,
        REAL_JUDGE_STACK_UP: NEEDS_API_KEY_REASON,
        BATCH_JUDGE_EXECUTE: NEEDS_API_KEY_REASON + " (Message Batches routes included); "
        "test_documented_judges runs it",
    }
)
"""Documented commands that need a provider's API key (a real LLM judge, SPEC §13)."""
LOCAL_MODEL_EXECUTE = (
    "eng5-runner --mode execute --local-stack --await-completion --judge ollama:llama3.1:8b "
    "--max-comparisons 60"
)
NEEDS_LOCAL_SERVER: Mapping[str, str] = MappingProxyType(
    {
        LOCAL_MODEL_EXECUTE: "needs an Ollama server with llama3.1:8b at 127.0.0.1:11434; "
        "test_documented_judges runs it verbatim with OPENAI_BASE_URL pointing at an "
        "Ollama-like fake on 127.0.0.1 (one that rejects json_schema response formats)"
    }
)
"""Documented commands that need a local model server (an OpenAI-compatible judge)."""
PROVIDER_ENV = re.compile(r"^(ANTHROPIC_|OPENAI_|OPENROUTER_|GEMINI_|GOOGLE_)")
"""Variables of the LLM providers: never inherited by a documented command run here."""


@dataclass(frozen=True)
class DocCommand:
    """One command quoted in a doc, with where it is (``README.md:25``)."""

    text: str
    where: str


def is_docker(command: str) -> bool:
    """Whether a documented command needs a Docker engine."""
    return command.startswith(("docker ", "$RUN ", 'RUN="docker '))


def _normalise(command: str) -> str:
    return " ".join(TRAILING_COMMENT.sub("", command).split())


def commands_in(markdown: str, name: str) -> list[DocCommand]:
    """The commands of every fenced ``bash`` block of one Markdown document."""
    found: list[DocCommand] = []
    language: str | None = None
    pending, start = "", 0
    for number, line in enumerate(markdown.splitlines(), start=1):
        fence = FENCE.match(line)
        if fence:
            language = None if language is not None else fence.group(1)
            continue
        if language != "bash":
            continue
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = _normalise(pending + line)
        pending = ""
        if text:
            found.append(DocCommand(text, f"{name}:{start}"))
    return found


def documented_commands(root: Path = REPO_ROOT) -> list[DocCommand]:
    """Every command quoted in README.md and docs/RUNBOOK.md, in document order."""
    found: list[DocCommand] = []
    for name in DOCS:
        found.extend(commands_in((root / name).read_text(encoding="utf-8"), name))
    return found


def to_argv(
    command: str, placeholders: Mapping[str, str]
) -> tuple[list[str], dict[str, str], set[str]]:
    """Split a documented command into (argv, leading VAR=value settings, placeholders used).

    A placeholder replaces a whole word or a whole value, never part of one, so
    ``127.0.0.1:<port>`` and ``http://127.0.0.1:<port>/v1/content`` map independently.
    ``eng5-runner`` is the venv's console script; ``scripts/…`` is the repo's script.
    """
    used: set[str] = set()

    def mapped(word: str) -> str:
        if word in placeholders:
            used.add(word)
            return placeholders[word]
        return word

    words = shlex.split(command)
    env: dict[str, str] = {}
    while words and (assignment := ENV_ASSIGNMENT.match(words[0])):
        env[assignment.group(1)] = mapped(assignment.group(2))
        words.pop(0)
    argv = [mapped(word) for word in words]
    if argv[0] == "eng5-runner":
        argv[0] = str(VENV_BIN / "eng5-runner")
    elif argv[0].removeprefix("./").startswith("scripts/"):
        argv[0] = str(REPO_ROOT / argv[0].removeprefix("./"))
    return argv, env, used


def unmapped(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """The words or values that still hold a documentation placeholder."""
    return [word for word in [*argv, *env.values()] if PLACEHOLDER.search(word)]


def doc_env(tmp_path: Path) -> dict[str, str]:
    """A shell after ``. .venv/bin/activate``, with the upload cache under ``tmp_path``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not OUTSIDE_ENV.match(k) and not PROVIDER_ENV.match(k)
    }
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = sys.prefix
    env["ENG5_UPLOAD_CACHE_DIR"] = str(tmp_path / "upload-cache")
    env["COLUMNS"] = "200"
    return env


@dataclass(frozen=True)
class Ran:
    """Exit code and output of one command."""

    returncode: int
    stdout: str
    stderr: str


def run_argv(argv: list[str], cwd: Path, env: Mapping[str, str]) -> Ran:
    """Run a command in ``cwd`` with stdin closed and a deadline."""
    completed = subprocess.run(
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    return Ran(completed.returncode, completed.stdout, completed.stderr)


def children(pid: int) -> tuple[int, ...]:
    """The child processes of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return tuple(found)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


@dataclass(frozen=True)
class StackUp:
    """A running ``eng5-runner stack up``, the addresses it printed, and its broker."""

    process: subprocess.Popen[bytes]
    stdout_path: Path
    addresses: Mapping[str, str]
    broker_pids: tuple[int, ...]

    def env(self) -> dict[str, str]:
        """The variables it printed for the runner and the preflight to use."""
        return {k: v for k, v in self.addresses.items() if k != "CJ_HEALTH_URL"}

    @property
    def bootstrap(self) -> str:
        """Its broker's host:port."""
        return self.addresses["KAFKA_BOOTSTRAP_SERVERS"]

    @property
    def content_url(self) -> str:
        """Its Content Service upload URL."""
        return self.addresses["CONTENT_SERVICE_URL"]

    def kill(self) -> None:
        """Make sure it is gone (after a failed test; the stop test uses SIGINT)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=STACK_STOP_S)


def start_stack_up(argv: list[str], cwd: Path, env: Mapping[str, str]) -> StackUp:
    """Start ``stack up`` and wait (with a deadline) until it printed its addresses."""
    stdout_path, stderr_path = cwd / "stack-up.out", cwd / "stack-up.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
        )
    try:
        deadline = time.monotonic() + STACK_READY_S
        while STACK_READY_LINE not in stdout_path.read_text():
            assert process.poll() is None, f"stack up exited: {stderr_path.read_text()}"
            assert time.monotonic() < deadline, f"stack up not ready in {STACK_READY_S} s"
            time.sleep(0.05)
        lines = stdout_path.read_text().splitlines()
        addresses = {m.group(1): m.group(2) for m in map(READY_LINE.match, lines) if m}
        assert set(addresses) == {"KAFKA_BOOTSTRAP_SERVERS", "CONTENT_SERVICE_URL", "CJ_HEALTH_URL"}
        broker_pids = children(process.pid)
        assert broker_pids, "stack up started no broker process"
    except BaseException:
        process.kill()
        process.wait(timeout=STACK_STOP_S)
        raise
    return StackUp(process, stdout_path, addresses, broker_pids)
