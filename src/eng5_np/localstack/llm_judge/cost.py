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

A judge panel (``--judge A,B``) has one limit for the session: its members' guards share one
:class:`Spend` (the money spent and reserved, the calls in flight, whether it tripped), while
each guard keeps its own model's prices and what it learned of its prompts and answers. A
reservation of one member then waits for any member's call in flight, and the limit is passed
by none of them together.

Money is shown by :func:`usd`, at the precision the artefact stores (10 decimals), so the
message "spent $0.00042" and the artefact's ``costs.total_usd`` agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from eng5_np.reference.llm_models import ModelEntry

__all__ = ["CHARS_PER_TOKEN", "CostGuard", "CostLimitReached", "Reservation", "Spend", "usd"]

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
class Spend:
    """The money counted against one ``--cost-limit``: one judge's, or a whole panel's."""

    limit_usd: float | None = None
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    in_flight: int = 0
    """Reservations held by calls not yet settled."""
    tripped: bool = False
    """Set once a reservation was refused: no further comparison starts."""
    models: list[str] = field(default_factory=list)
    """The models whose guards count here, in the order they joined."""
    settled: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    """Set (and replaced) whenever a reservation settles."""


class CostGuard:
    """Tracks one model's spend against an optional limit (None = no limit, only counting).

    ``spend`` shares the limit with other guards (a panel's members); without it the guard
    has a :class:`Spend` of its own with ``limit_usd``.
    """

    def __init__(
        self, model: ModelEntry, limit_usd: float | None = None, *, spend: Spend | None = None
    ) -> None:
        if spend is not None and limit_usd is not None and limit_usd != spend.limit_usd:
            raise ValueError("a shared spend carries its own limit")
        self.model = model
        self.spend = spend if spend is not None else Spend(limit_usd)
        self.spend.models.append(model.model_id)
        self._completions: list[int] = []
        self._prompt_chars = 0
        self._prompt_tokens = 0

    @property
    def limit_usd(self) -> float | None:
        """The limit (shared with a panel's other members)."""
        return self.spend.limit_usd

    @property
    def spent_usd(self) -> float:
        """Money spent so far (by every guard sharing the limit)."""
        return self.spend.spent_usd

    @property
    def reserved_usd(self) -> float:
        """Money reserved by calls in flight (every guard sharing the limit)."""
        return self.spend.reserved_usd

    @property
    def tripped(self) -> bool:
        """A reservation was refused: no further comparison starts."""
        return self.spend.tripped

    @property
    def in_flight(self) -> int:
        """Reservations held by calls not yet settled (every guard sharing the limit)."""
        return self.spend.in_flight

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
        spend = self.spend
        if spend.tripped:
            raise CostLimitReached(self.describe())
        if spend.limit_usd is not None and (
            spend.spent_usd + spend.reserved_usd + estimate_usd > spend.limit_usd
        ):
            spend.tripped = True
            raise CostLimitReached(self.describe())
        spend.reserved_usd += estimate_usd
        spend.in_flight += 1
        return Reservation(estimate_usd, prompt_chars)

    def reserve_batch(
        self, estimates: Sequence[float], prompt_chars: Sequence[int]
    ) -> list[Reservation]:
        """Reservations for one provider batch, which is paid as a whole once submitted.

        The longest prefix of the batch's requests whose estimates fit the limit together (all
        of them without a limit): the caller submits only those. Fewer than all trips the guard
        (no later batch starts); none raises :class:`CostLimitReached`.
        """
        spend = self.spend
        if spend.tripped:
            raise CostLimitReached(self.describe())
        room = (
            float("inf")
            if spend.limit_usd is None
            else spend.limit_usd - spend.spent_usd - spend.reserved_usd
        )
        reservations: list[Reservation] = []
        total = 0.0
        for estimate_usd, chars in zip(estimates, prompt_chars, strict=True):
            if total + estimate_usd > room:
                break
            total += estimate_usd
            reservations.append(Reservation(estimate_usd, chars))
        if len(reservations) < len(estimates):
            spend.tripped = True
        if not reservations:
            raise CostLimitReached(self.describe())
        spend.reserved_usd += total
        spend.in_flight += len(reservations)
        return reservations

    def hold(self, prompt_chars: int = 0) -> Reservation:
        """A reservation of nothing that needs no room, for a call already paid for (a resumed
        provider batch): :meth:`settle` counts its real price."""
        self.spend.in_flight += 1
        return Reservation(0.0, prompt_chars)

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
            await self.spend.settled.wait()

    def settle(
        self,
        reservation: Reservation,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        *,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        price_factor: float = 1.0,
    ) -> float:
        """Replace a reservation by the real price of the call; return that price.

        Cached prompt tokens (a share of ``prompt_tokens``) are priced at the manifest's cache
        rates (:meth:`~eng5_np.reference.llm_models.ModelEntry.cost_usd`); ``price_factor``
        scales the whole (a provider batch's discount).
        """
        spend = self.spend
        spend.reserved_usd = max(0.0, spend.reserved_usd - reservation.usd)
        spend.in_flight = max(0, spend.in_flight - 1)
        # Wake every waiter of acquire() (any member's); later ones wait on a fresh event.
        spend.settled.set()
        spend.settled = asyncio.Event()
        price = price_factor * self.model.cost_usd(
            prompt_tokens,
            completion_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
        )
        spend.spent_usd += price
        if completion_tokens:
            self._completions.append(completion_tokens)
        if prompt_tokens and reservation.prompt_chars:
            self._prompt_chars += reservation.prompt_chars
            self._prompt_tokens += prompt_tokens
        return price

    def describe(self) -> str:
        """One line: spend against the limit."""
        limit = "no limit" if self.limit_usd is None else f"the limit of {usd(self.limit_usd)}"
        models = self.spend.models
        whose = models[0] if len(models) == 1 else f"judge panel: {', '.join(models)}"
        return f"spent {usd(self.spent_usd)} of {limit} ({whose})"
