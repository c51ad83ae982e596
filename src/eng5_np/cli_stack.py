"""CLI glue for the embedded local stack (SPEC §7): ``eng5-runner stack …`` and
``--local-stack``. Everything from :mod:`eng5_np.localstack` is imported lazily here, so the
runner core and the other commands never load it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console

from eng5_np.cli_help import HelpCommand, HelpGroup
from eng5_np.errors import RunnerError, UsageError
from eng5_np.grades import GradeScaleName
from eng5_np.settings import RunSettings

if TYPE_CHECKING:
    from eng5_np.artefact.builder import StackInfo
    from eng5_np.localstack.judge import FaultConfig, JudgeConfig
    from eng5_np.localstack.llm_judge import JudgingConfig

stack_app = typer.Typer(
    cls=HelpGroup,
    help="Run the embedded local stack or one of its services (broker, Content Service, "
    "reference CJ service with a simulated or a real LLM judge).",
    no_args_is_help=True,
)

LOCAL_STACK_NO_RESUME = (
    "the local stack stopped with this command and took the batch with it, so this run "
    "cannot be resumed: start a new run (another --output-dir, or none), with a longer "
    "--completion-timeout if it timed out; uploads are cached."
)
"""Advice after a local-stack run ends early: resuming needs the broker that is now gone."""

FAULT_KEYS = {
    "errors": "error_rate",
    "duplicates": "duplicate_rate",
    "foreign": "foreign_callbacks",
    "delay": "callback_delay_s",
}


def parse_faults(spec: str | None) -> FaultConfig:
    """Parse ``errors=0.1,duplicates=0.05,foreign=3,delay=0.01`` into a fault config."""
    from eng5_np.localstack.judge import FaultConfig

    if not spec:
        return FaultConfig()
    values: dict[str, Any] = {}
    for part in spec.split(","):
        key, sep, raw = part.strip().partition("=")
        if not sep or key not in FAULT_KEYS:
            raise UsageError(
                f"--judge-faults: {part.strip()!r} is not one of "
                f"{', '.join(k + '=…' for k in FAULT_KEYS)}"
            )
        try:
            values[FAULT_KEYS[key]] = int(raw) if key == "foreign" else float(raw)
        except ValueError:
            raise UsageError(f"--judge-faults: {key} needs a number, got {raw!r}") from None
    try:
        return FaultConfig(**values)
    except ValueError as exc:
        raise UsageError(f"--judge-faults: {exc}") from None


def judge_config(seed: int, faults: str | None) -> JudgeConfig:
    """The simulated judge's configuration from CLI values."""
    from eng5_np.localstack.judge import JudgeConfig

    return JudgeConfig(seed=seed, faults=parse_faults(faults))


JUDGE_STATUS_INTERVAL_S = 5.0
"""How often a real judge's progress line (rate, retries, waits, spend) is shown."""


def judging_config(
    judge: str,
    *,
    concurrency: int,
    rpm: int | None = None,
    cost_limit: float | None = None,
    both_orders: float = 0.0,
) -> JudgingConfig:
    """The stack's judge from CLI values; a bad ``--judge`` or a missing key → exit 2.

    Called before anything starts, so a missing API key costs nothing.
    """
    from eng5_np.localstack.llm_judge import JudgingConfig

    return JudgingConfig.from_options(
        judge,
        os.environ,
        concurrency=concurrency,
        rpm=rpm,
        cost_limit_usd=cost_limit,
        both_orders=both_orders,
    )


def settings_judging(settings: RunSettings) -> JudgingConfig:
    """:func:`judging_config` from a run's settings."""
    return judging_config(
        settings.judge,
        concurrency=settings.judge_concurrency,
        rpm=settings.judge_rpm,
        cost_limit=settings.cost_limit,
        both_orders=settings.judge_both_orders,
    )


def judge_label(judging: JudgingConfig) -> str:
    """How the judge is named to people (its limits too, for a real one)."""
    return judging.describe()


