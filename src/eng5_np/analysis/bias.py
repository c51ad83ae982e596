"""Position bias: does the judge favour the essay shown first?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eng5_np.analysis.comparisons import ComparisonOutcome


@dataclass(frozen=True)
class PositionBias:
    """Share of first-position wins, and agreement when a pair was shown both ways round."""

    comparisons: int
    """Successful comparisons examined."""
    essay_a_wins: int
    """Comparisons won by the essay shown as "Essay A"."""
    pairs_judged_both_orders: int
    """Unordered pairs judged at least once with each essay shown first."""
    consistent_pairs: int
    """Of those pairs, how many had the same winner in every judgement."""

    @property
    def essay_a_win_share(self) -> float | None:
        """``essay_a_wins / comparisons`` (0.5 means no position bias); None without data."""
        return self.essay_a_wins / self.comparisons if self.comparisons else None

    @property
    def consistency_share(self) -> float | None:
        """``consistent_pairs / pairs_judged_both_orders``; None when no pair was swapped."""
        if not self.pairs_judged_both_orders:
            return None
        return self.consistent_pairs / self.pairs_judged_both_orders


def position_bias(outcomes: Iterable[ComparisonOutcome]) -> PositionBias:
    """Count first-position wins and order-consistency of pairs judged in both orders.

    A pair judged several times counts once; it is consistent when every one of its
    judgements, in either order, named the same winner.
    """
    comparisons = 0
    essay_a_wins = 0
    orders: dict[frozenset[str], set[str]] = {}
    winners: dict[frozenset[str], set[str]] = {}
    for outcome in outcomes:
        comparisons += 1
        if outcome.winner_id == outcome.essay_a_id:
            essay_a_wins += 1
        orders.setdefault(outcome.pair, set()).add(outcome.essay_a_id)
        winners.setdefault(outcome.pair, set()).add(outcome.winner_id)
    swapped = [pair for pair, first_shown in orders.items() if len(first_shown) == 2]
    return PositionBias(
        comparisons=comparisons,
        essay_a_wins=essay_a_wins,
        pairs_judged_both_orders=len(swapped),
        consistent_pairs=sum(1 for pair in swapped if len(winners[pair]) == 1),
    )
