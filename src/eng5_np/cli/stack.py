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
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console

from eng5_np.cli import service_options as svc
from eng5_np.cli.help import HelpCommand, HelpGroup
from eng5_np.cli.stack_run import judge_label
from eng5_np.reference.grades import GradeScaleName
from eng5_np.settings import PairingDesignName

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


@stack_app.command("up", cls=HelpCommand)
def stack_up(
    ctx: typer.Context,
    grade_scale: svc.GradeScaleOption = GradeScaleName.LEGACY_9_STEP,
    judge_seed: svc.JudgeSeedOption = 0,
    judge_faults: svc.JudgeFaultsOption = None,
    health_port: Annotated[
        int, typer.Option(help="CJ service HTTP port: /healthz and the admin API (0 = free).")
    ] = 0,
    admin_faults: svc.AdminFaultsOption = None,
    judge: svc.JudgeOption = "simulated",
    judge_concurrency: svc.JudgeConcurrencyOption = 8,
    judge_rpm: svc.JudgeRpmOption = None,
    cost_limit: svc.CostLimitOption = None,
    judge_both_orders: svc.JudgeBothOrdersOption = 0.0,
    pairing: svc.PairingOption = PairingDesignName.PLATFORM,
    target_precision: svc.TargetPrecisionOption = None,
    judge_profile: svc.JudgeProfileOption = None,
    judge_base_url: svc.JudgeBaseUrlOption = None,
    judge_price: svc.JudgePriceOption = None,
    panel: svc.PanelOption = "split",
    judge_mode: svc.JudgeModeOption = "live",
    judge_batch_poll: svc.JudgeBatchPollOption = None,
    judge_batch_dir: svc.JudgeBatchDirOption = svc.DEFAULT_BATCH_DIR,
) -> None:
    """Run broker + Content Service + reference CJ service on 127.0.0.1 until Ctrl-C."""
    from eng5_np.localstack.stack import LocalStack, LocalStackConfig, serve_forever

    _check_admin_faults(admin_faults)
    service = svc.service_judge_of(ctx.params)
    config = LocalStackConfig(
        judge=service.simulated,
        judging=service.judging,
        pairing=service.pairing,
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
                    f"Local stack is running ({judge_label(service.judging)}).",
                    *_design_lines(service),
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


def _design_lines(service: svc.ServiceJudge) -> list[str]:
    """The pairing design and simulated judge profile a service started with."""
    lines = [
        f"Pairing design: {service.pairing_name.value}.",
        f"Simulated judge profile: {service.simulated.profile.label}",
    ]
    if service.batch_dir is not None:
        lines.append(
            f"Provider batch ids kept in {service.batch_dir / 'judge-batches'} (a restarted "
            "service polls them again instead of submitting twice)."
        )
    return lines


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
    ctx: typer.Context,
    kafka_bootstrap: Annotated[
        str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap host:port.")
    ] = "localhost:9092",
    content_service_url: Annotated[
        str, typer.Option(envvar="CONTENT_SERVICE_URL", help="Content Service upload URL.")
    ] = "http://localhost:8001/v1/content",
    grade_scale: svc.GradeScaleOption = GradeScaleName.LEGACY_9_STEP,
    health_host: Annotated[str, typer.Option(help="Address of the HTTP endpoint.")] = "127.0.0.1",
    health_port: Annotated[
        int, typer.Option(help="HTTP port: /healthz and the admin API (0 = free).")
    ] = 8002,
    judge_seed: svc.JudgeSeedOption = 0,
    judge_faults: svc.JudgeFaultsOption = None,
    admin_faults: svc.AdminFaultsOption = None,
    judge: svc.JudgeOption = "simulated",
    judge_concurrency: svc.JudgeConcurrencyOption = 8,
    judge_rpm: svc.JudgeRpmOption = None,
    cost_limit: svc.CostLimitOption = None,
    judge_both_orders: svc.JudgeBothOrdersOption = 0.0,
    pairing: svc.PairingOption = PairingDesignName.PLATFORM,
    target_precision: svc.TargetPrecisionOption = None,
    judge_profile: svc.JudgeProfileOption = None,
    judge_base_url: svc.JudgeBaseUrlOption = None,
    judge_price: svc.JudgePriceOption = None,
    panel: svc.PanelOption = "split",
    judge_mode: svc.JudgeModeOption = "live",
    judge_batch_poll: svc.JudgeBatchPollOption = None,
    judge_batch_dir: svc.JudgeBatchDirOption = svc.DEFAULT_BATCH_DIR,
) -> None:
    """Run only the reference CJ service against an existing broker and Content Service."""
    from eng5_np.localstack.cj_service import ReferenceCJService
    from eng5_np.localstack.stack import serve_cj_service

    _check_admin_faults(admin_faults)
    service = svc.service_judge_of(ctx.params)
    console = Console(highlight=False, soft_wrap=True)

    async def serve(token_dir: Path) -> None:
        def on_ready(cj: ReferenceCJService) -> None:
            lines = [
                f"Reference CJ service consuming from {kafka_bootstrap} "
                f"(health {cj.health_url}; {judge_label(service.judging)})",
                *_design_lines(service),
            ]
            if cj.url is not None:
                lines += _admin_lines(cj.url, cj.mint_admin_token(), token_dir)
            _ready(console, lines)

        await serve_cj_service(
            kafka_bootstrap,
            content_service_url,
            judge=service.simulated,
            judging=service.judging,
            pairing=service.pairing,
            grade_scale=grade_scale.value,
            health_host=health_host,
            health_port=health_port,
            admin_faults=admin_faults,
            on_ready=on_ready,
        )

    _with_token_dir(serve)