class LocalStackRun:
    """Starts the local stack for one execute run and points the settings at it."""

    def __init__(self, settings: RunSettings, judging: JudgingConfig | None = None) -> None:
        from eng5_np.localstack.stack import LocalStack, LocalStackConfig

        self._judging = judging if judging is not None else settings_judging(settings)
        config = LocalStackConfig(
            judge=judge_config(settings.judge_seed, settings.judge_faults),
            judging=self._judging,
            grade_scale=settings.grade_scale.value,
            external_bootstrap=(
                settings.kafka_bootstrap if settings.kafka_bootstrap_explicit else None
            ),
            external_content_service_url=(
                settings.content_service_url if settings.content_service_url_explicit else None
            ),
        )
        self._stack = LocalStack(config)
        self._settings = settings

    @property
    def pids(self) -> tuple[int, ...]:
        """Child processes of the stack (the broker)."""
        return self._stack.pids

    @property
    def cj_service_url(self) -> str:
        """Base URL of the stack's CJ service (``/healthz`` and the admin API)."""
        return self._stack.cj_service_url

    @property
    def admin_token(self) -> SecretStr:
        """The stack's admin bearer token (a secret: never print or log it)."""
        return self._stack.admin_token

    def context(self) -> AbstractAsyncContextManager[Any]:
        """The stack as an async context manager."""
        return self._stack

    def judge_status(self) -> str | None:
        """The real judge's progress line (None for the simulated judge or before start)."""
        stats = self._stack.judge_stats
        if self._judging.choice.is_simulated or stats is None:
            return None
        return stats.summary()

    def point_settings(self) -> RunSettings:
        """The run's settings aimed at the stack (explicit addresses win)."""
        from eng5_np.settings import AdminCredentials

        return self._settings.model_copy(
            update={
                "kafka_bootstrap": self._stack.bootstrap,
                "content_service_url": self._stack.content_service_url,
                # The stack's own CJ service and its freshly minted token: an assignment run
                # rehearsed on the stack checks and prepares its assignment there.
                "cj_service_url": self._stack.cj_service_url,
                "admin_credentials": AdminCredentials(admin_token=self._stack.admin_token),
            }
        )

    def info(self) -> StackInfo:
        """The artefact's ``metadata.stack`` for this run."""
        from eng5_np.artefact.builder import StackInfo

        model = self._judging.choice.model
        if model is not None:
            return StackInfo(
                "local",
                "llm",
                "embedded local stack: Tansu broker, Content Service and reference CJ service "
                f"with a {judge_label(self._judging)}",
                provider=model.provider.value,
                model=model.model_id,
            )
        faults = self._settings.judge_faults or "none"
        return StackInfo(
            "local",
            "simulated",
            "embedded local stack: Tansu broker, Content Service and reference CJ service "
            f"with the simulated judge (seed {self._settings.judge_seed}, faults {faults}); "
            "not LLM judgements; costs are estimates at the named model's prices, no money "
            "was spent",
        )


