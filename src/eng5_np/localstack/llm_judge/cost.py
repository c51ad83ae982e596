"""The cost guard of ``--cost-limit USD``: stop judging before manifest-priced spend passes it.

Before each provider call the judge *reserves* the call's estimated price: the prompt's
tokens at the input price plus the expected completion at the output price. Both are learned
from the calls so far (prompt tokens per character, mean completion tokens); before the first
call they are ≈ characters / 4 and the whole ``max_tokens`` (thinking budget included), so the
first estimate errs high: it is the most the call can cost, the answer filling every token it
is allowed. After the call the reservation is replaced by the real price (tokens × the
manifest's prices). In-flight calls hold reservations, so concurrency cannot overshoot the
limit by more than the estimates' error.

A reservation that does not fit is refused only when the calls in flight cannot change that:
while others hold reservations, :meth:`CostGuard.acquire` waits for one of them to settle and
estimates again, with what it taught. A guard that refused at once stopped a batch after 1 of
30 comparisons (issue 14): the first calls' worst-case reservations (1,024 answer tokens each)
filled the limit that their real prices, settled a moment later, left nine-tenths free.
Only with nothing in flight and spent + estimate past the limit does the guard trip.

Money is shown by :func:`usd`, at the precision the artefact stores (10 decimals), so the
message "spent $0.00042" and the artefact's ``costs.total_usd`` agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from eng5_np.reference.llm_models import ModelEntry

__all__ = ["CHARS_PER_TOKEN", "CostGuard", "CostLimitReached", "Reservation", "usd"]

CHARS_PER_TOKEN: Final = 4.0
"""A rough, conservative-enough token estimate for English text."""


USD_DECIMALS: Final = 10
"""Decimals of the artefact's ``costs.total_usd`` (the hydrator rounds to these)."""


def usd(value: float) -> str:
    """``$0.00042``: dollars at the artefact's precision, without trailing zeros."""
    text = f"{round(value, USD_DECIMALS):.{USD_DECIMALS}f}".rstrip("0")
    return "$" + (text + "0" if text.endswith(".") else text)


class CostLimitReached(Exception):
    """The next call would take the spend past ``--cost-limit``."""


@dataclass(frozen=True)
class Reservation:
    """Money set aside for one call."""

    usd: float
    prompt_chars: int = 0


@dataclass
class CostGuard:
    """Tracks spend against an optional limit (None = no limit, only counting)."""

    model: ModelEntry
    limit_usd: float | None = None
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    _completions: list[int] = field(default_factory=list, repr=False)
    _prompt_chars: int = field(default=0, repr=False)
    _prompt_tokens: int = field(default=0, repr=False)
    tripped: bool = False
    """Set once a reservation was refused: no further comparison starts."""
    in_flight: int = 0
    """Reservations held by calls not yet settled."""
    _settled: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def estimate(self, prompt_chars: int, max_completion_tokens: int) -> float:
        """Estimated price of one call with a prompt of ``prompt_chars`` characters."""
        completion = (
            sum(self._completions) / len(self._completions)
            if self._completions
            else float(max_completion_tokens)
        )
        if self._prompt_chars:
            prompt_tokens = prompt_chars * self._prompt_tokens / self._prompt_chars
        else:
            prompt_tokens = prompt_chars / CHARS_PER_TOKEN
        return (
            prompt_tokens * self.model.input_per_million
            + completion * self.model.output_per_million
        ) / 1_000_000

    def reserve(self, estimate_usd: float, prompt_chars: int = 0) -> Reservation:
        """Set ``estimate_usd`` aside, or raise :class:`CostLimitReached`."""
        if self.tripped:
            raise CostLimitReached(self.describe())
        if self.limit_usd is not None and (
            self.spent_usd + self.reserved_usd + estimate_usd > self.limit_usd
        ):
            self.tripped = True
            raise CostLimitReached(self.describe())
        self.reserved_usd += estimate_usd
        self.in_flight += 1
        return Reservation(estimate_usd, prompt_chars)

    async def acquire(self, estimate: Callable[[], float], prompt_chars: int = 0) -> Reservation:
        """Reserve ``estimate()``, waiting for calls in flight to settle while it does not fit.

        Each settle wakes the waiters, which estimate again (the learned prices) and retry;
        the wait is bounded by the calls in flight, each bounded by its provider timeout.
        With nothing in flight a reservation that does not fit trips the guard.
        """
        while True:
            if self.tripped:
                raise CostLimitReached(self.describe())
            estimate_usd = estimate()
            fits = self.limit_usd is None or (
                self.spent_usd + self.reserved_usd + estimate_usd <= self.limit_usd
            )
            if fits or self.in_flight == 0:
                return self.reserve(estimate_usd, prompt_chars)
            settled = self._settled
            await settled.wait()

    def settle(
        self,
        reservation: Reservation,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        *,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        """Replace a reservation by the real price of the call; return that price.

        Cached prompt tokens (a share of ``prompt_tokens``) are priced at the manifest's cache
        rates (:meth:`~eng5_np.reference.llm_models.ModelEntry.cost_usd`).
        """
        self.reserved_usd = max(0.0, self.reserved_usd - reservation.usd)
        self.in_flight = max(0, self.in_flight - 1)
        # Wake every waiter of acquire(); later ones wait on a fresh event.
        self._settled.set()
        self._settled = asyncio.Event()
        price = self.model.cost_usd(
            prompt_tokens,
            completion_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
        )
        self.spent_usd += price
        if completion_tokens:
            self._completions.append(completion_tokens)
        if prompt_tokens and reservation.prompt_chars:
            self._prompt_chars += reservation.prompt_chars
            self._prompt_tokens += prompt_tokens
        return price

    def describe(self) -> str:
        """One line: spend against the limit."""
        limit = "no limit" if self.limit_usd is None else f"the limit of {usd(self.limit_usd)}"
        return f"spent {usd(self.spent_usd)} of {limit} ({self.model.model_id})"
