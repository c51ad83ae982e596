"""Run settings (SPEC §1): defaults, validation, and secrets that never leak."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from eng5_np.settings import (
    DEFAULT_COURSE_ID,
    KafkaSecurity,
    RunMode,
    RunSettings,
    bundled_sample_dataset,
    generate_batch_label,
)

SECRET = "s3cr3t-value"


def test_defaults_match_the_spec() -> None:
    settings = RunSettings()
    assert settings.mode is RunMode.PLAN
    assert settings.dataset_dir == bundled_sample_dataset()
    assert (settings.dataset_dir / "anchors.csv").is_file()
    assert settings.grade_scale.value == "eng5_np_legacy_9_step"
    assert settings.user_id == "eng5_np_research_runner"
    assert settings.course_code.value == "ENG5"
    assert settings.language == "en"
    assert settings.kafka_bootstrap == "localhost:9092"
    assert settings.content_service_url == "http://localhost:8001/v1/content"
    assert settings.upload_concurrency == 10
    assert settings.completion_timeout == 1800.0
    assert settings.course_id == DEFAULT_COURSE_ID
    assert settings.resolved_output_dir == Path("eng5_runs") / settings.batch_id


def test_generated_batch_labels_are_readable_and_unique() -> None:
    moment = datetime(2026, 11, 24, 10, 15, 2, tzinfo=UTC)
    label = generate_batch_label(moment)
    assert re.fullmatch(r"eng5-20261124-101502-[0-9a-f]{4}", label)
    assert len({generate_batch_label(moment) for _ in range(20)}) > 1
    RunSettings(batch_id=generate_batch_label())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("batch_id", "has space"),
        ("batch_id", "x" * 65),
        ("batch_id", ""),
        ("llm_temperature", 2.5),
        ("llm_temperature", -0.1),
        ("llm_max_tokens", 0),
        ("max_comparisons", 0),
        ("upload_concurrency", 0),
        ("completion_timeout", 0),
        ("kafka_bootstrap", "localhost"),
        ("kafka_bootstrap", "a:1,b"),
        ("content_service_url", "ftp://x"),
        ("course_id", "not-a-uuid"),
        ("grade_scale", "letters"),
    ],
)
def test_invalid_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        RunSettings(**{field: value})
    assert info.value.errors()[0]["loc"][0] == field


def test_valid_edge_values_are_accepted() -> None:
    settings = RunSettings(
        batch_id="A.b_c-1",
        llm_temperature=2,
        kafka_bootstrap="a:1, b:2",
        content_service_url="https://cs.example/v1/content/",
    )
    assert settings.content_service_url == "https://cs.example/v1/content"


def test_kafka_password_comes_from_the_environment_and_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "runner")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", SECRET)
    security = KafkaSecurity()
    assert security.aiokafka_kwargs()["sasl_plain_password"] == SECRET
    settings = RunSettings(kafka_security=security)
    options = settings.public_options()
    assert options["kafka_security"] == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_username_set": True,
        "sasl_password_set": True,
    }
    for text in (json.dumps(options), repr(settings), str(settings), repr(security)):
        assert SECRET not in text


def test_public_options_are_json_ready() -> None:
    settings = RunSettings(output_dir=Path("/tmp/somewhere"), max_comparisons=5)
    options = json.loads(json.dumps(settings.public_options()))
    assert options["output_dir"] == "/tmp/somewhere"
    assert options["max_comparisons"] == 5
    assert options["mode"] == "plan"


def test_a_judge_servers_url_is_kept_as_scheme_and_host_only() -> None:
    url = "https://user:pw-secret@llm.internal:8443/v1/key-in-path?token=t0k3n"
    options = RunSettings(judge_base_url=url).public_options()
    assert options["judge_base_url"] == "https://llm.internal:8443"
    assert "secret" not in json.dumps(options)
    assert "t0k3n" not in json.dumps(options)
