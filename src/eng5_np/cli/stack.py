"""CLI glue for the embedded local stack (SPEC §7): ``eng5-runner stack …`` and
``--local-stack``. Everything from :mod:`eng5_np.localstack` is imported lazily here, so the
runner core and the other commands never load it.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console

from eng5_np.cli.help import HelpCommand, HelpGroup
from eng5_np.cli.stack_run import judge_config, judge_label, judging_config, pairing_config
from eng5_np.errors import RunnerError
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import PairingDesignName

if TYPE_CHECKING:
    pass

stack_app = typer.Typer(
    cls=HelpGroup,
    help="Run the embedded local stack or one of its services (broker, Content Service, "
    "reference CJ service with a simulated or a real LLM judge).",
    no_args_is_help=True,
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
    from eng5_np.localstack.admin_store import parse_admin_faults

    try:
        parse_admin_faults(admin_faults)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--admin-faults") from None


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
    "Admin API faults, comma-separated: drop-writes = both POST routes answer success but "
    "store nothing; missing-500 = a missing assignment answers 500 (the measured platform)."
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
            help="Fault injection, e.g. errors=0.1 (keys: errors, duplicates, foreign, "
            "delay, no-result, ignore-requests)."
        ),
    ] = None,
    health_port: Annotated[
        int, typer.Option(help="CJ service HTTP port: /healthz and the admin API (0 = free).")
    ] = 0,
    admin_faults: Annotated[str | None, typer.Option(help=ADMIN_FAULTS_HELP)] = None,
    judge: Annotated[
        str,
        typer.Option(help="simulated, or a real LLM judge <provider>:<model> (SPEC §13)."),
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
    pairing: Annotated[
        PairingDesignName,
        typer.Option(case_sensitive=False, help="How CJ chooses pairs and when it stops."),
    ] = PairingDesignName.PLATFORM,
    target_precision: Annotated[
        float | None,
        typer.Option(help="--pairing adaptive: stop at this mean SE / τ-b width (> 0)."),
    ] = None,
    judge_profile: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="JSON judge profile: the simulated judge's effects per model, effort, prompt.",
        ),
    ] = None,
    judge_base_url: Annotated[
        str | None,
        typer.Option(metavar="URL", help="OpenAI-compatible judge server's base URL."),
    ] = None,
    judge_price: Annotated[
        str | None,
        typer.Option(
            metavar="IN,OUT", help="USD per million tokens of an OpenAI-compatible judge."
        ),
    ] = None,
    panel: Annotated[
        str, typer.Option(metavar="MODE", help="A judge panel's dealing: split or all.")
    ] = "split",
) -> None:
    """Run broker + Content Service + reference CJ service on 127.0.0.1 until Ctrl-C."""
    from eng5_np.localstack.stack import LocalStack, LocalStackConfig, serve_forever

    _check_admin_faults(admin_faults)
    try:
        simulated = judge_config(judge_seed, judge_faults, judge_profile)
        judging = judging_config(
            judge,
            concurrency=judge_concurrency,
            rpm=judge_rpm,
            cost_limit=cost_limit,
            both_orders=judge_both_orders,
            base_url=judge_base_url,
            price=judge_price,
            panel=panel,
        )
    except RunnerError as error:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"error: {error.one_line()}", markup=False
        )
        raise typer.Exit(error.exit_code) from None
    if target_precision is not None and pairing is not PairingDesignName.ADAPTIVE:
        raise typer.BadParameter(
            "only applies with --pairing adaptive", param_hint="--target-precision"
        )
    if target_precision is not None and not target_precision > 0:
        raise typer.BadParameter("must be positive", param_hint="--target-precision")
    config = LocalStackConfig(
        judge=simulated,
        judging=judging,
        pairing=pairing_config(pairing.value, target_precision),
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
                    f"Pairing design: {pairing.value}.",
                    f"Simulated judge profile: {simulated.profile.label}",
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
