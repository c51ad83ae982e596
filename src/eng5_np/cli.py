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
from eng5_np.cli_stack import stack_app
from eng5_np.contracts.enums import CourseCode, LLMProviderType
from eng5_np.errors import DatasetError, RunnerError, UsageError
from eng5_np.grades import GradeScaleName
from eng5_np.llm_models import load_manifest
from eng5_np.logs import configure_logging, detach_run_log, get_logger
from eng5_np.modes.dry_run import run_dry_run
from eng5_np.modes.plan import run_plan
from eng5_np.report.plan_view import render_plan
from eng5_np.settings import KafkaSecurity, LogFormat, RunMode, RunSettings

T = TypeVar("T")
INTERRUPTED_EXIT_CODE = 130
"""Ctrl-C before collection started (the shell convention 128 + SIGINT)."""
log = get_logger(__name__)

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Comparative Judgement experiment runner for ENG5 NP essays.\n\n"
    "Run a mode with `eng5-runner --mode plan|dry-run|execute [OPTIONS]`, or an action below.",
)

FLAG_NAMES = {
    "batch_id": "--batch-id",
    "llm_temperature": "--llm-temperature",
    "llm_max_tokens": "--llm-max-tokens",
    "max_comparisons": "--max-comparisons",
    "upload_concurrency": "--upload-concurrency",
    "completion_timeout": "--completion-timeout",
    "kafka_bootstrap": "--kafka-bootstrap",
    "content_service_url": "--content-service-url",
    "assignment_id": "--assignment-id",
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
            console.print(f"  ✗ {problem}", markup=False)
    console.print(f"error: {error.one_line()}", markup=False)
    return typer.Exit(error.exit_code)


def _run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
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
            "error: interrupted — nothing already written was lost (uploads are cached, the "
            "run folder keeps its state); run the same command again to continue.",
            markup=False,
        )
        raise typer.Exit(INTERRUPTED_EXIT_CODE) from None
    except Exception as error:
        log.error("run.crashed", error=repr(error), exc_info=True)
        crash_file = Path(tempfile.gettempdir()) / "eng5-runner-last-error.log"
        crash_file.write_text(traceback.format_exc(), encoding="utf-8")
        _stderr().print(
            f"error: unexpected {type(error).__name__}: {error} — this is a bug; the traceback "
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
        raise _fail(UsageError(f"{flag}: {first['msg']}")) from None


@app.callback(invoke_without_command=True)
def main_command(
    ctx: typer.Context,
    mode: Annotated[
        RunMode, typer.Option("--mode", case_sensitive=False, help="plan, dry-run or execute.")
    ] = RunMode.PLAN,
    dataset_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="ENG5_DATASET_DIR", help="Dataset root (default: the bundled sample dataset)."
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="ENG5_OUTPUT_DIR", help="Run folder (default: ./eng5_runs/<batch-id>)."
        ),
    ] = None,
    batch_id: Annotated[
        str | None, typer.Option(help="Human batch label (≤64 of A-Z a-z 0-9 . _ -).")
    ] = None,
    assignment_id: Annotated[str | None, typer.Option(help="Assignment id (metadata).")] = None,
    course_id: Annotated[str | None, typer.Option(help="Course id, a UUID (metadata).")] = None,
    grade_scale: Annotated[
        GradeScaleName, typer.Option(case_sensitive=False, help="Grade scale of the anchors.")
    ] = GradeScaleName.LEGACY_9_STEP,
    user_id: Annotated[str | None, typer.Option(help="Request user_id.")] = None,
    org_id: Annotated[str | None, typer.Option(help="Request org_id.")] = None,
    course_code: Annotated[
        CourseCode, typer.Option(case_sensitive=False, help="Request course_code.")
    ] = CourseCode.ENG5,
    language: Annotated[str | None, typer.Option(help="Request language (default: en).")] = None,
    kafka_bootstrap: Annotated[
        str | None,
        typer.Option(
            envvar="KAFKA_BOOTSTRAP_SERVERS",
            help="Kafka bootstrap host:port[,…] (default: localhost:9092).",
        ),
    ] = None,
    kafka_client_id: Annotated[str | None, typer.Option(help="Kafka client id.")] = None,
    no_kafka: Annotated[bool, typer.Option(help="Execute everything but publish/collect.")] = False,
    content_service_url: Annotated[
        str | None, typer.Option(envvar="CONTENT_SERVICE_URL", help="Content Service upload URL.")
    ] = None,
    upload_concurrency: Annotated[
        int | None, typer.Option(help="Parallel uploads (default: 10).")
    ] = None,
    force_reupload: Annotated[bool, typer.Option(help="Ignore the upload cache.")] = False,
    upload_cache_dir: Annotated[
        Path | None, typer.Option(envvar="ENG5_UPLOAD_CACHE_DIR", help="Upload cache folder.")
    ] = None,
    llm_provider: Annotated[
        LLMProviderType | None, typer.Option(case_sensitive=False, help="LLM provider override.")
    ] = None,
    llm_model: Annotated[str | None, typer.Option(help="LLM model override.")] = None,
    llm_temperature: Annotated[
        float | None, typer.Option(help="Temperature override, 0-2.")
    ] = None,
    llm_max_tokens: Annotated[int | None, typer.Option(help="Max tokens override, > 0.")] = None,
    max_comparisons: Annotated[int | None, typer.Option(help="Comparison budget, > 0.")] = None,
    await_completion: Annotated[
        bool, typer.Option(help="Collect callbacks until the batch completes.")
    ] = False,
    completion_timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for completion (default: 1800).")
    ] = None,
    strict_metadata: Annotated[
        bool, typer.Option(help="Stop at the first comparison missing its essay ids/hash.")
    ] = False,
    local_stack: Annotated[
        bool, typer.Option(help="Start the embedded local stack for this run.")
    ] = False,
    judge_seed: Annotated[
        int | None, typer.Option(help="With --local-stack: seed of the simulated judge (0).")
    ] = None,
    judge_faults: Annotated[
        str | None,
        typer.Option(
            help="With --local-stack: fault injection, e.g. errors=0.1,duplicates=0.05,"
            "foreign=3,delay=0.01."
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            help="With --local-stack: simulated (default) or a real LLM judge "
            "anthropic|openai|openrouter|google:<model>; its API key from the environment."
        ),
    ] = None,
    judge_concurrency: Annotated[
        int | None, typer.Option(help="With --local-stack: comparisons judged at once (8).")
    ] = None,
    judge_rpm: Annotated[
        int | None, typer.Option(help="With --local-stack: provider requests per minute.")
    ] = None,
    cost_limit: Annotated[
        float | None,
        typer.Option(help="With --local-stack: USD; a real judge stops before spend passes it."),
    ] = None,
    judge_both_orders: Annotated[
        float | None,
        typer.Option(help="With --local-stack: share of pairs also judged with A/B swapped."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show debug logs.")] = False,
    log_format: Annotated[
        LogFormat, typer.Option(case_sensitive=False, help="Console log format.")
    ] = LogFormat.CONSOLE,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    """Run a mode: plan (inventory), dry-run (stub artefact) or execute (the experiment)."""
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
            "force_reupload": force_reupload,
            "upload_cache_dir": upload_cache_dir,
            "llm_provider": llm_provider,
            "llm_model": llm_model,
            "llm_temperature": llm_temperature,
            "llm_max_tokens": llm_max_tokens,
            "max_comparisons": max_comparisons,
            "await_completion": await_completion,
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
    console = Console(highlight=False, soft_wrap=True)
    if settings.mode is RunMode.PLAN:
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
    from eng5_np.modes.collect import StopReason
    from eng5_np.modes.execute import EXTERNAL_STACK, ExecuteResult, run_execute
    from eng5_np.report.progress_view import RichProgress
    from eng5_np.report.summary import render_summary

    quiet = settings.log_format is LogFormat.JSON

    stack_info = EXTERNAL_STACK
    shown_progress: RichProgress | None = None

    async def run(run_settings: RunSettings, stack: StackInfo) -> ExecuteResult:
        nonlocal stack_info, shown_progress
        stack_info = stack
        if quiet:
            return await run_execute(run_settings, stack=stack, raise_on_failure=False)
        with RichProgress(console) as progress:
            shown_progress = progress
            try:
                return await run_execute(
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

    result = _run_async(go)
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
    )
    for path in result.report_paths:
        console.print(f"report: {path}", markup=False)
    try:
        result.raise_for_outcome()
    except RunnerError as error:
        raise _fail(error) from None


def _no_collection_reason(settings: RunSettings) -> str:
    if settings.no_kafka:
        return "--no-kafka: uploaded and wrote the request, nothing published"
    return "--await-completion not given: published, not collected"


app.add_typer(stack_app, name="stack")


@app.command("verify")
def verify_command(
    artefact: Annotated[Path, typer.Argument(help="Path to an assessment_run.*.json artefact.")],
) -> None:
    """Verify an artefact: JSON Schema, checksum, and every file in its manifest."""
    report = verify_artefact(artefact)
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


@app.command("report")
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


@app.command("models")
def models_command(
    provider: Annotated[
        LLMProviderType | None, typer.Option(case_sensitive=False, help="Only this provider.")
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


@app.command("schema")
def schema_command() -> None:
    """Print the artefact JSON Schema this runner writes."""
    typer.echo(json.dumps(load_schema(), indent=2))


def main() -> None:
    """Console-script entry point."""
    app()
