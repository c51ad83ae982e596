"""The settings of one run: flags and environment parsed into one validated object.

Environment variables are read by the CLI layer (Typer ``envvar``) for the options SPEC §1
lists, and by :class:`KafkaSecurity` (pydantic-settings) for the broker security settings,
whose password is a ``SecretStr`` and is never logged or written to an artefact.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eng5_np.contracts.enums import (
    CourseCode,
    LLMBatchingMode,
    LLMProviderType,
    OutputVerbosity,
    ReasoningEffort,
)
from eng5_np.primitives.redaction import redact_url
from eng5_np.reference.grades import GradeScaleName

DEFAULT_COURSE_ID = UUID("00000000-0000-4000-8000-0000000e5c01")
"""Placeholder course id (a fixed UUID) used when --course-id is not given."""
DEFAULT_USER_ID = "eng5_np_research_runner"
DEFAULT_CONTENT_SERVICE_URL = "http://localhost:8001/v1/content"
DEFAULT_KAFKA_BOOTSTRAP = "localhost:9092"
JUDGE_PATTERN = re.compile(r"^[A-Za-z-]+:\S+$")
"""``<provider>:<model>`` of a real judge (``openai-compatible`` has a hyphen; a panel is
``A,B``); the provider and model are checked by the stack."""
BATCH_LABEL_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UPLOAD_ATTEMPTS = 12
"""Default tries per upload. A service failing 30% of requests fails one text with
probability 0.3**12 ≈ 5e-7, so a run of 500 uploads fails with ≈ 0.03% (4 tries: 0.8% per
text, most runs of 100+ uploads failed). Backoff is capped (upload.retry), so the worst case
stays about a minute per text."""
UPLOAD_TIMEOUT_S = 30.0
"""Default seconds one upload try may take (connect, send, answer) before it is retried."""


RESULT_GRACE_S = 60.0
"""Default seconds to wait for the rich result after the thin completion (--result-grace)."""
FIRST_CALLBACK_DEADLINE_S = 120.0
"""Default seconds after publishing before a batch without any comparison is reported as
possibly never picked up by the CJ service (--first-callback-deadline)."""


class RunMode(StrEnum):
    """What the run does (SPEC §1)."""

    PLAN = "plan"
    DRY_RUN = "dry-run"
    EXECUTE = "execute"
    ANCHOR_ALIGN = "anchor-align"
    """A guest batch of the dataset's anchors only, judged as ordinary essays (SPEC §12)."""


class PairingDesignName(StrEnum):
    """How the local stack's CJ service chooses pairs and when it stops (``--pairing``)."""

    PLATFORM = "platform"
    ADAPTIVE = "adaptive"
    BALANCED = "balanced"


class LogFormat(StrEnum):
    """How log lines are rendered on the console."""

    CONSOLE = "console"
    JSON = "json"


def bundled_sample_dataset() -> Path:
    """The sample dataset shipped inside the package (the default --dataset-dir)."""
    return Path(str(resources.files("eng5_np.data").joinpath("sample_dataset")))


