"""The cost guard of ``--cost-limit USD``: stop judging before manifest-priced spend passes it.

Before each provider call the judge *reserves* the call's estimated price: the prompt's
tokens at the input price plus the expected completion at the output price. Both are learned
from the calls so far (prompt tokens per character, mean completion tokens); before the first
call they are ≈ characters / 4 and the whole ``max_tokens`` (thinking budget included), so the
first estimate errs high. A reservation that would
take spent + reserved past the limit is refused with :class:`CostLimitReached`; after the call
the reservation is replaced by the real price (tokens × the manifest's prices). In-flight calls
hold reservations, so concurrency cannot overshoot the limit by more than the estimates' error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from eng5_np.reference.llm_models import ModelEntry

__all__ = ["CHARS_PER_TOKEN", "CostGuard", "CostLimitReached", "Reservation"]

CHARS_PER_TOKEN: Final = 4.0
"""A rough, conservative-enough token estimate for English text."""


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
        return Reservation(estimate_usd, prompt_chars)

    def settle(
        self, reservation: Reservation, prompt_tokens: int = 0, completion_tokens: int = 0
    ) -> float:
        """Replace a reservation by the real price of the call; return that price."""
        self.reserved_usd = max(0.0, self.reserved_usd - reservation.usd)
        price = self.model.cost_usd(prompt_tokens, completion_tokens)
        self.spent_usd += price
        if completion_tokens:
            self._completions.append(completion_tokens)
        if prompt_tokens and reservation.prompt_chars:
            self._prompt_chars += reservation.prompt_chars
            self._prompt_tokens += prompt_tokens
        return price

    def describe(self) -> str:
        """One line: spend against the limit."""
        limit = "no limit" if self.limit_usd is None else f"the limit of ${self.limit_usd:.4f}"
        return f"spent ${self.spent_usd:.4f} of {limit} ({self.model.model_id})"
