"""The ``eng5-runner`` command line: parse flags into settings, call a mode, map errors to exits.

No business logic lives here. ``eng5-runner --mode plan|dry-run|execute [OPTIONS]`` runs a
mode; extra actions (``verify``, ``report``, ``schema``, …) are subcommands listed by ``--help``.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from eng5_np import __version__
from eng5_np.artefact.schema import load_schema
from eng5_np.artefact.verify import verify_artefact
from eng5_np.cli_admin import anchors_app, assignment_app
from eng5_np.cli_experiments import compare_command, run_repeats_command, sweep_command
from eng5_np.cli_help import FLAG, HelpCommand, HelpGroup, choices, plain_message
from eng5_np.cli_stack import LOCAL_STACK_NO_RESUME, stack_app
from eng5_np.contracts.enums import (
    CourseCode,
    LLMBatchingMode,
    LLMProviderType,
    OutputVerbosity,
    ReasoningEffort,
)
from eng5_np.dataset.anchor_subset import parse_anchor_grades
from eng5_np.errors import CollectionTimeout, DatasetError, RunnerError, UsageError
from eng5_np.grades import GradeScaleName
from eng5_np.llm_models import load_manifest
from eng5_np.logs import configure_logging, detach_run_log, get_logger
from eng5_np.modes.common import require_output_folder
from eng5_np.modes.dry_run import run_dry_run
from eng5_np.modes.plan import run_plan
from eng5_np.redaction import redact_text
from eng5_np.report.plan_view import render_plan
from eng5_np.settings import (
    UPLOAD_ATTEMPTS,
    UPLOAD_TIMEOUT_S,
    AdminCredentials,
    KafkaSecurity,
    LogFormat,
    RunMode,
    RunSettings,
)

T = TypeVar("T")
INTERRUPTED_EXIT_CODE = 130
"""Ctrl-C before collection started (the shell convention 128 + SIGINT)."""
log = get_logger(__name__)

app = typer.Typer(
    cls=HelpGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Comparative Judgement experiment runner for ENG5 NP essays.\n\n"
    "Run a mode with `eng5-runner --mode plan|dry-run|execute|anchor-align [OPTIONS]`, or an "
    "action below.",
)

FLAG_NAMES = {
    "batch_id": "--batch-id",
    "llm_temperature": "--llm-temperature",
    "llm_max_tokens": "--llm-max-tokens",
    "max_comparisons": "--max-comparisons",
    "upload_concurrency": "--upload-concurrency",
    "upload_attempts": "--upload-attempts",
    "upload_timeout": "--upload-timeout",
    "completion_timeout": "--completion-timeout",
    "kafka_bootstrap": "--kafka-bootstrap",
    "content_service_url": "--content-service-url",
    "assignment_id": "--assignment-id",
    "system_prompt_file": "--system-prompt",
    "rubric_file": "--rubric",
    "cj_service_url": "--cj-service-url",
    "llm_provider_url": "--llm-provider-url",
    "user_id": "--user-id",
    "language": "--language",
}


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(error: RunnerError) -> typer.Exit:
    """Print the one-line error (and dataset problems) and return the exit to raise."""
    console = _stderr()
    if isinstance(error, DatasetError) and len(error.problems) > 1:
        for problem in error.problems:
            console.print(f"  ✗ {redact_text(problem)}", markup=False)
    # Messages may quote a URL given with user:password@ (a service address): never show it.
    console.print(f"error: {redact_text(error.one_line())}", markup=False)
    return typer.Exit(error.exit_code)


def _run_async(factory: Callable[[], Coroutine[Any, Any, T]], *, local_stack: bool = False) -> T:
    """Run a mode coroutine; every failure becomes one line and a documented exit code."""
    try:
        return asyncio.run(factory())
    except RunnerError as error:
        # Below the console's WARNING threshold on purpose: people get the one line from
        # _fail (a second copy on screen reads as a second problem); the log file keeps it all.
        log.info("run.failed", error=error.message, exit_code=error.exit_code, exc_info=True)
        raise _fail(error) from None
    except KeyboardInterrupt:
        # Ctrl-C outside the collection loop (which turns it into a partial artefact, exit 4).
        log.info("run.interrupted", exc_info=True)
        _stderr().print(
            f"error: interrupted — {LOCAL_STACK_NO_RESUME}"
            if local_stack
            else "error: interrupted — nothing already written was lost (uploads are cached, "
            "the run folder keeps its state); run the same command again to continue.",
            markup=False,
        )
        raise typer.Exit(INTERRUPTED_EXIT_CODE) from None
    except Exception as error:
        log.error("run.crashed", error=repr(error), exc_info=True)
        crash_file = Path(tempfile.gettempdir()) / "eng5-runner-last-error.log"
        crash_file.write_text(redact_text(traceback.format_exc()), encoding="utf-8")
        _stderr().print(
            f"error: unexpected {type(error).__name__}: {redact_text(str(error))} — this is a "
            "bug; the traceback "
            f"is in {crash_file} and the run folder's runner.log.jsonl.",
            markup=False,
        )
        raise typer.Exit(1) from None
    finally:
        detach_run_log()


def _settings(values: dict[str, Any]) -> RunSettings:
    """Build settings from the given (non-None) flag values; invalid values → exit 2."""
    try:
        return RunSettings(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "options"
        flag = FLAG_NAMES.get(field, "--" + field.replace("_", "-"))
        raise _fail(UsageError(f"{flag}: {plain_message(first['msg'])}")) from None


@app.callback(invoke_without_command=True)
def main_command(
    ctx: typer.Context,
    mode: Annotated[
        RunMode,
        typer.Option("--mode", case_sensitive=False, metavar="MODE", help=f"{choices(RunMode)}."),
    ] = RunMode.PLAN,
    dataset_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="ENG5_DATASET_DIR",
            metavar="PATH",
            help="Dataset root (default: the bundled sample dataset).",
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="ENG5_OUTPUT_DIR",
            metavar="PATH",
            help="Run folder (default: eng5_runs/ and the batch label).",
        ),
    ] = None,
    batch_id: Annotated[
        str | None, typer.Option(help="Human batch label (≤64 of A-Z a-z 0-9 . _ -).")
    ] = None,
    assignment_id: Annotated[
        str | None,
        typer.Option(
            help="Assignment run: CJ uses this assignment's instructions and registered "
            "anchors; only students are sent (needs --cj-service-url, CJ_ADMIN_TOKEN). "
            "Without it: a guest run."
        ),
    ] = None,
    course_id: Annotated[str | None, typer.Option(help="Course id, a UUID (metadata).")] = None,
    grade_scale: Annotated[
        GradeScaleName,
        typer.Option(
            case_sensitive=False,
            metavar="SCALE",
            help=f"Grade scale of the anchors: {choices(GradeScaleName)}.",
        ),
    ] = GradeScaleName.LEGACY_9_STEP,
    user_id: Annotated[str | None, typer.Option(help="Request user_id.")] = None,
    org_id: Annotated[str | None, typer.Option(help="Request org_id.")] = None,
    course_code: Annotated[
        CourseCode,
        typer.Option(
            case_sensitive=False,
            metavar="CODE",
            help=f"Request course_code: {choices(CourseCode)}.",
        ),
    ] = CourseCode.ENG5,
    language: Annotated[str | None, typer.Option(help="Request language (default: en).")] = None,
    kafka_bootstrap: Annotated[
        str | None,
        typer.Option(
            envvar="KAFKA_BOOTSTRAP_SERVERS",
            metavar="HOST:PORT",
            help="Kafka bootstrap servers, comma-separated (default: localhost:9092).",
        ),
    ] = None,
    kafka_client_id: Annotated[str | None, typer.Option(help="Kafka client id.")] = None,
    no_kafka: Annotated[
        bool,
        typer.Option("--no-kafka", metavar=FLAG, help="Execute everything but publish/collect."),
    ] = False,
    content_service_url: Annotated[
        str | None,
        typer.Option(
            envvar="CONTENT_SERVICE_URL", metavar="URL", help="Content Service upload URL."
        ),
    ] = None,
    upload_concurrency: Annotated[
        int | None, typer.Option(help="Parallel uploads (default: 10).")
    ] = None,
    upload_attempts: Annotated[
        int | None,
        typer.Option(help=f"Tries per upload, the first included (default: {UPLOAD_ATTEMPTS})."),
    ] = None,
    upload_timeout: Annotated[
        float | None,
        typer.Option(help=f"Seconds one upload try may take (default: {UPLOAD_TIMEOUT_S:g})."),
    ] = None,
    force_reupload: Annotated[
        bool, typer.Option("--force-reupload", metavar=FLAG, help="Ignore the upload cache.")
    ] = False,
    upload_cache_dir: Annotated[
        Path | None,
        typer.Option(envvar="ENG5_UPLOAD_CACHE_DIR", metavar="PATH", help="Upload cache folder."),
    ] = None,
    llm_provider: Annotated[
        LLMProviderType | None,
        typer.Option(
            case_sensitive=False,
            metavar="NAME",
            help=f"LLM provider override: {choices(LLMProviderType)}.",
        ),
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="LLM model override.")] = None,
    llm_temperature: Annotated[
        float | None, typer.Option(help="Temperature override, 0-2.")
    ] = None,
    llm_max_tokens: Annotated[int | None, typer.Option(help="Max tokens override, > 0.")] = None,
    system_prompt: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="UTF-8 file: the judge's system prompt (system_prompt_override)."
        ),
    ] = None,
    rubric: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="UTF-8 file: the judge rubric (judge_rubric_override)."),
    ] = None,
    reasoning_effort: Annotated[
        ReasoningEffort | None,
        typer.Option(
            case_sensitive=False,
            metavar="LEVEL",
            help=f"Reasoning-effort hint for reasoning models: {choices(ReasoningEffort)}.",
        ),
    ] = None,
    output_verbosity: Annotated[
        OutputVerbosity | None,
        typer.Option(
            case_sensitive=False,
            metavar="LEVEL",
            help=f"Answer-length hint for reasoning models: {choices(OutputVerbosity)}.",
        ),
    ] = None,
    llm_batching_mode: Annotated[
        LLMBatchingMode | None,
        typer.Option(
            case_sensitive=False,
            metavar="MODE",
            help=f"Advisory batching hint sent to CJ: {choices(LLMBatchingMode)}.",
        ),
    ] = None,
    cj_service_url: Annotated[
        str | None,
        typer.Option(
            envvar="CJ_SERVICE_URL",
            metavar="URL",
            help="CJ service HTTP API (health, admin) base URL.",
        ),
    ] = None,
    llm_provider_url: Annotated[
        str | None,
        typer.Option(
            envvar="LLM_PROVIDER_URL",
            metavar="URL",
            help="LLM Provider base URL: validate --llm-model against its live manifest.",
        ),
    ] = None,
    max_comparisons: Annotated[int | None, typer.Option(help="Comparison budget, > 0.")] = None,
    anchor_grades: Annotated[
        str | None,
        typer.Option(
            metavar="GRADES",
            help="With --mode anchor-align: only these grades' anchors, e.g. D-,E+,E-.",
        ),
    ] = None,
    repeats: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Run the batch N times into one experiment folder (rep-01 to rep-NN).",
        ),
    ] = None,
    await_completion: Annotated[
        bool,
        typer.Option(
            "--await-completion",
            metavar=FLAG,
            help="Collect callbacks until the batch completes.",
        ),
    ] = False,
    completion_timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for completion (default: 1800).")
    ] = None,
    strict_metadata: Annotated[
        bool,
        typer.Option(
            "--strict-metadata",
            metavar=FLAG,
            help="Stop at the first comparison missing its essay ids/hash.",
        ),
    ] = False,
    local_stack: Annotated[
        bool,
        typer.Option(
            "--local-stack",
            metavar=FLAG,
            help="Start the embedded local stack for this run. It stops when the command "
            "ends, so execute always collects (as with --await-completion).",
        ),
    ] = False,
    judge_seed: Annotated[
        int | None, typer.Option(help="With --local-stack: seed of the simulated judge (0).")
    ] = None,
    judge_faults: Annotated[
        str | None,
        typer.Option(
            help="With --local-stack: fault injection, e.g. errors=0.1,duplicates=0.05 "
            "(keys: errors, duplicates, foreign, delay)."
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            metavar="JUDGE",
            help="With --local-stack: simulated (default) or a real LLM judge "
            "<provider>:<model>, provider anthropic, openai, openrouter or google; its API key "
            "from the environment.",
        ),
    ] = None,
    judge_concurrency: Annotated[
        int | None,
        typer.Option(metavar="N", help="With --local-stack: comparisons judged at once (8)."),
    ] = None,
    judge_rpm: Annotated[
        int | None,
        typer.Option(metavar="N", help="With --local-stack: provider requests per minute."),
    ] = None,
    cost_limit: Annotated[
        float | None,
        typer.Option(
            metavar="USD", help="With --local-stack: a real judge stops before spend passes it."
        ),
    ] = None,
    judge_both_orders: Annotated[
        float | None,
        typer.Option(
            metavar="FRACTION",
            help="With --local-stack: share of pairs also judged with A/B swapped.",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", metavar=FLAG, help="Show debug logs.")
    ] = False,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            case_sensitive=False,
            metavar="FORMAT",
            help=f"Console log format: {choices(LogFormat)}.",
        ),
    ] = LogFormat.CONSOLE,
    version: Annotated[
        bool, typer.Option("--version", metavar=FLAG, help="Print the version.")
    ] = False,
) -> None:
    """Run a mode: plan (inventory), dry-run (stub artefact), execute (the experiment) or
    anchor-align (the anchors only, judged as ordinary essays)."""
    if version:
        typer.echo(f"eng5-runner {__version__}")
        raise typer.Exit(0)
    configure_logging(verbose=verbose, json_console=log_format is LogFormat.JSON)
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(
        {
            "mode": mode,
            "dataset_dir": dataset_dir,
            "output_dir": output_dir,
            "batch_id": batch_id,
            "assignment_id": assignment_id,
            "course_id": course_id,
            "grade_scale": grade_scale,
            "user_id": user_id,
            "org_id": org_id,
            "course_code": course_code,
            "language": language,
            "kafka_bootstrap": kafka_bootstrap,
            "kafka_bootstrap_explicit": kafka_bootstrap is not None,
            "kafka_client_id": kafka_client_id,
            "kafka_security": KafkaSecurity(),
            "no_kafka": no_kafka,
            "content_service_url": content_service_url,
            "content_service_url_explicit": content_service_url is not None,
            "upload_concurrency": upload_concurrency,
            "upload_attempts": upload_attempts,
            "upload_timeout": upload_timeout,
            "force_reupload": force_reupload,
            "upload_cache_dir": upload_cache_dir,
            "llm_provider": llm_provider,
            "llm_model": llm_model,
            "llm_temperature": llm_temperature,
            "llm_max_tokens": llm_max_tokens,
            "system_prompt_file": system_prompt,
            "rubric_file": rubric,
            "reasoning_effort": reasoning_effort,
            "output_verbosity": output_verbosity,
            "llm_batching_mode": llm_batching_mode,
            "cj_service_url": cj_service_url,
            "llm_provider_url": llm_provider_url,
            "admin_credentials": AdminCredentials(),
            "max_comparisons": max_comparisons,
            "anchor_grades": parse_anchor_grades(anchor_grades) if anchor_grades else None,
            # The local stack stops when this command ends: a run it does not collect now
            # can never be collected (issue 8), so a local-stack execute always collects.
            "await_completion": await_completion or local_stack,
            "completion_timeout": completion_timeout,
            "strict_metadata": strict_metadata,
            "local_stack": local_stack,
            "judge_seed": judge_seed,
            "judge_faults": judge_faults,
            "judge": judge,
            "judge_concurrency": judge_concurrency,
            "judge_rpm": judge_rpm,
            "cost_limit": cost_limit,
            "judge_both_orders": judge_both_orders,
            "verbose": verbose,
            "log_format": log_format,
        }
    )
    stack_only = {
        "--judge-seed": judge_seed,
        "--judge-faults": judge_faults,
        "--judge": judge,
        "--judge-concurrency": judge_concurrency,
        "--judge-rpm": judge_rpm,
        "--cost-limit": cost_limit,
        "--judge-both-orders": judge_both_orders,
    }
    given = [flag for flag, value in stack_only.items() if value is not None]
    if given and not local_stack:
        raise _fail(UsageError(f"{', '.join(given)} only apply with --local-stack"))
    if anchor_grades is not None and settings.mode is not RunMode.ANCHOR_ALIGN:
        raise _fail(
            UsageError(
                f"--anchor-grades only applies with --mode anchor-align, not {settings.mode.value}"
                " (plan and dry-run preview an execute run)"
            )
        )
    if settings.mode is not RunMode.PLAN:
        try:  # before anything starts, the local stack included
            require_output_folder(settings.resolved_output_dir)
        except UsageError as error:
            raise _fail(error) from None
    console = Console(highlight=False, soft_wrap=True)
    if repeats is not None:
        run_repeats_command(settings, repeats, console, label_explicit=batch_id is not None)
    elif settings.mode is RunMode.PLAN:
        result = _run_async(lambda: run_plan(settings))
        render_plan(result, console)
        if not result.usable:
            count = len(result.inventory.problems)
            raise _fail(DatasetError(f"the dataset has {count} problem(s), listed above"))
    elif settings.mode is RunMode.DRY_RUN:
        dry = _run_async(lambda: run_dry_run(settings))
        console.print(
            f"Dry-run artefact written: {dry.artefact_path} ({dry.anchors} anchors, "
            f"{dry.students} students, sha256 {dry.checksum})"
        )
    else:
        _execute(settings, console)


def _execute(settings: RunSettings, console: Console) -> None:
    """Run execute mode with progress bars, then the summary, then the outcome's exit code."""
    # Imported here: execute pulls in aiokafka, numpy and choix, which slow every other command.
    from eng5_np.artefact.builder import StackInfo
    from eng5_np.modes.anchor_align import check_anchor_align, run_anchor_align
    from eng5_np.modes.collect import StopReason
    from eng5_np.modes.execute import EXTERNAL_STACK, ExecuteResult, run_execute
    from eng5_np.report.progress_view import RichProgress
    from eng5_np.report.summary import render_summary

    quiet = settings.log_format is LogFormat.JSON

    stack_info = EXTERNAL_STACK
    anchor_align = settings.mode is RunMode.ANCHOR_ALIGN
    if anchor_align:
        try:
            check_anchor_align(settings)  # before a local stack is started for nothing
        except RunnerError as error:
            raise _fail(error) from None
    run_mode = run_anchor_align if anchor_align else run_execute
    shown_progress: RichProgress | None = None

    async def run(run_settings: RunSettings, stack: StackInfo) -> ExecuteResult:
        nonlocal stack_info, shown_progress
        stack_info = stack
        if quiet:
            return await run_mode(run_settings, stack=stack, raise_on_failure=False)
        with RichProgress(console) as progress:
            shown_progress = progress
            try:
                return await run_mode(
                    run_settings, stack=stack, progress=progress, raise_on_failure=False
                )
            finally:
                shown_progress = None

    def judge_status(line: str) -> None:
        if shown_progress is not None:
            shown_progress.note(line)
        else:
            _stderr().print(line, markup=False)

    async def go() -> ExecuteResult:
        if settings.local_stack:
            from eng5_np.cli_stack import (
                judge_label,
                parse_faults,
                settings_judging,
                with_local_stack,
            )

            parse_faults(settings.judge_faults)  # bad spec → exit 2 before anything starts
            judging = settings_judging(settings)  # bad --judge or missing key → exit 2, too

            def started(pids: tuple[int, ...]) -> None:
                shown = ", ".join(str(pid) for pid in pids) or "none"
                _stderr().print(
                    f"local stack started ({judge_label(judging)}; broker pid {shown})",
                    markup=False,
                )

            result: ExecuteResult = await with_local_stack(
                settings, run, started, judging=judging, on_judge_status=judge_status
            )
            return result
        return await run(settings, EXTERNAL_STACK)

    result = _run_async(go, local_stack=settings.local_stack)
    for warning in result.warnings:
        _stderr().print(f"warning: {warning}", markup=False)
    outcome = result.outcome
    render_summary(
        console,
        result.hydrator,
        artefact_path=result.artefact_path,
        partial=outcome is None or outcome.reason is not StopReason.COMPLETED,
        stop_reason=outcome.detail if outcome is not None else _no_collection_reason(settings),
        stack_description=stack_info.description,
        simulated=stack_info.judge == "simulated",
    )
    for path in result.report_paths:
        console.print(f"report: {path}", markup=False)
    try:
        result.raise_for_outcome()
    except RunnerError as error:
        if settings.local_stack and isinstance(error, CollectionTimeout):
            # "re-run to resume" is false here: the batch lived on the stack that just stopped.
            error.advice = LOCAL_STACK_NO_RESUME
        raise _fail(error) from None


