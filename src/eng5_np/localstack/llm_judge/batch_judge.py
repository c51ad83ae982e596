"""``--judge-mode batch``: a batch's comparisons judged through the provider's batch API.

:meth:`BatchJudge.judge_batch` takes one wave of the pairing design (one provider batch per
wave; the design plans the next wave from its results), builds every prompt as the live judge
does, and gives each comparison a ``custom_id``
derived from its stable comparison key (the same dataset and seed plan the same keys on every
fresh stack). Then, in order:

1. **resume or submit** — the run folder's ``judge-batches/`` holds one small JSON file per
   submitted batch (provider, model, batch id, the custom ids), written atomically as soon as
   the provider accepted the batch. A file for exactly these comparisons means a killed run is
   being re-run: its batch is polled again, nothing is submitted (nor paid) twice (the prompts
   now name the new attempt's wire ids; the answers name positions, "Essay A"/"Essay B");
2. **poll** — ``retrieve`` with backoff (the first wait ``poll_s``, ×1.5 each time up to
   :data:`MAX_POLL_S`), bounded by a deadline (:data:`DEADLINE_S`, the providers' 24 hours plus
   a margin); transient errors while polling are retried within the deadline, others end it;
   the progress line shows submitted/finished per batch;
3. **results** — mapped back by ``custom_id`` and delivered as callbacks: an answer priced at
   :data:`~.batch_api.BATCH_PRICE_FACTOR` × the manifest's prices (50 %), an unusable one as
   ``INVALID_RESPONSE`` (not asked again: that would take another batch), a request the batch
   never answered (expired, cancelled, past the deadline) as an error callback
   ``BATCH_REQUEST_EXPIRED``. Each callback's ``request_id`` is derived from the batch id and
   ``custom_id`` (one comparison, one id, however often it is delivered);
   ``request_metadata.judge`` adds ``mode: batch`` and the ``batch_id``.

``--cost-limit``: a batch is paid as a whole once submitted, so before submitting the judge
reserves every request's estimated price at the batch price (the cost guard's estimate, which
is the most a request can cost until answers have taught it the real sizes) and submits only the
longest prefix of the wave that fits what is left of the limit. A wave cut short trips the guard:
its comparisons left out get no callback, the batch stops with the cost limit as for a live
judge, and no later batch starts. A resumed batch was paid already: it is counted, never refused.

The runner sets a killed local-stack attempt aside and starts afresh in the same folder, but
carries ``judge-batches/`` over (:func:`eng5_np.cli.stack_run.start_afresh`, for the CLI and
the API alike), which is how step 1 finds it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import structlog

from eng5_np.contracts import LLMProviderType, utc_now
from eng5_np.localstack.judge_types import JudgeVerdict
from eng5_np.localstack.llm_judge.base import ProviderFailure, ProviderReply
from eng5_np.localstack.llm_judge.batch_api import (
    BATCH_PRICE_FACTOR,
    EXPIRED,
    BatchRequest,
    BatchTransport,
    sdk_failure,
    transport_for,
)
from eng5_np.localstack.llm_judge.cost import CostLimitReached, Reservation
from eng5_np.localstack.llm_judge.judge import LLMJudge
from eng5_np.localstack.llm_judge.protocol import JudgeTask
from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.primitives.hashing import sha256_text

__all__ = ["DEADLINE_S", "MAX_POLL_S", "BatchJudge", "custom_id"]

MAX_POLL_S: Final = 60.0
DEADLINE_S: Final = 25 * 3600.0
"""A batch expires after 24 hours; the judge stops polling an hour later."""
POLL_GROWTH: Final = 1.5
STATE_DIR: Final = "judge-batches"
REQUEST_IDS: Final = uuid.UUID("5d0e8c1a-4f7b-4c39-9a51-2b6f0e3d7c18")
ItemT = TypeVar("ItemT")

logger = structlog.get_logger(__name__)


def custom_id(task_key: str) -> str:
    """A ``custom_id`` (Gemini: a ``metadata.key``) every provider accepts
    (``[A-Za-z0-9_-]{1,64}``) for a comparison key."""
    return f"cmp-{sha256_text(task_key)[:32]}"


@dataclass(frozen=True)
class _Submitted:
    batch_id: str
    resumed: bool
    custom_ids: tuple[str, ...]
    """The batch's requests in the order they were submitted."""


