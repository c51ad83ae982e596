"""Lifecycle helpers of the stack's parts: ``async with`` (enter starts, exit stops, also on
errors) and serving an aiohttp app on a loopback port."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from aiohttp import web


class AsyncService(ABC):
    """A part of the local stack that is started and stopped."""

    @abstractmethod
    async def start(self) -> None:
        """Start the part; on failure nothing may be left running."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop the part; safe to call twice."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def serve_app(
    app: web.Application, host: str, port: int, *, shutdown_timeout_s: float = 60.0
) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on ``host:port`` (0 = a free port); return its runner and origin URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout_s)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    if ":" in bound_host:  # an IPv6 literal needs brackets in a URL
        bound_host = f"[{bound_host}]"
    return runner, f"http://{bound_host}:{bound_port}"