def _no_collection_reason(settings: RunSettings) -> str:
    if settings.no_kafka:
        return "--no-kafka: uploaded and wrote the request, nothing published"
    return "--await-completion not given: published, not collected"


app.add_typer(stack_app, name="stack")
app.add_typer(assignment_app, name="assignment")
app.add_typer(anchors_app, name="anchors")
app.command("compare", cls=HelpCommand)(compare_command)
app.command("sweep", cls=HelpCommand)(sweep_command)


@app.command("verify", cls=HelpCommand)
def verify_command(
    artefact: Annotated[Path, typer.Argument(help="Path to an assessment_run.*.json artefact.")],
) -> None:
    """Verify an artefact: JSON Schema, checksum, and every file in its manifest."""
    try:
        report = verify_artefact(artefact)
    except RunnerError as error:
        raise _fail(error) from None
    console = Console(highlight=False, soft_wrap=True)
    if report.ok:
        console.print(
            f"OK {artefact}: schema valid, checksum matches, {report.checked_files} manifest "
            "file(s) match."
        )
        return
    stderr = _stderr()
    for problem in report.problems:
        stderr.print(f"  ✗ {problem}", markup=False)
    stderr.print(
        f"error: {artefact} failed verification ({len(report.problems)} problem(s), listed "
        "above) — the artefact or a file it lists was changed after it was written.",
        markup=False,
    )
    raise typer.Exit(1)


