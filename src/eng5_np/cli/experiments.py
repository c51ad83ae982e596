"""CLI glue for experiments (SPEC §12): ``--repeats N``, ``eng5-runner compare`` and ``sweep``.

Parsing and printing only; the work is in :mod:`eng5_np.experiments`. With ``--local-stack``
one embedded stack is started for the whole experiment and serves every repeat and cell (a
stack start per batch would cost seconds each and give nothing: each batch has its own wire id).
Exit codes: 0 when every batch completed, else the highest of the batches' codes (4 partial,
5 failed); usage and dependency errors (2, 3) stop at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from eng5_np.cli.common import build_settings, fail, run_async, stderr_console
from eng5_np.cli.help import enum_parser
from eng5_np.contracts.enums import LLMProviderType
from eng5_np.errors import RunnerError, UsageError
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import LogFormat, PairingDesignName, RunMode, RunSettings

if TYPE_CHECKING:
    from eng5_np.artefact.builder import StackInfo
    from eng5_np.experiments.modes import RunOne
    from eng5_np.experiments.sweep import SweepPlan

T = TypeVar("T")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


async def _with_stack(
    settings: RunSettings, body: Callable[[RunSettings, StackInfo], Awaitable[T]]
) -> T:
    """Run ``body`` against the local stack (one for the whole experiment) or the given one."""
    from eng5_np.modes.execute import EXTERNAL_STACK

    if not settings.local_stack:
        return await body(settings, EXTERNAL_STACK)
    from eng5_np.cli.stack_run import parse_faults, with_local_stack

    parse_faults(settings.judge_faults)  # bad spec → exit 2 before anything starts
    if settings.judge_profile is not None:
        from eng5_np.reference.judge_profiles import load_judge_profile

        load_judge_profile(settings.judge_profile)

    def started(pids: tuple[int, ...]) -> None:
        shown = ", ".join(str(pid) for pid in pids) or "none"
        stderr_console().print(
            f"local stack started for the whole experiment (simulated judge; broker pid {shown})",
            markup=False,
        )

    result: T = await with_local_stack(settings, body, started)
    return result


def _run_one(settings: RunSettings, console: Console) -> RunOne:
    """One batch with progress bars (quiet with --log-format json)."""
    from eng5_np.experiments.modes import default_run_one
    from eng5_np.report.progress_view import RichProgress

    if settings.log_format is LogFormat.JSON:
        return default_run_one()

    async def run_one(run_settings: RunSettings, stack: StackInfo) -> Any:
        with RichProgress(console) as progress:
            return await default_run_one(progress)(run_settings, stack)

    return run_one


def _finish(exit_code: int, what: str) -> None:
    """Exit with the experiment's code and one line saying what to do."""

    if exit_code == 0:
        return
    advice = {
        4: "some batch did not complete; run the same command again to resume it",
        5: "the CJ service failed some batch; read its artefact's runner_status.failed, delete "
        "that repeat's folder and run the same command again to retry it",
    }.get(exit_code, "see the repeats' runner.log.jsonl")
    stderr_console().print(f"error: {what} ended with exit {exit_code} — {advice}", markup=False)
    raise typer.Exit(exit_code)


def run_repeats_command(
    settings: RunSettings, repeats: int, console: Console, *, label_explicit: bool
) -> None:
    """``--mode execute --repeats N``: run the experiment, print its summary, exit."""
    from eng5_np.experiments.modes import experiment_runner
    from eng5_np.experiments.repeats import (
        ExperimentResult,
        check_repeat_count,
        open_record,
        run_repeats,
    )
    from eng5_np.modes.common import check_dataset
    from eng5_np.report.experiment_view import summary_lines

    try:
        # Before any stack starts: a bad count, plan/dry-run, --no-kafka, a folder of other
        # settings or an unusable dataset → 2.
        check_repeat_count(repeats)
        experiment_runner(settings.mode)
        open_record(settings, repeats, settings.resolved_output_dir, label_explicit)
        check_dataset(settings)
    except RunnerError as error:
        raise fail(error) from None
    say = _notify(console)

    async def body(run_settings: RunSettings, stack: StackInfo) -> ExperimentResult:
        return await run_repeats(
            run_settings,
            repeats=repeats,
            stack=stack,
            label_explicit=label_explicit,
            run_one=_run_one(run_settings, console),
            notify=say,
        )

    result = run_async(lambda: _with_stack(settings, body))
    console.print(f"experiment: {result.folder / 'experiment.json'}", markup=False)
    for line in summary_lines(result.view):
        console.print(line, markup=False)
    for path in result.report_paths:
        console.print(f"report: {path}", markup=False)
    _finish(result.exit_code, f"experiment {result.record.batch_label}")


