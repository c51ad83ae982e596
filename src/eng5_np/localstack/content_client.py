"""The reference CJ service's client of the Content Service (SPEC §4.8): read and store texts.

Reads fetch essays, prompts and anchors for a batch; stores keep the texts of anchors
registered through the admin API, as the platform's CJ service does. 5xx answers,
timeouts and connection errors are retried with exponential backoff (bounded attempts);
a 4xx is final.
"""

from __future__ import annotations

import asyncio
from typing import Final

import aiohttp

__all__ = ["ContentClient", "ContentUnavailable"]

ATTEMPTS: Final = 3
BACKOFF_S: Final = 0.2


class ContentUnavailable(Exception):
    """A text could not be fetched from or stored in the Content Service."""


class ContentClient:
    """Reads and stores UTF-8 texts at ``content_service_url`` over one aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, content_service_url: str) -> None:
        self._session = session
        self._base = content_service_url.rstrip("/")

    async def fetch(self, storage_id: str) -> str:
        """GET ``<base>/<storage_id>`` as UTF-8; :class:`ContentUnavailable` when it fails."""
        problem = "not attempted"
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
            try:
                async with self._session.get(f"{self._base}/{storage_id}") as response:
                    if response.status == 200:
                        return (await response.read()).decode("utf-8")
                    problem = f"HTTP {response.status}"
                    if response.status < 500:
                        break
            except (aiohttp.ClientError, TimeoutError) as error:
                problem = f"{type(error).__name__}: {error}"
            except UnicodeDecodeError:
                problem = "content is not UTF-8"
                break
        raise ContentUnavailable(f"storage id {storage_id}: {problem}")

    async def store(self, text: str) -> str:
        """POST ``text`` to ``<base>`` and return its new storage id."""
        problem = "not attempted"
        headers = {"Content-Type": "application/octet-stream"}
        for attempt in range(ATTEMPTS):
            if attempt:
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
            try:
                async with self._session.post(
                    self._base, data=text.encode("utf-8"), headers=headers
                ) as response:
                    if response.status == 201:
                        body = await response.json(content_type=None)
                        storage_id = body.get("storage_id") if isinstance(body, dict) else None
                        if isinstance(storage_id, str) and storage_id:
                            return storage_id
                        problem = "answer without a storage_id"
                        break
                    problem = f"HTTP {response.status}"
                    if response.status < 500:
                        break
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                problem = f"{type(error).__name__}: {error}"
        raise ContentUnavailable(f"storing a text at {self._base}: {problem}")
