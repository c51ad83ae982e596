"""What a comparison budget implies for a batch (SPEC §5.2); the CJ service does the planning."""

from __future__ import annotations

from dataclasses import dataclass

from eng5_np.reference.token_model import MEAN_COMPLETION_TOKENS, comparison_prompt_tokens
from eng5_np.settings import RunMode, RunSettings

MIN_COMPARISONS_PER_ESSAY = 10
"""The quality gate of SPEC §8: at least this many comparisons per essay."""
SMALL_NET_ESSAYS = 3
"""Nets of at most this many essays get more resampling passes on the platform (SPEC §11.6)."""
RESAMPLING_PASSES = 1
SMALL_NET_RESAMPLING_PASSES = 4
SERVICE_DEFAULT_BUDGET = 120
"""The comparisons a CJ batch makes without ``metadata.max_comparisons``: the platform's
``MAX_PAIRWISE_COMPARISONS`` (SPEC §11.6; 120 for 32 essays in the measured run, §11.5), and the
local stack's ``platform`` and ``adaptive`` designs' default. A service configured otherwise
makes a different number, so nothing is promised to the progress display (:attr:`promised`)."""


def resampling_ceiling(essays: int) -> int:
    """The most comparisons the platform makes for ``essays`` essays (SPEC §11.6).

    Every pair once (coverage), then its resampling passes of every pair again: one pass
    for a regular batch, four for a net of at most three essays. 9 anchors → 72.
    """
    all_pairs = essays * (essays - 1) // 2
    passes = SMALL_NET_RESAMPLING_PASSES if essays <= SMALL_NET_ESSAYS else RESAMPLING_PASSES
    return all_pairs * (1 + passes)


MEASURED_ANCHOR_COUNT = 9
"""The anchor count ``benchmarks/bench_designs.py`` measures anchor-align budgets at."""
MEASURED_TAU_WIDTH_AT_72 = 0.409
"""Median width of the 95 % τ-b interval after 72 comparisons of 9 anchors under the
``platform`` design, measured by ``python benchmarks/bench_designs.py`` (200 seeds; simulated
judge, 0.75 logits per grade step) with the runner's hybrid interval
(:mod:`eng5_np.analysis.tau_interval`): ``anchors.platform.at_72.tau_width_median 0.409`` on
2026-12-08 (balanced 0.429, adaptive 0.333). On 20 seeds it was 0.444; until then 0.141,
measured with the former bootstrap interval, which was clipped at τ-b = 1 and too narrow."""


def expected_anchor_align_width(anchors: int, budget: int) -> float | None:
    """The measured τ-b interval width for this anchor count and budget, or None if unmeasured.

    Only 9 anchors at 72 comparisons (the default budget) are measured, through the
    ``platform`` design's coverage and resampling passes; the power planner
    (:mod:`eng5_np.analysis.power`) models balanced random pairs of distinct essays, which an
    anchors-only run exhausts at 36, so it does not predict this budget.
    """
    if anchors == MEASURED_ANCHOR_COUNT and budget == anchor_align_budget(anchors):
        return MEASURED_TAU_WIDTH_AT_72
    return None


def requested_max_comparisons(settings: RunSettings, essays: int) -> int | None:
    """The ``metadata.max_comparisons`` a run sends: ``--max-comparisons``, else for an
    anchor-align run :func:`anchor_align_budget`, else none (the service's default budget)."""
    if settings.max_comparisons is not None:
        return settings.max_comparisons
    if settings.mode is RunMode.ANCHOR_ALIGN and essays >= 2:
        return anchor_align_budget(essays)
    return None


def anchor_align_budget(anchors: int) -> int:
    """``max_comparisons`` an anchor-align run sends when none is given: every pair of anchors
    in both orders, n(n − 1) — the most the platform makes for a regular batch (SPEC §11.6);
    9 anchors → 72. ``benchmarks/bench_designs.py`` measures the τ-b interval width it buys."""
    return anchors * (anchors - 1)


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
        """Comparisons the batch can use: the budget — ``--max-comparisons``, else the
        service's default :data:`SERVICE_DEFAULT_BUDGET` — capped where the platform stops
        (every pair, then its resampling pass: :func:`resampling_ceiling`). Until 2026-12-08
        no budget meant all pairs here (253 for the sample's 23 essays), so plan priced and
        simulated twice the 120 comparisons the service then made."""
        budget = SERVICE_DEFAULT_BUDGET if self.max_comparisons is None else self.max_comparisons
        return min(budget, resampling_ceiling(self.essays))

    @property
    def promised(self) -> int | None:
        """Comparisons the batch is known to run: the budget sent, or None without one.

        Without ``--max-comparisons`` the CJ service stops at its own budget (SPEC §11.5),
        often far below all pairs, so nothing is promised and progress shows no total.
        """
        if self.max_comparisons is None:
            return None
        return self.planned

    @property
    def gate_reachable(self) -> bool:
        """Whether any budget can meet the quality gate within the platform's ceiling."""
        return 2 * resampling_ceiling(self.essays) >= MIN_COMPARISONS_PER_ESSAY * self.essays

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
