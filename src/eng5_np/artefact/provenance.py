"""Where a run came from: runner version, git commit, package versions, environment."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from eng5_np import __version__

GIT_TIMEOUT_SECONDS = 5.0
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
REPORTED_PACKAGES = (
    "eng5-runner",
    "pydantic",
    "aiokafka",
    "aiohttp",
    "jsonschema",
    "structlog",
    "typer",
    "numpy",
    "choix",
    "python-docx",
    "pypdf",
)


@dataclass(frozen=True)
class GitState:
    """The commit of the runner's source tree, or ``unknown`` outside a checkout."""

    sha: str
    dirty: bool | None


def git_state(source_dir: Path | None = None) -> GitState:
    """Read the git commit and dirtiness of ``source_dir`` (default: this package's folder)."""
    where = source_dir if source_dir is not None else Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return GitState(sha="unknown", dirty=None)
    if not _SHA.match(sha):
        return GitState(sha="unknown", dirty=None)
    return GitState(sha=sha, dirty=bool(status.strip()))


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the results."""
    versions: dict[str, str] = {}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def cli_environment() -> dict[str, str]:
    """Python, OS and runner version for the artefact's validation block."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "runner_version": __version__,
    }
