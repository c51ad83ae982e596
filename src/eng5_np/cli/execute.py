"""``eng5-runner --mode execute|anchor-align``: the run with progress bars, then the summary,
then the outcome's exit code (the local stack started around it when asked)."""

from __future__ import annotations

from rich.console import Console

from eng5_np.cli.common import LOCAL_STACK_NO_RESUME, fail, run_async, stderr_console
from eng5_np.cli.stack_run import JUDGE_BATCHES
from eng5_np.errors import CollectionTimeout, RunnerError
from eng5_np.settings import LogFormat, RunMode, RunSettings


def execute_with_progress(settings: RunSettings, console: Console) -> None:
    """Run execute mode with progress bars, then the summary, then the outcome's exit code."""
    # Imported here: execute pulls in aiokafka, numpy and choix, which slow every other command.
    from eng5_np.artefact.builder import StackInfo
    from eng5_np.modes.anchor_align import check_anchor_align, run_anchor_align
    from eng5_np.modes.collect import StopReason
    from eng5_np.modes.common import check_dataset
    from eng5_np.modes.execute import EXTERNAL_STACK, ExecuteResult, run_execute
    from eng5_np.modes.execute_artefact import effective_stack
    from eng5_np.report.progress_view import RichProgress
    from eng5_np.report.summary import render_summary

    quiet = settings.log_format is LogFormat.JSON

    stack_info = EXTERNAL_STACK
    anchor_align = settings.mode is RunMode.ANCHOR_ALIGN
    try:  # before a local stack is started for nothing
        if anchor_align:
            check_anchor_align(settings)
        if settings.local_stack:
            check_dataset(settings)
    except RunnerError as error:
        raise fail(error) from None
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
            stderr_console().print(line, markup=False)

    async def go() -> ExecuteResult:
        if settings.local_stack:
            from eng5_np.cli.stack_run import (
                judge_label,
                parse_faults,
                settings_judging,
                with_local_stack,
            )

            parse_faults(settings.judge_faults)  # bad spec → exit 2 before anything starts
            judging = settings_judging(settings)  # bad --judge or missing key → exit 2, too
            _set_aside_gone_stack_attempt(settings)

            def started(pids: tuple[int, ...]) -> None:
                shown = ", ".join(str(pid) for pid in pids) or "none"
                stderr_console().print(
                    f"local stack started ({judge_label(judging)}; broker pid {shown})",
                    markup=False,
                )

            result: ExecuteResult = await with_local_stack(
                settings, run, started, judging=judging, on_judge_status=judge_status
            )
            return result
        return await run(settings, EXTERNAL_STACK)

    result = run_async(go, local_stack=settings.local_stack)
    for warning in result.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)
    outcome = result.outcome
    # What the artefact records: a stack given by address (`stack up`, compose) whose
    # callbacks came from a simulated/mock judge is shown as simulated too.
    shown_stack = effective_stack(stack_info, result.hydrator)
    render_summary(
        console,
        result.hydrator,
        artefact_path=result.artefact_path,
        partial=outcome is None or outcome.reason is not StopReason.COMPLETED,
        stop_reason=outcome.detail if outcome is not None else _no_collection_reason(settings),
        stack_description=shown_stack.description,
        simulated=shown_stack.judge == "simulated",
        service_result_missing=outcome is not None and outcome.service_result_missing,
        judge_identity=result.judge,
        document=result.document,
    )
    for path in result.report_paths:
        console.print(f"report: {path}", markup=False)
    try:
        result.raise_for_outcome()
    except RunnerError as error:
        if settings.local_stack and isinstance(error, CollectionTimeout):
            # "re-run to resume" is false here — the batch lived on the stack that just
            # stopped — except for a provider batch, which the run folder keeps.
            batch = settings.judge_mode == "batch"
            error.advice = BATCH_RESUME if batch else LOCAL_STACK_NO_RESUME
        raise fail(error) from None


def _set_aside_gone_stack_attempt(settings: RunSettings) -> None:
    """A ``--local-stack`` run never resumes (:func:`eng5_np.cli.stack_run.start_afresh`);
    an earlier attempt set aside is said in one line."""
    from eng5_np.cli.stack_run import start_afresh

    run_dir = settings.resolved_output_dir
    aside = start_afresh(settings)
    if aside is not None:
        stderr_console().print(
            f"{run_dir}: an earlier attempt's batch lived on a local stack that is gone; "
            f"kept it as {aside.name} and starting afresh",
            markup=False,
        )
        if (run_dir / JUDGE_BATCHES).is_dir():
            stderr_console().print(
                f"{run_dir}: its provider batch ids came along ({JUDGE_BATCHES}/): the judge "
                "resumes polling them",
                markup=False,
            )


BATCH_RESUME = (
    "re-run the same command: the judge's provider batch ids are kept in the run folder "
    f"({JUDGE_BATCHES}/) and come along to the new attempt, whose judge polls them again "
    "instead of submitting (and paying) again."
)


def _no_collection_reason(settings: RunSettings) -> str:
    if settings.no_kafka:
        return "--no-kafka: uploaded and wrote the request, nothing published"
    return "--await-completion not given: published, not collected"
