"""What every ``eng5-runner`` command shares: one-line failures, running a coroutine with
every error mapped to its exit code, and flags parsed into validated settings."""

from __future__ import annotations

import asyncio
import tempfile
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from eng5_np.cli.help import plain_message
from eng5_np.errors import DatasetError, RunnerError, UsageError
from eng5_np.logs import detach_run_log, get_logger
from eng5_np.primitives.redaction import redact_text
from eng5_np.settings import RunSettings

T = TypeVar("T")
LOCAL_STACK_NO_RESUME = (
    "the local stack stopped with this command and took the batch with it, so this run "
    "cannot be resumed: start a new run with the same command (this attempt is set aside, "
    "kept), with a longer --completion-timeout if it timed out; uploads are cached."
)
"""Advice after a local-stack run ends early: resuming needs the broker that is now gone."""
INTERRUPTED_EXIT_CODE = 130
"""Ctrl-C before collection started (the shell convention 128 + SIGINT)."""
log = get_logger(__name__)

FLAG_NAMES = {
    "batch_id": "--batch-id",
    "llm_temperature": "--llm-temperature",
    "llm_max_tokens": "--llm-max-tokens",
    "max_comparisons": "--max-comparisons",
    "upload_concurrency": "--upload-concurrency",
    "upload_attempts": "--upload-attempts",
    "upload_timeout": "--upload-timeout",
    "completion_timeout": "--completion-timeout",
    "result_grace": "--result-grace",
    "first_callback_deadline": "--first-callback-deadline",
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


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(error: RunnerError) -> typer.Exit:
    """Print the one-line error (and dataset problems) and return the exit to raise."""
    console = stderr_console()
    if isinstance(error, DatasetError) and len(error.problems) > 1:
        for problem in error.problems:
            console.print(f"  ✗ {redact_text(problem)}", markup=False)
    # Messages may quote a URL given with user:password@ (a service address): never show it.
    console.print(f"error: {redact_text(error.one_line())}", markup=False)
    return typer.Exit(error.exit_code)


def run_async(factory: Callable[[], Coroutine[Any, Any, T]], *, local_stack: bool = False) -> T:
    """Run a mode coroutine; every failure becomes one line and a documented exit code."""
    try:
        return asyncio.run(factory())
    except RunnerError as error:
        # Below the console's WARNING threshold on purpose: people get the one line from
        # _fail (a second copy on screen reads as a second problem); the log file keeps it all.
        log.info("run.failed", error=error.message, exit_code=error.exit_code, exc_info=True)
        raise fail(error) from None
    except KeyboardInterrupt:
        # Ctrl-C outside the collection loop (which turns it into a partial artefact, exit 4).
        log.info("run.interrupted", exc_info=True)
        stderr_console().print(
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
        stderr_console().print(
            f"error: unexpected {type(error).__name__}: {redact_text(str(error))} — this is a "
            "bug; the traceback "
            f"is in {crash_file} and the run folder's runner.log.jsonl.",
            markup=False,
        )
        raise typer.Exit(1) from None
    finally:
        detach_run_log()


def build_settings(values: dict[str, Any]) -> RunSettings:
    """Build settings from the given (non-None) flag values; invalid values → exit 2."""
    try:
        return RunSettings(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "options"
        flag = FLAG_NAMES.get(field, "--" + field.replace("_", "-"))
        raise fail(UsageError(f"{flag}: {plain_message(first['msg'])}")) from None
