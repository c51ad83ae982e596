"""What a comparison budget implies for a batch (SPEC §5.2); the CJ service does the planning."""

from __future__ import annotations

from dataclasses import dataclass

from eng5_np.reference.token_model import MEAN_COMPLETION_TOKENS, comparison_prompt_tokens

MIN_COMPARISONS_PER_ESSAY = 10
"""The quality gate of SPEC §8: at least this many comparisons per essay."""


@dataclass(frozen=True)
class ComparisonBudget:
    """Implied comparison counts for ``essays`` essays under an optional budget."""

    essays: int
    max_comparisons: int | None

    @property
    def all_pairs(self) -> int:
        """Number of distinct unordered pairs of essays."""
        return self.essays * (self.essays - 1) // 2

    @property
    def planned(self) -> int:
        """Comparisons the batch can use: the budget, capped at all pairs."""
        if self.max_comparisons is None:
            return self.all_pairs
        return min(self.max_comparisons, self.all_pairs)

    @property
    def promised(self) -> int | None:
        """Comparisons the batch is known to run: the budget sent, or None without one.

        Without ``--max-comparisons`` the CJ service stops at its own budget (SPEC §11.5),
        often far below all pairs, so nothing is promised and progress shows no total.
        """
        if self.max_comparisons is None:
            return None
        return min(self.max_comparisons, self.all_pairs)

    @property
    def gate_reachable(self) -> bool:
        """Whether any budget can meet the quality gate: each essay has ``essays - 1`` pairs."""
        return self.essays - 1 >= MIN_COMPARISONS_PER_ESSAY

    @property
    def per_essay(self) -> float:
        """Average number of comparisons each essay takes part in."""
        return 2 * self.planned / self.essays if self.essays else 0.0

    @property
    def needed_for_gate(self) -> int:
        """Comparisons needed so that every essay averages the quality-gate minimum."""
        return -(-MIN_COMPARISONS_PER_ESSAY * self.essays // 2)

    @property
    def meets_gate(self) -> bool:
        """True when the average per essay reaches the quality gate."""
        return self.per_essay >= MIN_COMPARISONS_PER_ESSAY


@dataclass(frozen=True)
class CostEstimate:
    """An order-of-magnitude cost estimate for a batch (not a quote)."""

    prompt_tokens: int
    completion_tokens: int
    usd: float


def estimate_cost(
    budget: ComparisonBudget,
    mean_essay_words: float,
    prompt_words: int,
    input_per_million: float,
    output_per_million: float,
    *,
    both_orders: float = 0.0,
) -> CostEstimate:
    """Estimate tokens and USD for ``budget.planned`` comparisons of two essays each.

    The token model is the simulated judge's (:mod:`eng5_np.reference.token_model`): a run on
    the local stack records within 25 % of this (tests/e2e/test_cost_estimates.py measures
    it); ``both_orders`` adds the share of pairs judged again the other way round.
    """
    comparisons = budget.planned + round(both_orders * budget.planned)
    per_prompt = comparison_prompt_tokens(prompt_words, mean_essay_words, mean_essay_words)
    prompt_tokens = per_prompt * comparisons
    completion_tokens = round(MEAN_COMPLETION_TOKENS * comparisons)
    usd = (prompt_tokens * input_per_million + completion_tokens * output_per_million) / 1e6
    return CostEstimate(prompt_tokens, completion_tokens, usd)
