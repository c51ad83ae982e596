"""Runs the ``eng5-runner`` console script as a subprocess for exit-code and signal tests.

Output goes to files rather than pipes (a pipe nobody reads could stall the runner), and
every wait is a poll on a condition with a deadline. Importable like ``cj_player``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNNER = Path(sys.executable).parent / "eng5-runner"


def runner_env(bootstrap: str, content_url: str, cache_dir: Path) -> dict[str, str]:
    """The environment for a runner subprocess pointed at the given services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENG5_", "KAFKA_"))}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        CONTENT_SERVICE_URL=content_url,
        ENG5_UPLOAD_CACHE_DIR=str(cache_dir),
        COLUMNS="200",
    )
    return env


@dataclass
class RunnerProcess:
    """A running ``eng5-runner``; output goes to files, so a full pipe cannot stall it."""

    process: asyncio.subprocess.Process
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        """Process id."""
        return self.process.pid


async def start_runner(*args: str | Path, env: Mapping[str, str], cwd: Path) -> RunnerProcess:
    """Start ``eng5-runner`` with ``args`` in ``cwd``; output goes to ``cwd/runner-<n>.out|err``."""
    number = len(list(cwd.glob("runner-*.out")))
    stdout_path, stderr_path = cwd / f"runner-{number}.out", cwd / f"runner-{number}.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            str(RUNNER),
            *(str(a) for a in args),
            env=dict(env),
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    return RunnerProcess(process, stdout_path, stderr_path)


@dataclass(frozen=True)
class Finished:
    """Exit code and output of a runner subprocess."""

    returncode: int
    stdout: str
    stderr: str


async def finish(runner: RunnerProcess, timeout_s: float = 60.0) -> Finished:
    """Wait for the runner to exit (killing it after ``timeout_s``) and read its output."""
    try:
        returncode = await asyncio.wait_for(runner.process.wait(), timeout=timeout_s)
    except TimeoutError:
        runner.process.kill()
        await runner.process.wait()
        raise AssertionError(
            f"runner did not exit within {timeout_s} s: {runner.stderr_path.read_text()}"
        ) from None
    return Finished(
        returncode,
        runner.stdout_path.read_text(encoding="utf-8", errors="replace"),
        runner.stderr_path.read_text(encoding="utf-8", errors="replace"),
    )


async def wait_for(
    condition: Callable[[], bool | Awaitable[bool]], timeout_s: float, what: str
) -> None:
    """Poll ``condition`` every 50 ms until it holds; fail naming ``what`` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        outcome = condition()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Synchronous :func:`wait_for`: poll every 50 ms until ``condition`` holds or fail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a file ([] when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