def run_until_signal(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``main`` until it ends or SIGINT/SIGTERM cancels it; cleanup runs either way."""

    async def runner() -> None:
        task = asyncio.ensure_future(main())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            return
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    asyncio.run(runner())


def _ready(console: Console, lines: list[str]) -> None:
    for line in lines:
        console.print(line, markup=False)
    console.print("Press Ctrl-C to stop.", markup=False)


def _check_admin_faults(admin_faults: str | None) -> None:
    from eng5_np.localstack.admin_store import ADMIN_FAULTS

    if admin_faults is not None and admin_faults not in ADMIN_FAULTS:
        raise typer.BadParameter(
            f"{admin_faults!r} is not one of {', '.join(ADMIN_FAULTS)}", param_hint="--admin-faults"
        )


def _admin_lines(cj_service_url: str, token: SecretStr, token_dir: Path) -> list[str]:
    """Where the admin API is and how to load its token — the token itself is never printed."""
    from eng5_np.localstack.admin_auth import write_token_file

    token_file = write_token_file(token, token_dir)
    return [
        f"CJ_SERVICE_URL={cj_service_url}",
        f"Admin token (a secret, 0600): {token_file}",
        f'export CJ_SERVICE_URL={cj_service_url} CJ_ADMIN_TOKEN="$(cat {token_file})"',
    ]


def _with_token_dir(serve: Callable[[Path], Coroutine[Any, Any, None]]) -> None:
    """Run ``serve`` with a private temporary folder for the token file, removed at the end."""
    token_dir = Path(tempfile.mkdtemp(prefix="eng5-stack-"))  # created 0700
    try:
        run_until_signal(lambda: serve(token_dir))
    finally:
        shutil.rmtree(token_dir, ignore_errors=True)


ADMIN_FAULTS_HELP = (
    "Admin API fault: drop-writes = both POST routes answer success but store nothing "
    "(the measured platform's defect)."
)


@stack_app.command("up", cls=HelpCommand)
def stack_up(
    grade_scale: Annotated[
        GradeScaleName,
        typer.Option(case_sensitive=False, help="Scale calibrating the judge of guest runs."),
    ] = GradeScaleName.LEGACY_9_STEP,
    judge_seed: Annotated[int, typer.Option(help="Seed of the simulated judge.")] = 0,
    judge_faults: Annotated[
        str | None,
        typer.Option(
            help="Fault injection, e.g. errors=0.1 (keys: errors, duplicates, foreign, delay)."
        ),
    ] = None,
    health_port: Annotated[
        int, typer.Option(help="CJ service HTTP port: /healthz and the admin API (0 = free).")
    ] = 0,
    admin_faults: Annotated[str | None, typer.Option(help=ADMIN_FAULTS_HELP)] = None,
    judge: Annotated[
        str, typer.Option(help="simulated, or a real LLM judge <provider>:<model> (SPEC §13).")
    ] = "simulated",
    judge_concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="Comparisons judged at the same time.")
    ] = 8,
    judge_rpm: Annotated[
        int | None, typer.Option(min=1, help="Provider requests per minute.")
    ] = None,
    cost_limit: Annotated[
        float | None, typer.Option(min=0.0, help="USD: stop judging before spend passes it.")
    ] = None,
    judge_both_orders: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of pairs also judged swapped.")
    ] = 0.0,
) -> None:
    """Run broker + Content Service + reference CJ service on 127.0.0.1 until Ctrl-C."""
    from eng5_np.localstack.stack import LocalStack, LocalStackConfig, serve_forever

    _check_admin_faults(admin_faults)
    try:
        judging = judging_config(
            judge,
            concurrency=judge_concurrency,
            rpm=judge_rpm,
            cost_limit=cost_limit,
            both_orders=judge_both_orders,
        )
    except RunnerError as error:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"error: {error.one_line()}", markup=False
        )
        raise typer.Exit(error.exit_code) from None
    config = LocalStackConfig(
        judge=judge_config(judge_seed, judge_faults),
        judging=judging,
        grade_scale=grade_scale.value,
        health_port=health_port,
        admin_faults=admin_faults,
    )
    console = Console(highlight=False, soft_wrap=True)

    async def serve(token_dir: Path) -> None:
        def on_ready(stack: LocalStack) -> None:
            _ready(
                console,
                [
                    f"Local stack is running ({judge_label(judging)}).",
                    f"KAFKA_BOOTSTRAP_SERVERS={stack.bootstrap}",
                    f"CONTENT_SERVICE_URL={stack.content_service_url}",
                    f"CJ_HEALTH_URL={stack.health_url or ''}",
                    *_admin_lines(stack.cj_service_url, stack.admin_token, token_dir),
                    f"Run from another terminal: eng5-runner --mode execute --await-completion "
                    f"--kafka-bootstrap {stack.bootstrap} --content-service-url "
                    f"{stack.content_service_url}",
                ],
            )

        await serve_forever(config, on_ready)

    _with_token_dir(serve)
    console.print("Local stack stopped.", markup=False)


@stack_app.command("content-service", cls=HelpCommand)
def stack_content_service(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = free).")] = 8001,
    base_path: Annotated[str, typer.Option(help="Upload path.")] = "/v1/content",
    store_dir: Annotated[
        Path | None, typer.Option(help="Keep texts in this folder instead of memory.")
    ] = None,
) -> None:
    """Run only the Content Service (POST/GET <base-path>, GET /healthz) until Ctrl-C."""
    from eng5_np.localstack.content_service import ContentServiceServer, ContentStore

    console = Console(highlight=False, soft_wrap=True)

    async def main() -> None:
        server = ContentServiceServer(ContentStore(store_dir), base_path=base_path)
        await server.start(host=host, port=port)
        try:
            _ready(console, [f"Content Service at {server.url} (health {server.health_url})"])
            await asyncio.Event().wait()
        finally:
            await server.stop()

    run_until_signal(main)


@stack_app.command("cj-service", cls=HelpCommand)
def stack_cj_service(
    kafka_bootstrap: Annotated[
        str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap host:port.")
    ] = "localhost:9092",
    content_service_url: Annotated[
        str, typer.Option(envvar="CONTENT_SERVICE_URL", help="Content Service upload URL.")
    ] = "http://localhost:8001/v1/content",
    grade_scale: Annotated[
        GradeScaleName,
        typer.Option(case_sensitive=False, help="Scale calibrating the judge of guest runs."),
    ] = GradeScaleName.LEGACY_9_STEP,
    health_host: Annotated[str, typer.Option(help="Address of the HTTP endpoint.")] = "127.0.0.1",
    health_port: Annotated[
        int, typer.Option(help="HTTP port: /healthz and the admin API (0 = free).")
    ] = 8002,
    judge_seed: Annotated[int, typer.Option(help="Seed of the simulated judge.")] = 0,
    judge_faults: Annotated[str | None, typer.Option(help="Fault injection spec.")] = None,
    admin_faults: Annotated[str | None, typer.Option(help=ADMIN_FAULTS_HELP)] = None,
) -> None:
    """Run only the reference CJ service against an existing broker and Content Service."""
    from eng5_np.localstack.cj_service import ReferenceCJService
    from eng5_np.localstack.stack import serve_cj_service

    _check_admin_faults(admin_faults)
    console = Console(highlight=False, soft_wrap=True)

    async def serve(token_dir: Path) -> None:
        def on_ready(service: ReferenceCJService) -> None:
            lines = [
                f"Reference CJ service consuming from {kafka_bootstrap} "
                f"(health {service.health_url})"
            ]
            if service.url is not None:
                lines += _admin_lines(service.url, service.mint_admin_token(), token_dir)
            _ready(console, lines)

        await serve_cj_service(
            kafka_bootstrap,
            content_service_url,
            judge=judge_config(judge_seed, judge_faults),
            grade_scale=grade_scale.value,
            health_host=health_host,
            health_port=health_port,
            admin_faults=admin_faults,
            on_ready=on_ready,
        )

    _with_token_dir(serve)


async def with_local_stack(
    settings: RunSettings,
    body: Callable[[RunSettings, StackInfo], Awaitable[Any]],
    on_started: Callable[[tuple[int, ...]], None] | None = None,
    *,
    judging: JudgingConfig | None = None,
    on_judge_status: Callable[[str], None] | None = None,
) -> Any:
    """Start the stack, run ``body`` against it, and always stop it afterwards.

    With ``--assignment-id`` the stack's (empty) CJ service first gets the assignment set up
    and the dataset's anchors registered through the same admin client as ``eng5-runner
    assignment setup`` / ``anchors register``, so one command rehearses an assignment run.
    With a real judge, ``on_judge_status`` gets its progress line every few seconds.
    """
    from eng5_np.modes.admin_actions import prepare_assignment

    run = LocalStackRun(settings, judging)
    async with run.context():
        if on_started is not None:
            on_started(run.pids)
        monitor = None
        if on_judge_status is not None:
            monitor = asyncio.create_task(_report_judge(run, on_judge_status))
        try:
            pointed = run.point_settings()
            if pointed.assignment_id is not None:
                await prepare_assignment(pointed)
            return await body(pointed, run.info())
        finally:
            if monitor is not None:
                monitor.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await monitor
            final = run.judge_status()
            if final is not None and on_judge_status is not None:
                on_judge_status(final)


async def _report_judge(run: LocalStackRun, show: Callable[[str], None]) -> None:
    """Show the judge's progress line every :data:`JUDGE_STATUS_INTERVAL_S` until cancelled."""
    while True:
        await asyncio.sleep(JUDGE_STATUS_INTERVAL_S)
        status = run.judge_status()
        if status is not None:
            show(status)
