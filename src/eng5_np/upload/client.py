"""Upload essay texts to the Content Service (SPEC §4.8, §5.3).

One aiohttp session; an :class:`asyncio.Semaphore` bounds the POSTs in flight; identical
texts are uploaded once; the :class:`UploadCache` skips texts a previous run already stored
and is saved while uploads go on, so a crash keeps what was uploaded. Per-text failures are
returned, not raised — the caller decides. A service that does not answer at all raises
:class:`~eng5_np.errors.ContentServiceUnavailable` instead of waiting out every retry of
every text.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence

import aiohttp
import structlog

from eng5_np.errors import ContentServiceUnavailable
from eng5_np.primitives.redaction import redact_url
from eng5_np.upload.cache import UploadCache
from eng5_np.upload.models import UploadFailure, UploadItem, UploadOutcome, UploadProgress
from eng5_np.upload.retry import RetryPolicy
from eng5_np.upload.transport import ContentServicePoster, TextUploadFailed

__all__ = ["CACHE_SAVE_EVERY_UPLOADS", "DEFAULT_MAX_UPLOAD_BYTES", "upload_texts"]

DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CACHE_SAVE_EVERY_UPLOADS = 20
"""Save the cache after this many new ids: bounds the loss on a crash and keeps saves O(n)."""
CACHE_SAVE_INTERVAL_S = 1.0
"""…or once this long has passed since the last save, so a slow run saves often enough."""

logger = structlog.get_logger(__name__)

ProgressCallback = Callable[[UploadProgress], None]


class _Tally:
    """Counts settled items and reports progress after each."""

    def __init__(self, total: int, on_progress: ProgressCallback | None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.from_cache = 0
        self._on_progress = on_progress

    def settle(self, items: int, *, failed: bool = False, from_cache: bool = False) -> None:
        """Count ``items`` items sharing one text as settled and report progress."""
        self.done += items
        self.failed += items if failed else 0
        self.from_cache += 1 if from_cache else 0
        if self._on_progress is not None:
            self._on_progress(
                UploadProgress(
                    done=self.done, total=self.total, failed=self.failed, from_cache=self.from_cache
                )
            )


class _CacheCheckpoints:
    """Saves the cache every few new ids or every so often, and once more at the end."""

    def __init__(self, cache: UploadCache | None) -> None:
        self._cache = cache
        self._pending = 0
        self._last_save_at = time.monotonic()

    def record(self, checksum: str, storage_id: str) -> None:
        """Put a new id into the cache and save if a checkpoint is due."""
        if self._cache is None:
            return
        self._cache.put(checksum, storage_id)
        self._pending += 1
        now = time.monotonic()
        if (
            self._pending >= CACHE_SAVE_EVERY_UPLOADS
            or now - self._last_save_at >= CACHE_SAVE_INTERVAL_S
        ):
            self._save(now)

    def flush(self) -> None:
        """Save whatever is not saved yet."""
        if self._cache is not None and self._cache.unsaved:
            self._save(time.monotonic())

    def _save(self, now: float) -> None:
        if self._cache is None:
            return
        # Counted as an attempt even if the save failed (it logs): an unwritable cache
        # directory must not turn into a save attempt after every single upload.
        self._pending = 0
        self._last_save_at = now
        self._cache.save()


def _refusal(text: str, max_bytes: int) -> str | None:
    """Why ``text`` is not sent at all, or None."""
    size = len(text.encode("utf-8"))
    if size == 0:
        return "empty text; nothing to upload"
    if size > max_bytes:
        return f"text is {size} bytes, over the upload limit of {max_bytes} bytes"
    return None


async def upload_texts(
    items: Sequence[UploadItem],
    *,
    url: str,
    concurrency: int,
    cache: UploadCache | None,
    force_reupload: bool = False,
    retry: RetryPolicy | None = None,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    on_progress: ProgressCallback | None = None,
    session: aiohttp.ClientSession | None = None,
    correlation_id: str | None = None,
) -> UploadOutcome:
    """Give every distinct text a storage id: from ``cache`` or by uploading it to ``url``.

    Raises :class:`~eng5_np.errors.ContentServiceUnavailable` only when the service does not
    answer at all; other failures are listed in the outcome. A ``session`` passed in is used
    as is (its connector limit should be at least ``concurrency``) and not closed.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    groups: dict[str, list[UploadItem]] = {}
    for item in items:
        groups.setdefault(item.checksum, []).append(item)
    tally = _Tally(len(items), on_progress)
    outcome = UploadOutcome(
        storage_ids={},
        uploaded=0,
        from_cache=0,
        deduplicated=len(items) - len(groups),
        failures=[],
    )
    pending: list[list[UploadItem]] = []
    for checksum, group in groups.items():
        cached = None if force_reupload or cache is None else cache.get(checksum)
        refusal = _refusal(group[0].text, max_bytes)
        if cached is not None:
            outcome.storage_ids[checksum] = cached
            outcome.from_cache += 1
            tally.settle(len(group), from_cache=True)
        elif refusal is not None:
            _record_failure(outcome, group, refusal)
            tally.settle(len(group), failed=True)
        else:
            pending.append(group)

    if pending:
        # The connector must not be the tighter bound: the semaphore is the setting.
        session_context = (
            contextlib.nullcontext(session)
            if session is not None
            else aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        )
        async with session_context as active_session:
            poster = ContentServicePoster(
                url=url,
                session=active_session,
                semaphore=asyncio.Semaphore(concurrency),
                retry=retry if retry is not None else RetryPolicy(),
                concurrency=concurrency,
                correlation_id=correlation_id,
            )
            await _upload_groups(pending, poster, cache, outcome, tally)
    logger.info(
        "uploads_finished",
        content_service_url=redact_url(url),
        items=len(items),
        uploaded=outcome.uploaded,
        from_cache=outcome.from_cache,
        deduplicated=outcome.deduplicated,
        failed=len(outcome.failures),
    )
    return outcome


async def _upload_groups(
    groups: list[list[UploadItem]],
    poster: ContentServicePoster,
    cache: UploadCache | None,
    outcome: UploadOutcome,
    tally: _Tally,
) -> None:
    """Upload each group's text once, recording ids in ``outcome`` and the cache."""
    checkpoints = _CacheCheckpoints(cache)

    async def upload_group(group: list[UploadItem]) -> None:
        first = group[0]
        try:
            storage_id = await poster.post(first.text.encode("utf-8"))
        except TextUploadFailed as failure:
            _record_failure(outcome, group, failure.reason)
            tally.settle(len(group), failed=True)
            return
        outcome.storage_ids[first.checksum] = storage_id
        outcome.uploaded += 1
        checkpoints.record(first.checksum, storage_id)
        tally.settle(len(group))

    try:
        async with asyncio.TaskGroup() as tasks:
            for group in groups:
                tasks.create_task(upload_group(group))
    except BaseExceptionGroup as errors:
        # Several uploads may find the service down at once, and a failing progress callback
        # is the caller's own error: either way the caller wants that error, not a group.
        leaves = errors.exceptions
        if len(leaves) == 1 or all(isinstance(e, ContentServiceUnavailable) for e in leaves):
            raise leaves[0] from None
        raise
    finally:
        checkpoints.flush()


def _record_failure(outcome: UploadOutcome, group: list[UploadItem], reason: str) -> None:
    for item in group:
        outcome.failures.append(UploadFailure(label=item.label, reason=reason))
        # The checksum prefix identifies the text in the log without ever logging it.
        logger.warning(
            "upload_failed", label=item.label, checksum=item.checksum[:12], reason=reason
        )
