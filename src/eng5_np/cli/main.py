"""The ``eng5-runner`` command line: parse flags into settings, call a mode, map errors to exits.

No business logic lives here. ``eng5-runner --mode plan|dry-run|execute [OPTIONS]`` runs a
mode; extra actions (``verify``, ``report``, ``schema``, …) are subcommands listed by ``--help``.
The run's flags are declared in :mod:`eng5_np.cli.run_options` and, for ``--local-stack``,
:mod:`eng5_np.cli.stack_options`; this module checks how they combine and calls the mode.
"""

from __future__ import annotations

import typer
from rich.console import Console

from eng5_np import __version__
from eng5_np.cli import run_options as opt
from eng5_np.cli import stack_options as stack_opt
from eng5_np.cli.actions import models_command, report_command, schema_command, verify_command
from eng5_np.cli.admin import anchors_app, assignment_app
from eng5_np.cli.analyse import analyse_command
from eng5_np.cli.common import build_settings, fail, run_async
from eng5_np.cli.execute import execute_with_progress
from eng5_np.cli.experiments import compare_command, run_repeats_command, sweep_command
from eng5_np.cli.export import export_command
from eng5_np.cli.help import HelpCommand, HelpGroup
from eng5_np.cli.stack import stack_app
from eng5_np.contracts.enums import (
    CourseCode,
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
    mode: opt.ModeOption = RunMode.PLAN,
    dataset_dir: opt.DatasetDirOption = None,
    output_dir: opt.OutputDirOption = None,
    batch_id: opt.BatchIdOption = None,
    assignment_id: opt.AssignmentIdOption = None,
    course_id: opt.CourseIdOption = None,
    grade_scale: opt.GradeScaleOption = GradeScaleName.LEGACY_9_STEP,
    user_id: opt.UserIdOption = None,
    org_id: opt.OrgIdOption = None,
    course_code: opt.CourseCodeOption = CourseCode.ENG5,
    language: opt.LanguageOption = None,
    kafka_bootstrap: opt.KafkaBootstrapOption = None,
    kafka_client_id: opt.KafkaClientIdOption = None,
    no_kafka: opt.NoKafkaOption = False,
    content_service_url: opt.ContentServiceUrlOption = None,
    upload_concurrency: opt.UploadConcurrencyOption = None,
    upload_attempts: opt.UploadAttemptsOption = None,
    upload_timeout: opt.UploadTimeoutOption = None,
    force_reupload: opt.ForceReuploadOption = False,
    upload_cache_dir: opt.UploadCacheDirOption = None,
    llm_provider: opt.LlmProviderOption = None,
    llm_model: opt.LlmModelOption = None,
    llm_temperature: opt.LlmTemperatureOption = None,
    llm_max_tokens: opt.LlmMaxTokensOption = None,
    system_prompt: opt.SystemPromptOption = None,
    rubric: opt.RubricOption = None,
    reasoning_effort: opt.ReasoningEffortOption = None,
    output_verbosity: opt.OutputVerbosityOption = None,
    llm_batching_mode: opt.LlmBatchingModeOption = None,
    cj_service_url: opt.CjServiceUrlOption = None,
    llm_provider_url: opt.LlmProviderUrlOption = None,
    max_comparisons: opt.MaxComparisonsOption = None,
    anchor_grades: opt.AnchorGradesOption = None,
    repeats: opt.RepeatsOption = None,
    await_completion: opt.AwaitCompletionOption = False,
    completion_timeout: opt.CompletionTimeoutOption = None,
    result_grace: opt.ResultGraceOption = None,
    first_callback_deadline: opt.FirstCallbackDeadlineOption = None,
    republish: opt.RepublishOption = False,
    strict_metadata: opt.StrictMetadataOption = False,
    local_stack: stack_opt.LocalStackOption = False,
    judge_seed: stack_opt.JudgeSeedOption = None,
    judge_faults: stack_opt.JudgeFaultsOption = None,
    detect_difference: opt.DetectDifferenceOption = None,
    judge_profile: stack_opt.JudgeProfileOption = None,
    judge: stack_opt.JudgeOption = None,
    judge_concurrency: stack_opt.JudgeConcurrencyOption = None,
    judge_rpm: stack_opt.JudgeRpmOption = None,
    cost_limit: stack_opt.CostLimitOption = None,
    judge_both_orders: stack_opt.JudgeBothOrdersOption = None,
    pairing: stack_opt.PairingOption = None,
    target_precision: stack_opt.TargetPrecisionOption = None,
    judge_base_url: stack_opt.JudgeBaseUrlOption = None,
    judge_price: stack_opt.JudgePriceOption = None,
    judge_mode: stack_opt.JudgeModeOption = None,
    judge_batch_poll: stack_opt.JudgeBatchPollOption = None,
    panel: stack_opt.PanelOption = None,
    verbose: opt.VerboseOption = False,
    log_format: opt.LogFormatOption = LogFormat.CONSOLE,
    version: opt.VersionOption = False,
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