def generate_batch_label(now: datetime | None = None) -> str:
    """A readable, unique batch label such as ``eng5-20261124-101502-3fa9``."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"eng5-{moment}-{secrets.token_hex(2)}"


class KafkaSecurity(BaseSettings):
    """Broker security settings, from the environment only (never from flags or files)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None

    def aiokafka_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka clients (the only place the secret is revealed)."""
        kwargs: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.sasl_mechanism:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            kwargs["sasl_plain_username"] = self.sasl_username
        if self.sasl_password is not None:
            kwargs["sasl_plain_password"] = self.sasl_password.get_secret_value()
        if self.ssl_cafile is not None or "SSL" in self.security_protocol.upper():
            import ssl

            kwargs["ssl_context"] = ssl.create_default_context(
                cafile=str(self.ssl_cafile) if self.ssl_cafile else None
            )
        return kwargs

    def public(self) -> dict[str, Any]:
        """What may be shown: the protocol and mechanism, never the credentials."""
        return {
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_username_set": self.sasl_username is not None,
            "sasl_password_set": self.sasl_password is not None,
        }


class AdminCredentials(BaseSettings):
    """The CJ admin API token, from the environment only (``CJ_ADMIN_TOKEN``), never written."""

    model_config = SettingsConfigDict(env_prefix="CJ_", extra="ignore")

    admin_token: SecretStr | None = None


class RunSettings(BaseModel):
    """Every option of one run, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: RunMode = RunMode.PLAN
    dataset_dir: Path = Field(default_factory=bundled_sample_dataset)
    output_dir: Path | None = None
    batch_id: str = Field(default_factory=generate_batch_label)
    """The human label of the batch; the wire id is a UUID generated per run."""
    assignment_id: str | None = Field(default=None, min_length=1, max_length=100)
    """None: a guest run (SPEC §11.1). Set: an assignment run, preceded by a preflight."""
    course_id: UUID = DEFAULT_COURSE_ID
    grade_scale: GradeScaleName = GradeScaleName.LEGACY_9_STEP
    user_id: str = Field(default=DEFAULT_USER_ID, min_length=1)
    org_id: str | None = None
    course_code: CourseCode = CourseCode.ENG5
    language: str = Field(default="en", min_length=2)
    kafka_bootstrap: str = DEFAULT_KAFKA_BOOTSTRAP
    kafka_client_id: str = "eng5-np-runner"
    kafka_security: KafkaSecurity = Field(default_factory=KafkaSecurity)
    admin_credentials: AdminCredentials = Field(default_factory=AdminCredentials)
    no_kafka: bool = False
    content_service_url: str = DEFAULT_CONTENT_SERVICE_URL
    upload_concurrency: int = Field(default=10, ge=1, le=256)
    upload_attempts: int = Field(default=UPLOAD_ATTEMPTS, ge=1, le=100)
    """Tries per upload, the first included (--upload-attempts)."""
    upload_timeout: float = Field(default=UPLOAD_TIMEOUT_S, gt=0, le=600)
    """Seconds one upload try may take (--upload-timeout)."""
    force_reupload: bool = False
    upload_cache_dir: Path | None = None
    llm_provider: LLMProviderType | None = None
    llm_model: str | None = None
    llm_temperature: float | None = Field(default=None, ge=0, le=2)
    llm_max_tokens: int | None = Field(default=None, gt=0)
    system_prompt_file: Path | None = None
    """UTF-8 file whose text is sent as ``system_prompt_override`` (SPEC §4.4)."""
    rubric_file: Path | None = None
    """UTF-8 file whose text is sent as ``judge_rubric_override`` (SPEC §4.4)."""
    reasoning_effort: ReasoningEffort | None = None
    output_verbosity: OutputVerbosity | None = None
    llm_batching_mode: LLMBatchingMode | None = None
    """Sent as envelope ``metadata.llm_batching_mode_hint`` (advisory, SPEC §11.4)."""
    cj_service_url: str | None = None
    """Base URL of the CJ service's HTTP API (health, admin API; SPEC §11.2)."""
    llm_provider_url: str | None = None
    """Base URL of the platform's LLM Provider, for the live model manifest (SPEC §11.5)."""
    max_comparisons: int | None = Field(default=None, gt=0)
    anchor_grades: tuple[str, ...] | None = None
    """With ``--mode anchor-align``: only the anchors of these grades (checked against the
    scale when the dataset is read)."""
    await_completion: bool = False
    completion_timeout: float = Field(default=1800.0, gt=0)
    result_grace: float = Field(default=RESULT_GRACE_S, ge=0)
    """Seconds to wait for the CJ service's rich result once its thin completion came
    (--result-grace); then the run ends analysed from the comparisons alone (issue 14)."""
    first_callback_deadline: float = Field(default=FIRST_CALLBACK_DEADLINE_S, gt=0)
    """Seconds after publishing with no comparison of the batch before the runner says the
    CJ service may not have picked the request up (--first-callback-deadline); it then keeps
    waiting until --completion-timeout."""
    republish: bool = False
    """On a resume, publish the saved request envelope again (--republish)."""
    strict_metadata: bool = False
    local_stack: bool = False
    judge_seed: int = 0
    """Seed of the local stack's simulated judge (only with --local-stack)."""
    judge_faults: str | None = None
    """Fault injection of the local stack's simulated judge (only with --local-stack)."""
    judge_profile: Path | None = None
    detect_difference: float = Field(default=0.1, gt=0, le=2)
    """τ-b difference the plan's power estimate targets (plan and sweep)."""
    """JSON judge profile of the simulated judge (only with --local-stack; None = built-in)."""
    # The local stack's judge (SPEC §13; only with --local-stack).
    judge: str = "simulated"
    """``simulated``, ``<provider>:<model>`` (a real LLM judge) or a comma-separated panel of
    them (checked by the stack)."""
    judge_concurrency: int = Field(default=8, ge=1, le=256)
    """Comparisons the judge works on at the same time."""
    judge_rpm: int | None = Field(default=None, ge=1)
    """Provider requests per minute (None = no limiter)."""
    cost_limit: float | None = Field(default=None, gt=0)
    """USD: a real judge stops before manifest-priced spend passes it; the batch fails."""
    judge_both_orders: float = Field(default=0.0, ge=0, le=1)
    """Share of pairs judged again with A and B swapped (position consistency, SPEC §8)."""
    pairing: PairingDesignName = PairingDesignName.PLATFORM
    """The local stack's pairing design (``--pairing``, only with --local-stack)."""
    target_precision: float | None = Field(default=None, gt=0)
    """The ``adaptive`` design's stop: mean SE (execute) or τ-b interval width (anchor-align)."""
    judge_base_url: str | None = None
    """Base URL of an OpenAI-compatible judge server (``--judge-base-url``)."""
    judge_price: str | None = None
    """``IN,OUT`` USD per million tokens pricing an OpenAI-compatible judge (``--judge-price``)."""
    judge_mode: str = Field(default="live", pattern=r"^(live|batch)$")
    """``--judge-mode``: ``live`` calls, or the provider's batch API (50 %; resumable)."""
    judge_batch_poll: float | None = Field(default=None, gt=0)
    """``--judge-batch-poll``: first wait between polls of a provider batch (s)."""
    judge_panel: str = Field(default="split", pattern=r"^(split|all)$")
    """A judge panel's dealing (``--panel``): ``split`` one member per comparison, ``all``."""
    kafka_bootstrap_explicit: bool = False
    """True when --kafka-bootstrap or KAFKA_BOOTSTRAP_SERVERS was given (wins over the stack)."""
    content_service_url_explicit: bool = False
    verbose: bool = False
    log_format: LogFormat = LogFormat.CONSOLE

    @field_validator("batch_id")
    @classmethod
    def _check_label(cls, value: str) -> str:
        if not BATCH_LABEL_PATTERN.match(value):
            raise ValueError("must be 1-64 characters of A-Z a-z 0-9 . _ -")
        if value in (".", ".."):
            # The label names the run's folder inside ./eng5_runs: "." is that folder itself
            # and ".." the working directory (issue 8).
            raise ValueError(f"{value!r} does not name a folder; use letters or digits")
        return value

    @field_validator("judge")
    @classmethod
    def _check_judge(cls, value: str) -> str:
        if value == "simulated" or JUDGE_PATTERN.match(value):
            return value
        from eng5_np.reference.llm_models import load_manifest  # only on this error path

        known = load_manifest().find(value)
        hint = (
            f"; did you mean {known.provider.value}:{known.model_id}?"
            if known is not None
            else " (e.g. openai:gpt-5-mini)"
        )
        raise ValueError(f"{value!r} is neither 'simulated' nor of the form provider:model{hint}")

    @field_validator("kafka_bootstrap")
    @classmethod
    def _check_bootstrap(cls, value: str) -> str:
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"{server.strip()!r} is not host:port")
        return value

    @field_validator("content_service_url", "cj_service_url", "llm_provider_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @property
    def resolved_output_dir(self) -> Path:
        """Where every file of the run goes."""
        return self.output_dir if self.output_dir is not None else Path("eng5_runs") / self.batch_id

    @property
    def wire_assignment_id(self) -> str | None:
        """The ``assignment_id`` sent and recorded: None (a guest batch) for anchor-align."""
        if self.mode is RunMode.ANCHOR_ALIGN:
            return None
        return self.assignment_id

    def llm_overrides_given(self) -> bool:
        """True when any LLM override flag was given."""
        return any(
            v is not None
            for v in (
                self.llm_provider,
                self.llm_model,
                self.llm_temperature,
                self.llm_max_tokens,
                self.system_prompt_file,
                self.rubric_file,
                self.reasoning_effort,
                self.output_verbosity,
            )
        )

    def public_options(self) -> dict[str, Any]:
        """The effective options as JSON-safe values, without any secret."""
        data = self.model_dump(mode="json", exclude={"kafka_security", "admin_credentials"})
        data["kafka_security"] = self.kafka_security.public()
        data["cj_admin_token_set"] = self.admin_credentials.admin_token is not None
        data["output_dir"] = str(self.resolved_output_dir)
        for key in ("content_service_url", "cj_service_url", "llm_provider_url"):
            if isinstance(data.get(key), str):
                data[key] = redact_url(data[key])
        if isinstance(data.get("judge_base_url"), str):
            # A judge server's URL may carry a key in its path or query: scheme and host only.
            parts = urlsplit(data["judge_base_url"])
            port = f":{parts.port}" if parts.port is not None else ""
            data["judge_base_url"] = f"{parts.scheme}://{parts.hostname or ''}{port}"
        return data
