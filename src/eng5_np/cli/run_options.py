"""The flags of a run (``eng5-runner --mode … [OPTIONS]``), one typed alias per option.

Each alias is the option's type with its Typer declaration (name, environment variable,
metavar, help at 80 columns); :func:`eng5_np.cli.main.main_command` takes one parameter of
each, and turns them into :class:`~eng5_np.settings.RunSettings`. Defaults stay in the
signature, where Typer reads them; what a flag's absence means is the settings' default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eng5_np.cli.help import FLAG, choices, enum_parser
from eng5_np.contracts.enums import (
    CourseCode,
    LLMBatchingMode,
    LLMProviderType,
    OutputVerbosity,
    ReasoningEffort,
)
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import (
    UPLOAD_ATTEMPTS,
    UPLOAD_TIMEOUT_S,
    LogFormat,
    RunMode,
)

ModeOption = Annotated[
    RunMode,
    typer.Option(
        "--mode",
        parser=enum_parser(RunMode),
        metavar="MODE",
        help=f"{choices(RunMode)}.",
    ),
]

DatasetDirOption = Annotated[
    Path | None,
    typer.Option(
        envvar="ENG5_DATASET_DIR",
        metavar="PATH",
        help="Dataset root (default: the bundled sample dataset).",
    ),
]

OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        envvar="ENG5_OUTPUT_DIR",
        metavar="PATH",
        help="Run folder (default: eng5_runs/ and the batch label).",
    ),
]

BatchIdOption = Annotated[
    str | None, typer.Option(help="Human batch label (≤64 of A-Z a-z 0-9 . _ -).")
]

AssignmentIdOption = Annotated[
    str | None,
    typer.Option(
        help="Assignment run: CJ uses this assignment's instructions and registered "
        "anchors; only students are sent (needs --cj-service-url, CJ_ADMIN_TOKEN). "
        "Without it: a guest run."
    ),
]

CourseIdOption = Annotated[str | None, typer.Option(help="Course id, a UUID (metadata).")]

GradeScaleOption = Annotated[
    GradeScaleName,
    typer.Option(
        case_sensitive=False,
        metavar="SCALE",
        help=f"Grade scale of the anchors: {choices(GradeScaleName)}.",
    ),
]

UserIdOption = Annotated[str | None, typer.Option(help="Request user_id.")]

OrgIdOption = Annotated[str | None, typer.Option(help="Request org_id.")]

CourseCodeOption = Annotated[
    CourseCode,
    typer.Option(
        case_sensitive=False,
        metavar="CODE",
        help=f"Request course_code: {choices(CourseCode)}.",
    ),
]

LanguageOption = Annotated[str | None, typer.Option(help="Request language (default: en).")]

KafkaBootstrapOption = Annotated[
    str | None,
    typer.Option(
        envvar="KAFKA_BOOTSTRAP_SERVERS",
        metavar="HOST:PORT",
        help="Kafka bootstrap servers, comma-separated (default: localhost:9092).",
    ),
]

KafkaClientIdOption = Annotated[str | None, typer.Option(help="Kafka client id.")]

NoKafkaOption = Annotated[
    bool,
    typer.Option("--no-kafka", metavar=FLAG, help="Execute everything but publish/collect."),
]

ContentServiceUrlOption = Annotated[
    str | None,
    typer.Option(envvar="CONTENT_SERVICE_URL", metavar="URL", help="Content Service upload URL."),
]

UploadConcurrencyOption = Annotated[
    int | None, typer.Option(help="Parallel uploads (default: 10).")
]

UploadAttemptsOption = Annotated[
    int | None,
    typer.Option(help=f"Tries per upload, the first included (default: {UPLOAD_ATTEMPTS})."),
]

UploadTimeoutOption = Annotated[
    float | None,
    typer.Option(help=f"Seconds one upload try may take (default: {UPLOAD_TIMEOUT_S:g})."),
]

ForceReuploadOption = Annotated[
    bool, typer.Option("--force-reupload", metavar=FLAG, help="Ignore the upload cache.")
]

UploadCacheDirOption = Annotated[
    Path | None,
    typer.Option(envvar="ENG5_UPLOAD_CACHE_DIR", metavar="PATH", help="Upload cache folder."),
]

LlmProviderOption = Annotated[
    LLMProviderType | None,
    typer.Option(
        case_sensitive=False,
        metavar="NAME",
        help=f"LLM provider override: {choices(LLMProviderType)}.",
    ),
]

LlmModelOption = Annotated[str | None, typer.Option(help="LLM model override.")]

LlmTemperatureOption = Annotated[float | None, typer.Option(help="Temperature override, 0-2.")]

LlmMaxTokensOption = Annotated[int | None, typer.Option(help="Max tokens override, > 0.")]

SystemPromptOption = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE", help="UTF-8 file: the judge's system prompt (system_prompt_override)."
    ),
]

RubricOption = Annotated[
    Path | None,
    typer.Option(metavar="FILE", help="UTF-8 file: the judge rubric (judge_rubric_override)."),
]

ReasoningEffortOption = Annotated[
    ReasoningEffort | None,
    typer.Option(
        case_sensitive=False,
        metavar="LEVEL",
        help=f"Reasoning-effort hint for reasoning models: {choices(ReasoningEffort)}.",
    ),
]

OutputVerbosityOption = Annotated[
    OutputVerbosity | None,
    typer.Option(
        case_sensitive=False,
        metavar="LEVEL",
        help=f"Answer-length hint for reasoning models: {choices(OutputVerbosity)}.",
    ),
]

LlmBatchingModeOption = Annotated[
    LLMBatchingMode | None,
    typer.Option(
        case_sensitive=False,
        metavar="MODE",
        help=f"Advisory batching hint sent to CJ: {choices(LLMBatchingMode)}.",
    ),
]

CjServiceUrlOption = Annotated[
    str | None,
    typer.Option(
        envvar="CJ_SERVICE_URL",
        metavar="URL",
        help="CJ service HTTP API (health, admin) base URL.",
    ),
]

LlmProviderUrlOption = Annotated[
    str | None,
    typer.Option(
        envvar="LLM_PROVIDER_URL",
        metavar="URL",
        help="LLM Provider base URL: validate --llm-model against its live manifest and "
        "ask it whether it runs in mock mode.",
    ),
]

MaxComparisonsOption = Annotated[int | None, typer.Option(help="Comparison budget, > 0.")]

AnchorGradesOption = Annotated[
    str | None,
    typer.Option(
        metavar="GRADES",
        help="With --mode anchor-align: only these grades' anchors, e.g. D-,E+,E-.",
    ),
]

RepeatsOption = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help="Run the batch N times into one experiment folder (rep-01 to rep-NN).",
    ),
]

AwaitCompletionOption = Annotated[
    bool,
    typer.Option(
        "--await-completion",
        metavar=FLAG,
        help="Collect callbacks until the batch completes.",
    ),
]

CompletionTimeoutOption = Annotated[
    float | None, typer.Option(help="Seconds to wait for completion (default: 1800).")
]

ResultGraceOption = Annotated[
    float | None,
    typer.Option(
        help="Seconds to wait for CJ's result after its completion; then analyse the "
        "comparisons alone (default: 60)."
    ),
]

FirstCallbackDeadlineOption = Annotated[
    float | None,
    typer.Option(
        help="Seconds without any comparison before saying CJ may not have picked the "
        "request up (default: 120)."
    ),
]

RepublishOption = Annotated[
    bool,
    typer.Option(
        "--republish",
        metavar=FLAG,
        help="On a resume, publish the saved request again (CJ never picked it up).",
    ),
]

StrictMetadataOption = Annotated[
    bool,
    typer.Option(
        "--strict-metadata",
        metavar=FLAG,
        help="Stop at the first comparison missing its essay ids/hash.",
    ),
]

DetectDifferenceOption = Annotated[
    float | None,
    typer.Option(
        metavar="TAU",
        help="With --mode plan: the τ-b difference the power estimate targets (0.1).",
    ),
]

VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", metavar=FLAG, help="Show debug logs.")
]

LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        case_sensitive=False,
        metavar="FORMAT",
        help=f"Console log format: {choices(LogFormat)}.",
    ),
]

VersionOption = Annotated[bool, typer.Option("--version", metavar=FLAG, help="Print the version.")]
