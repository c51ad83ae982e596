"""``async with`` for the stack's parts: enter starts, exit stops (also on errors)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


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
