"""Fixtures for CLI tests: an isolated process state per test and a throwaway dataset.

Every CLI invocation reconfigures logging globally (handlers on the root logger bound to the
CliRunner's captured streams, structlog configuration, bound context variables), so each test
gets them restored afterwards and starts from a clean environment in its own working folder.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner, Result

from eng5_np.cli.main import app
from eng5_np.logs import detach_run_log
from eng5_np.settings import bundled_sample_dataset

Invoke = Callable[..., Result]
ENV_PREFIXES = ("ENG5_", "KAFKA_", "CONTENT_SERVICE_URL")


@pytest.fixture(autouse=True)
def _isolated_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    noisy = {name: logging.getLogger(name).level for name in ("aiokafka", "kafka", "asyncio")}
    yield
    detach_run_log()
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


@pytest.fixture
def invoke() -> Invoke:
    """Run ``eng5-runner`` in-process with the given arguments (and optional env)."""

    def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(app, [str(a) for a in args], env=env)

    return run


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A private copy of the bundled sample dataset, safe to break."""
    return Path(shutil.copytree(bundled_sample_dataset(), tmp_path / "dataset"))