class BatchJudge:
    """Judges a batch's comparisons in one provider batch (see the module docstring)."""

    def __init__(
        self,
        judge: LLMJudge,
        run_dir: Path,
        *,
        poll_s: float = 10.0,
        deadline_s: float = DEADLINE_S,
        transport: BatchTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._judge = judge
        self._dir = run_dir / STATE_DIR
        self._poll_s = poll_s
        self._deadline_s = deadline_s
        self._transport = transport or transport_for(judge.client)
        self._sleep = sleep
        self._again = ""

    @property
    def provider(self) -> LLMProviderType:
        """The judge's provider."""
        return self._judge.provider

    @property
    def model_id(self) -> str:
        """The judge's model."""
        return self._judge.model_id

    async def compare(self, task: JudgeTask) -> JudgeVerdict:
        """One comparison as a batch of one; :class:`CostLimitReached` when it does not fit."""
        verdicts: list[JudgeVerdict] = []

        async def keep(_: object, verdict: JudgeVerdict) -> None:
            verdicts.append(verdict)

        stopped = await self.judge_batch([(None, task)], keep)
        if not verdicts:
            raise CostLimitReached(stopped or self._judge.guard.describe())
        return verdicts[0]

    async def judge_batch(
        self,
        comparisons: Sequence[tuple[ItemT, JudgeTask]],
        deliver: Callable[[ItemT, JudgeVerdict], Awaitable[None]],
    ) -> str | None:
        """Submit (or resume), poll, and deliver the callback of every comparison submitted.

        Returns the cost-limit line when ``--cost-limit`` left comparisons out of the batch
        (they get no callback; see the module docstring), else None.
        """
        if not comparisons:
            return None
        requested_at = utc_now()
        judge = self._judge
        guard = judge.guard
        prompts = [judge.prompt_for(task) for _, task in comparisons]
        ids = [custom_id(task.key) for _, task in comparisons]
        chars = [len(prompt.canonical_text()) for prompt in prompts]
        submitted = self._saved(ids)
        if submitted is not None:  # already paid: counted, never refused
            held = set(submitted.custom_ids)
            reservations = {
                cid: guard.hold(size) for cid, size in zip(ids, chars, strict=True) if cid in held
            }
        else:
            most = judge.most_tokens()
            estimates = [BATCH_PRICE_FACTOR * guard.estimate(size, most) for size in chars]
            try:
                fitting = guard.reserve_batch(estimates, chars)
            except CostLimitReached as limit:
                return str(limit)
            reservations = dict(zip(ids, fitting, strict=False))
        chosen = [
            (item_task, prompt, cid)
            for item_task, prompt, cid in zip(comparisons, prompts, ids, strict=True)
            if cid in reservations
        ]
        left_out = len(comparisons) - len(chosen)
        stats = judge.stats
        if submitted is None:
            try:
                submitted = await self._submit(ids, [(cid, prompt) for _, prompt, cid in chosen])
            except ProviderFailure as failure:
                for (item, task), prompt, cid in chosen:
                    guard.settle(reservations[cid])
                    verdict = judge.batch_verdict(
                        task,
                        prompt,
                        failure,
                        price_factor=BATCH_PRICE_FACTOR,
                        request_id=str(uuid.uuid4()),
                        requested_at=requested_at,
                        facts={"mode": "batch"},
                    )
                    await deliver(item, verdict)
                return guard.describe() if left_out else None
        batch_id = submitted.batch_id
        self._again = " (resumed: polled, not submitted again)" if submitted.resumed else ""
        stats.batches[batch_id] = f"{len(chosen)} submitted{self._again}, 0 finished"
        results = await self._poll_until_done(batch_id, submitted.custom_ids)
        for (item, task), prompt, cid in chosen:
            if isinstance(results, ProviderFailure):
                outcome: ProviderReply | ProviderFailure = results
            else:
                outcome = results.get(cid) or ProviderFailure(
                    EXPIRED,
                    f"batch {batch_id} ended without answering this request (expired, "
                    "cancelled or past the polling deadline)",
                    retryable=False,
                )
            self._settle(reservations[cid], outcome)
            verdict = judge.batch_verdict(
                task,
                prompt,
                outcome,
                price_factor=BATCH_PRICE_FACTOR,
                request_id=str(uuid.uuid5(REQUEST_IDS, f"{batch_id}:{cid}")),
                requested_at=requested_at,
                facts={"mode": "batch", "batch_id": batch_id},
            )
            await deliver(item, verdict)
        return guard.describe() if left_out else None

    def _settle(self, reservation: Reservation, outcome: ProviderReply | ProviderFailure) -> None:
        """The guard counts a request's real price (batch price; nothing for a failure)."""
        if isinstance(outcome, ProviderFailure):
            self._judge.guard.settle(reservation)
            return
        usage = outcome.usage
        self._judge.guard.settle(
            reservation,
            usage.prompt_tokens,
            usage.completion_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            price_factor=BATCH_PRICE_FACTOR,
        )

    def _state_file(self, ids: Sequence[str]) -> Path:
        judge = self._judge
        key = sha256_text("\n".join([judge.provider.value, judge.model_id, *sorted(ids)]))
        return self._dir / f"{judge.provider.value}-{key[:16]}.json"

    def _saved(self, ids: Sequence[str]) -> _Submitted | None:
        """The batch an earlier attempt submitted for exactly these comparisons, if any."""
        path = self._state_file(ids)
        if not path.is_file():
            return None
        saved = json.loads(path.read_text(encoding="utf-8"))
        logger.info("llm_judge.batch_resumed", batch_id=saved["batch_id"])
        order = tuple(str(cid) for cid in saved.get("custom_ids") or ids)
        return _Submitted(str(saved["batch_id"]), resumed=True, custom_ids=order)

    async def _submit(self, ids: Sequence[str], chosen: Sequence[tuple[str, Any]]) -> _Submitted:
        """Submit ``chosen`` (custom id, prompt) as one batch; saved under the wave's ``ids``,
        so a re-run finds it even when the cost limit left some of them out."""
        client = self._judge.client
        options = self._judge.options
        requests = [
            BatchRequest(cid, client.request(prompt, options))  # type: ignore[attr-defined]
            for cid, prompt in chosen
        ]
        try:
            batch_id = await self._transport.submit(requests)
        except Exception as error:  # the SDKs' own errors, classified like live calls
            if isinstance(error, ProviderFailure):
                raise
            raise sdk_failure(error) from None
        submitted = tuple(cid for cid, _ in chosen)
        record = {
            "provider": self._judge.provider.value,
            "model": self._judge.model_id,
            "batch_id": batch_id,
            "submitted_at": utc_now().isoformat(),
            "custom_ids": list(submitted),
        }
        path = self._state_file(ids)
        self._dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(record, indent=2).encode())
        logger.info("llm_judge.batch_submitted", batch_id=batch_id, requests=len(submitted))
        return _Submitted(batch_id, resumed=False, custom_ids=submitted)

    async def _poll_until_done(
        self, batch_id: str, ids: Sequence[str]
    ) -> dict[str, ProviderReply | ProviderFailure] | ProviderFailure:
        """The results once the batch is done; a failure that ended polling (for every
        comparison); ``{}`` past the deadline (every comparison then counts as expired)."""
        stats = self._judge.stats
        deadline = time.monotonic() + self._deadline_s
        delay = self._poll_s
        while True:
            try:
                status = await self._transport.poll(batch_id)
                stats.batches[batch_id] = (
                    f"{status.total or len(ids)} submitted{self._again}, {status.finished} finished"
                )
                if status.done:
                    return await self._transport.results(batch_id, ids)
            except Exception as error:
                failure = error if isinstance(error, ProviderFailure) else sdk_failure(error)
                logger.warning("llm_judge.batch_poll_failed", error=failure.message)
                if not failure.retryable:
                    return failure
            if time.monotonic() + delay > deadline:
                logger.warning("llm_judge.batch_deadline", batch_id=batch_id)
                return {}
            await self._sleep(delay)
            delay = min(MAX_POLL_S, delay * POLL_GROWTH)