def _notify(console: Console) -> Callable[[str], None]:
    def say(message: str) -> None:
        console.print(message, markup=False)

    return say


def compare_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Artefacts, run folders, experiment folders or sweep folders."),
    ],
    output_dir: Annotated[
        Path | None, typer.Option(help="Also write compare.md and compare.html here.")
    ] = None,
) -> None:
    """Compare runs side by side: settings that differ, τ [CI], inversions, SSR, bias, cost."""
    from eng5_np.experiments.compare import run_compare
    from eng5_np.report.compare_view_terminal import render_comparison

    try:
        result = run_compare(paths, output_dir)
    except RunnerError as error:
        raise fail(error) from None
    for warning in result.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)
    console = Console(highlight=False)  # sentences wrap at the terminal's width
    render_comparison(console, result.comparison)
    for path in result.report_paths:
        console.print(f"report: {path}", markup=False, soft_wrap=True)  # paths stay whole


def _print_plan(console: Console, plan: SweepPlan) -> None:
    from rich.table import Table

    table = Table(title="Sweep cells (folder: values)", title_justify="left")
    table.add_column("cell", overflow="fold")
    table.add_column("priced as", overflow="fold")
    table.add_column("est. USD", justify="right", no_wrap=True)
    for cell in plan.cells:
        values = "\n".join(f"  {k} {v}" for k, v in cell.values.items()) or "  base settings"
        usd = "unknown" if cell.estimate_usd is None else f"{cell.estimate_usd:.2f}"
        table.add_row(f"{cell.name}\n{values}", cell.priced_as or "—", usd)
    console.print(table)
    total = "unknown" if plan.total_usd is None else f"${plan.total_usd:.2f}"
    console.print(f"Estimated cost of the sweep: {total}", markup=False)
    for note in plan.notes:
        console.print(note, markup=False)
    from eng5_np.report.plan_view import sweep_power_lines

    for line in sweep_power_lines(plan.power, plan.star_share, plan.profile):
        console.print(line, markup=False)


