"""Successful comparisons as the analysis sees them, and counts over them.

Only comparisons that produced a winner are analysed; a failed comparison has no
outcome and is filtered out by the caller before anything here is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ComparisonOutcome:
    """One successful judgement: essay A was shown first, essay B second."""

    essay_a_id: str
    essay_b_id: str
    winner_id: str
    loser_id: str

    def __post_init__(self) -> None:
        if self.essay_a_id == self.essay_b_id:
            raise ValueError(f"an essay cannot be compared with itself: {self.essay_a_id!r}")
        if {self.winner_id, self.loser_id} != {self.essay_a_id, self.essay_b_id}:
            raise ValueError(
                f"winner {self.winner_id!r} and loser {self.loser_id!r} must be the two "
                f"compared essays {self.essay_a_id!r} and {self.essay_b_id!r}"
            )

    @property
    def pair(self) -> frozenset[str]:
        """The unordered pair of essays, whatever the presentation order."""
        return frozenset((self.essay_a_id, self.essay_b_id))


def comparison_counts(outcomes: Iterable[ComparisonOutcome]) -> dict[str, int]:
    """Per essay, how many successful comparisons it took part in."""
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        counts[outcome.essay_a_id] += 1
        counts[outcome.essay_b_id] += 1
    return dict(counts)


def win_counts(outcomes: Iterable[ComparisonOutcome]) -> dict[str, int]:
    """Per essay that took part in a comparison, how many it won (0 included)."""
    wins: dict[str, int] = {}
    for outcome in outcomes:
        wins[outcome.winner_id] = wins.get(outcome.winner_id, 0) + 1
        wins.setdefault(outcome.loser_id, 0)
    return wins


def connected_components(outcomes: Sequence[ComparisonOutcome]) -> list[frozenset[str]]:
    """Groups of essays linked by chains of comparisons, largest first.

    θ values are only comparable within one component: nothing in the data places
    two components relative to each other.
    """
    parent: dict[str, str] = {}

    def root(essay_id: str) -> str:
        parent.setdefault(essay_id, essay_id)
        while parent[essay_id] != essay_id:
            # Path halving keeps the trees flat without recursion.
            parent[essay_id] = parent[parent[essay_id]]
            essay_id = parent[essay_id]
        return essay_id

    for outcome in outcomes:
        root_a, root_b = root(outcome.essay_a_id), root(outcome.essay_b_id)
        if root_a != root_b:
            parent[root_a] = root_b

    groups: dict[str, set[str]] = {}
    for essay_id in parent:
        groups.setdefault(root(essay_id), set()).add(essay_id)
    components = [frozenset(group) for group in groups.values()]
    return sorted(components, key=lambda group: (-len(group), min(group)))