@app.command("report", cls=HelpCommand)
def report_command(
    artefact: Annotated[Path, typer.Argument(help="Path to an assessment_run.*.json artefact.")],
) -> None:
    """Re-render report.md and report.html next to an existing artefact."""
    # Imported here: the checks pull in numpy and choix, which slow every other command.
    from eng5_np.report.render import write_reports

    try:
        paths = write_reports(artefact)
    except RunnerError as error:
        raise _fail(error) from None
    for path in paths:
        typer.echo(str(path))


@app.command("models", cls=HelpCommand)
def models_command(
    provider: Annotated[
        LLMProviderType | None,
        typer.Option(
            case_sensitive=False,
            metavar="NAME",
            help=f"Only this provider: {choices(LLMProviderType)}.",
        ),
    ] = None,
) -> None:
    """List the LLM models of the shipped manifest with prices (USD per million tokens)."""
    manifest = load_manifest()
    console = Console(highlight=False)
    wide = console.width >= 110  # display names only where they fit beside the ids
    table = Table(title=f"LLM models (prices as of {manifest.prices_as_of}, USD per M tokens)")
    table.add_column("provider", no_wrap=True)
    table.add_column("model", no_wrap=True)  # ids are copied into --llm-model: never split
    for column in ("in", "out", "max tokens", "status", *(("name",) if wide else ())):
        table.add_column(column, overflow="fold")
    for entry in manifest.models:
        if provider is not None and entry.provider != provider:
            continue
        table.add_row(
            entry.provider.value,
            entry.model_id,
            f"{entry.input_per_million:g}",
            f"{entry.output_per_million:g}",
            str(entry.max_tokens),
            "deprecated" if entry.deprecated else "current",
            *((entry.display_name,) if wide else ()),
        )
    console.print(table)


@app.command("schema", cls=HelpCommand)
def schema_command() -> None:
    """Print the artefact JSON Schema this runner writes."""
    typer.echo(json.dumps(load_schema(), indent=2))


# The admin subcommands (cli_admin) share the same parsing, running and failing.
fail = _fail
run_async = _run_async
build_settings = _settings


def main() -> None:
    """Console-script entry point."""
    app()
