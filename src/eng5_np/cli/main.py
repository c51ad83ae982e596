"""The ``eng5-runner`` command line: parse flags into settings, call a mode, map errors to exits.

No business logic lives here. ``eng5-runner --mode plan|dry-run|execute [OPTIONS]`` runs a
mode; extra actions (``verify``, ``report``, ``schema``, …) are subcommands listed by ``--help``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from eng5_np import __version__
from eng5_np.cli.actions import models_command, report_command, schema_command, verify_command
from eng5_np.cli.admin import anchors_app, assignment_app
from eng5_np.cli.analyse import analyse_command
from eng5_np.cli.common import build_settings, fail, run_async
from eng5_np.cli.execute import execute_with_progress
from eng5_np.cli.experiments import compare_command, run_repeats_command, sweep_command
from eng5_np.cli.export import export_command
from eng5_np.cli.help import FLAG, HelpCommand, HelpGroup, choices, enum_parser
from eng5_np.cli.stack import stack_app
from eng5_np.contracts.enums import (
    CourseCode,
    LLMBatchingMode,
    LLMProviderType,
    OutputVerbosity,
    ReasoningEffort,
)
from eng5_np.dataset.anchor_subset import parse_anchor_grades
from eng5_np.dataset.inventory import plan_advice
from eng5_np.errors import DatasetError, UsageError
from eng5_np.logs import configure_logging
from eng5_np.modes.common import require_output_folder
from eng5_np.modes.dry_run import run_dry_run
from eng5_np.modes.plan import run_plan
from eng5_np.reference.grades import GradeScaleName
from eng5_np.report.plan_view import render_plan
from eng5_np.settings import (
    UPLOAD_ATTEMPTS,
    UPLOAD_TIMEOUT_S,
    AdminCredentials,
    KafkaSecurity,
    LogFormat,
    PairingDesignName,
    RunMode,
)

app = typer.Typer(
    cls=HelpGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Comparative Judgement experiment runner for ENG5 NP essays.\n\n"
    "Run a mode with `eng5-runner --mode plan|dry-run|execute|anchor-align [OPTIONS]`, or an "
    "action below.",
)


@app.callback(invoke_without_command=True)
def main_command(
    ctx: typer.Context,
    mode: Annotated[
        RunMode,
        typer.Option(
            "--mode",
            parser=enum_parser(RunMode),
            metavar="MODE",
            help=f"{choices(RunMode)}.",
        ),
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
            help="LLM Provider base URL: validate --llm-model against its live manifest and "
            "ask it whether it runs in mock mode.",
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
    result_grace: Annotated[
        float | None,
        typer.Option(
            help="Seconds to wait for CJ's result after its completion; then analyse the "
            "comparisons alone (default: 60)."
        ),
    ] = None,
    first_callback_deadline: Annotated[
        float | None,
        typer.Option(
            help="Seconds without any comparison before saying CJ may not have picked the "
            "request up (default: 120)."
        ),
    ] = None,
    republish: Annotated[
        bool,
        typer.Option(
            "--republish",
            metavar=FLAG,
            help="On a resume, publish the saved request again (CJ never picked it up).",
        ),
    ] = False,
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
            "(keys: errors, duplicates, foreign, delay, no-result, ignore-requests)."
        ),
    ] = None,
    detect_difference: Annotated[
        float | None,
        typer.Option(
            metavar="TAU",
            help="With --mode plan: the τ-b difference the power estimate targets (0.1).",
        ),
    ] = None,
    judge_profile: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="With --local-stack: JSON judge profile (the simulated judge's effects per "
            "model, reasoning effort and prompt).",
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            metavar="JUDGE",
            help="With --local-stack: simulated (default) or a real LLM judge "
            "<provider>:<model>, provider anthropic, openai, openrouter or google (its API key "
            "from the environment), or openai-compatible, ollama or vllm (a local server); "
            "a panel: several, comma-separated.",
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
    pairing: Annotated[
        PairingDesignName | None,
        typer.Option(
            case_sensitive=False,
            metavar="DESIGN",
            help="With --local-stack: how CJ chooses pairs and when it stops: "
            f"{choices(PairingDesignName)} (default platform).",
        ),
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            metavar="X",
            help="With --pairing adaptive: stop at this mean SE (execute) or τ-b interval "
            "width (anchor-align), or at the budget.",
        ),
    ] = None,
    judge_base_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="With --local-stack: base URL of an OpenAI-compatible judge server "
            "(else OPENAI_BASE_URL; ollama: http://127.0.0.1:11434/v1).",
        ),
    ] = None,
    judge_price: Annotated[
        str | None,
        typer.Option(
            metavar="IN,OUT",
            help="With --local-stack: USD per million input,output tokens of an "
            "OpenAI-compatible judge (unpriced without it).",
        ),
    ] = None,
    judge_mode: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="With --local-stack and an anthropic:, openai: or google: judge: live "
            "(default) or "
            "batch (the provider's batch API at half price; a killed run re-run resumes "
            "polling).",
        ),
    ] = None,
    judge_batch_poll: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="With --judge-mode batch: first wait between polls (10; grows to 60).",
        ),
    ] = None,
    panel: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="With --local-stack and --judge A,B (a panel): split (each comparison by "
            "one judge, dealt evenly; default) or all (by every judge).",
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
    settings = build_settings(
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
            "result_grace": result_grace,
            "first_callback_deadline": first_callback_deadline,
            "republish": republish,
            "strict_metadata": strict_metadata,
            "local_stack": local_stack,
            "judge_seed": judge_seed,
            "judge_faults": judge_faults,
            "judge_profile": judge_profile,
            "detect_difference": detect_difference,
            "judge": judge,
            "judge_concurrency": judge_concurrency,
            "judge_rpm": judge_rpm,
            "cost_limit": cost_limit,
            "judge_both_orders": judge_both_orders,
            "pairing": pairing,
            "target_precision": target_precision,
            "judge_base_url": judge_base_url,
            "judge_price": judge_price,
            "judge_panel": panel,
            "judge_mode": judge_mode,
            "judge_batch_poll": judge_batch_poll,
            "verbose": verbose,
            "log_format": log_format,
        }
    )
    stack_only = {
        "--judge-seed": judge_seed,
        "--judge-faults": judge_faults,
        "--judge-profile": judge_profile,
        "--judge": judge,
        "--judge-concurrency": judge_concurrency,
        "--judge-rpm": judge_rpm,
        "--cost-limit": cost_limit,
        "--judge-both-orders": judge_both_orders,
        "--pairing": pairing,
        "--target-precision": target_precision,
        "--judge-base-url": judge_base_url,
        "--judge-price": judge_price,
        "--panel": panel,
        "--judge-mode": judge_mode,
        "--judge-batch-poll": judge_batch_poll,
    }
    given = [flag for flag, value in stack_only.items() if value is not None]
    if given and not local_stack:
        verb = "applies" if len(given) == 1 else "apply"
        raise fail(UsageError(f"{', '.join(given)} only {verb} with --local-stack"))
    if target_precision is not None and settings.pairing is not PairingDesignName.ADAPTIVE:
        raise fail(UsageError("--target-precision only applies with --pairing adaptive"))
    if judge_profile is not None:
        from eng5_np.reference.judge_profiles import load_judge_profile

        try:  # a bad profile file → exit 2 before anything starts
            load_judge_profile(judge_profile)
        except UsageError as error:
            raise fail(error) from None
    if anchor_grades is not None and settings.mode is not RunMode.ANCHOR_ALIGN:
        raise fail(
            UsageError(
                f"--anchor-grades only applies with --mode anchor-align, not {settings.mode.value}"
                " (plan and dry-run preview an execute run)"
            )
        )
    if settings.mode is not RunMode.PLAN:
        try:  # before anything starts, the local stack included
            require_output_folder(settings.resolved_output_dir)
        except UsageError as error:
            raise fail(error) from None
    console = Console(highlight=False, soft_wrap=True)
    if repeats is not None:
        run_repeats_command(settings, repeats, console, label_explicit=batch_id is not None)
    elif settings.mode is RunMode.PLAN:
        result = run_async(lambda: run_plan(settings))
        render_plan(result, console)
        if not result.usable:
            count = len(result.inventory.problems)
            raise fail(
                DatasetError(
                    f"the dataset has {count} problem(s), listed above",
                    advice=plan_advice(result.inventory.dataset_dir),
                )
            )
    elif settings.mode is RunMode.DRY_RUN:
        dry = run_async(lambda: run_dry_run(settings))
        console.print(
            f"Dry-run artefact written: {dry.artefact_path} ({dry.anchors} anchors, "
            f"{dry.students} students, sha256 {dry.checksum})"
        )
    else:
        execute_with_progress(settings, console)


app.add_typer(stack_app, name="stack")
app.add_typer(assignment_app, name="assignment")
app.add_typer(anchors_app, name="anchors")
app.command("compare", cls=HelpCommand)(compare_command)
app.command("sweep", cls=HelpCommand)(sweep_command)
app.command("export", cls=HelpCommand)(export_command)


app.command("verify", cls=HelpCommand)(verify_command)
app.command("analyse", cls=HelpCommand)(analyse_command)
app.command("report", cls=HelpCommand)(report_command)
app.command("models", cls=HelpCommand)(models_command)
app.command("schema", cls=HelpCommand)(schema_command)


def main() -> None:
    """Console-script entry point."""
    app()
