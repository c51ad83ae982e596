"""The separation caveat says what the rule is (issue 14): it named essays that won 1–2 of
their comparisons under "won or lost every comparison"."""

from __future__ import annotations

from eng5_np.analysis.bradley_terry import fit_bradley_terry
from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.reliability_figures import separation_reason


def _won(winner: str, loser: str) -> ComparisonOutcome:
    return ComparisonOutcome(winner, loser, winner, loser)


def test_a_named_essay_need_not_have_won_or_lost_everything() -> None:
    outcomes = [
        # The body: c, d, e beat one another in a cycle.
        _won("c", "d"),
        _won("d", "e"),
        _won("e", "c"),
        # a and b beat each other once each and never lost to the body.
        _won("a", "b"),
        _won("b", "a"),
        _won("a", "c"),
        _won("b", "d"),
    ]
    fit = fit_bradley_terry(outcomes)
    assert fit.separated == ("a", "b")
    wins = sum(1 for o in outcomes if o.winner_id == "a")
    losses = sum(1 for o in outcomes if o.loser_id == "a")
    assert (wins, losses) == (2, 1)  # named, though it neither won nor lost everything

    reason = separation_reason(fit)
    assert reason is not None
    assert "won or lost every comparison" not in reason
    assert reason.startswith("2 essay(s) sit outside the largest set of essays linked both ways")
    assert reason.endswith("(the prior does): a, b")