def sweep_command(
    mode: Annotated[
        RunMode,
        typer.Option(
            "--mode", parser=enum_parser(RunMode), metavar="MODE", help="execute or anchor-align."
        ),
    ] = RunMode.EXECUTE,
    llm_model: Annotated[str | None, typer.Option(help="Models, comma-separated.")] = None,
    reasoning_effort: Annotated[
        str | None,
        typer.Option(help="Reasoning efforts, comma-separated, of none, low, medium, high."),
    ] = None,
    system_prompt: Annotated[
        str | None, typer.Option(help="System prompt files, comma-separated.")
    ] = None,
    rubric: Annotated[str | None, typer.Option(help="Rubric files, comma-separated.")] = None,
    repeats: Annotated[int, typer.Option(help="Repeats per cell.")] = 1,
    cost_limit: Annotated[
        float | None, typer.Option(help="Refuse (exit 2) when the estimate is above this USD.")
    ] = None,
    dataset_dir: Annotated[
        Path | None, typer.Option(envvar="ENG5_DATASET_DIR", help="Dataset root.")
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(envvar="ENG5_OUTPUT_DIR", help="Sweep folder (default ./eng5_runs/<id>)."),
    ] = None,
    batch_id: Annotated[str | None, typer.Option(help="Label of the sweep.")] = None,
    grade_scale: Annotated[
        GradeScaleName, typer.Option(case_sensitive=False, help="Grade scale of the anchors.")
    ] = GradeScaleName.LEGACY_9_STEP,
    llm_provider: Annotated[
        LLMProviderType | None, typer.Option(case_sensitive=False, help="LLM provider.")
    ] = None,
    max_comparisons: Annotated[int | None, typer.Option(help="Budget per batch.")] = None,
    completion_timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait per batch (default: 1800).")
    ] = None,
    kafka_bootstrap: Annotated[
        str | None,
        typer.Option(
            envvar="KAFKA_BOOTSTRAP_SERVERS",
            help="Kafka bootstrap servers, host:port, comma-separated.",
        ),
    ] = None,
    content_service_url: Annotated[
        str | None, typer.Option(envvar="CONTENT_SERVICE_URL", help="Content Service URL.")
    ] = None,
    upload_cache_dir: Annotated[
        Path | None, typer.Option(envvar="ENG5_UPLOAD_CACHE_DIR", help="Upload cache folder.")
    ] = None,
    local_stack: Annotated[
        bool, typer.Option(help="One embedded stack for the sweep (one per batch with --judge).")
    ] = False,
    judge_seed: Annotated[int | None, typer.Option(help="Seed of the simulated judge.")] = None,
    pairing: Annotated[
        PairingDesignName | None,
        typer.Option(case_sensitive=False, help="With --local-stack: pairing design (platform)."),
    ] = None,
    judge_profile: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="With --local-stack: JSON judge profile (effects per model, effort, prompt).",
        ),
    ] = None,
    detect_difference: Annotated[
        float | None,
        typer.Option(metavar="TAU", help="τ-b difference the power estimate targets (0.1)."),
    ] = None,
    judge: Annotated[
        list[str] | None,
        typer.Option(
            metavar="JUDGE",
            help="With --local-stack: a real judge per cell; repeat the flag (A,B = a panel).",
        ),
    ] = None,
    judge_base_url: Annotated[
        str | None, typer.Option(metavar="URL", help="OpenAI-compatible judges' base URL.")
    ] = None,
    judge_price: Annotated[
        str | None,
        typer.Option(metavar="IN,OUT", help="USD per million tokens, compatible judges."),
    ] = None,
    panel: Annotated[
        str | None, typer.Option(metavar="MODE", help="Judge panels' dealing: split or all.")
    ] = None,
) -> None:
    """Run judges × models × reasoning efforts × system prompts × rubrics as one resumable
    experiment."""
    from eng5_np.cli.sweep_judges import check_judges, on_own_stack, per_batch_stacks
    from eng5_np.experiments.sweep import SweepResult, check_cost_limit, plan_sweep, run_sweep
    from eng5_np.experiments.sweep_cells import build_cells, split_list
    from eng5_np.experiments.sweep_judges import check_llm_models_on_stack
    from eng5_np.report.compare_view_terminal import render_comparison

    settings = build_settings(
        {
            "mode": mode,
            "dataset_dir": dataset_dir,
            "output_dir": output_dir,
            "batch_id": batch_id,
            "grade_scale": grade_scale,
            "llm_provider": llm_provider,
            "max_comparisons": max_comparisons,
            "completion_timeout": completion_timeout,
            "kafka_bootstrap": kafka_bootstrap,
            "kafka_bootstrap_explicit": kafka_bootstrap is not None,
            "content_service_url": content_service_url,
            "content_service_url_explicit": content_service_url is not None,
            "upload_cache_dir": upload_cache_dir,
            "local_stack": local_stack,
            "judge_seed": judge_seed,
            "pairing": pairing,
            "judge_profile": judge_profile,
            "detect_difference": detect_difference,
            "judge_base_url": judge_base_url,
            "judge_price": judge_price,
            "judge_panel": panel,
            "await_completion": True,
        }
    )
    console = _console()
    judges = list(dict.fromkeys(j.strip() for j in judge or []))
    try:
        stack_only = {
            "--judge-seed": judge_seed,
            "--pairing": pairing,
            "--judge-profile": judge_profile,
            "--judge": judge or None,
            "--panel": panel,
        }
        given = [flag for flag, value in stack_only.items() if value is not None]
        if given and not local_stack:
            verb = "applies" if len(given) == 1 else "apply"
            raise UsageError(f"{', '.join(given)} only {verb} with --local-stack")
        from eng5_np.experiments.modes import experiment_runner

        experiment_runner(settings.mode)
        models = split_list("--llm-model", llm_model)
        check_llm_models_on_stack(settings, models)
        check_judges(settings, judges)
        cells = build_cells(
            models,
            split_list("--reasoning-effort", reasoning_effort),
            split_list("--system-prompt", system_prompt),
            split_list("--rubric", rubric),
            judges,
        )
        plan = plan_sweep(settings, cells, repeats)
        _print_plan(console, plan)
        check_cost_limit(plan, cost_limit)
    except RunnerError as error:
        raise fail(error) from None

    async def body(run_settings: RunSettings, stack: StackInfo) -> SweepResult:
        return await run_sweep(
            run_settings,
            plan,
            stack=stack,
            label_explicit=batch_id is not None,
            cost_limit=cost_limit,
            run_one=_run_one(run_settings, console),
            notify=_notify(console),
        )

    if judges:  # each batch on a stack of its own, with its cell's judge
        run = _run_one(settings, console)
        result = run_async(
            lambda: run_sweep(
                settings,
                plan,
                stack=per_batch_stacks(),
                label_explicit=batch_id is not None,
                cost_limit=cost_limit,
                run_one=on_own_stack(run),
                notify=_notify(console),
            ),
            local_stack=True,
        )
    else:
        result = run_async(lambda: _with_stack(settings, body))
    console.print(f"sweep: {result.folder / 'sweep.json'}", markup=False)
    if result.comparison is not None:
        render_comparison(console, result.comparison.comparison)
        for path in result.comparison.report_paths:
            console.print(f"report: {path}", markup=False)
    _finish(result.exit_code, "sweep")
