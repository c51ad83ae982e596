"""Tests for eng5_np.analysis.figures: the per-run figures beside the one fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from eng5_np.analysis import comparison_figures, fit_bradley_terry, rank_correlation, read_outcomes
from eng5_np.analysis.figures import average_ranks


def _record(a: str, b: str, winner: str | None, code: str = "RATE_LIMIT") -> dict[str, Any]:
    if winner is None:
        return {"status": "failed", "essay_a_id": a, "essay_b_id": b, "error_code": code}
    loser = b if winner == a else a
    return {
        "status": "succeeded",
        "essay_a_id": a,
        "essay_b_id": b,
        "winner_id": winner,
        "loser_id": loser,
    }


@given(st.lists(st.integers(-3, 3).map(float), min_size=3, max_size=12))
def test_average_ranks_equal_scipys_rankdata(values: list[float]) -> None:
    assert np.allclose(average_ranks(values), stats.rankdata(values))


@given(
    st.lists(
        st.tuples(st.integers(-4, 4).map(float), st.integers(-4, 4).map(float)),
        min_size=3,
        max_size=15,
    )
)
def test_rank_correlation_equals_scipys_spearman(pairs: list[tuple[float, float]]) -> None:
    runner = {f"e{i}": first for i, (first, _) in enumerate(pairs)}
    service = {f"e{i}": second for i, (_, second) in enumerate(pairs)}
    value, reason = rank_correlation(runner, service)
    if len(set(runner.values())) == 1 or len(set(service.values())) == 1:
        assert value is None
        assert reason == "one of the two scales is constant"
        return
    assert value == pytest.approx(
        float(stats.spearmanr(list(runner.values()), list(service.values())).statistic)
    )


def test_the_tally_counts_failures_by_code_and_unusable_records() -> None:
    records = [
        _record("a", "b", "a"),
        _record("a", "b", None, "RATE_LIMIT"),
        _record("b", "c", None, "TIMEOUT"),
        _record("a", "c", None, "RATE_LIMIT"),
        {**_record("a", "c", "a"), "loser_id": "z"},  # no consistent winner
    ]
    outcomes, tally = read_outcomes(records)
    assert len(outcomes) == 1
    assert (tally.total, tally.succeeded, tally.failed, tally.unusable) == (5, 2, 3, 1)
    assert tally.error_codes == (("RATE_LIMIT", 2), ("TIMEOUT", 1))


def test_figures_sit_on_the_given_fit_and_name_what_is_not_computable() -> None:
    records = [_record("a", "b", "a"), _record("b", "c", "b"), _record("c", "a", "a")]
    outcomes, _ = read_outcomes(records)
    fit = fit_bradley_terry(outcomes)
    figures = comparison_figures(records, {"a": True, "b": False, "c": False, "d": False}, fit, {})
    by_id = {e.essay_id: e for e in figures.essays}
    assert by_id["a"].theta == fit.theta["a"]
    assert by_id["a"].standard_error == fit.standard_error["a"]
    assert (by_id["a"].wins, by_id["a"].comparisons, by_id["d"].comparisons) == (2, 2, 0)
    assert by_id["d"].theta is None
    assert figures.count_spread is not None
    assert (figures.count_spread.minimum, figures.count_spread.maximum) == (0, 2)
    assert figures.rank_correlation is None
    assert "no θ" in figures.not_computable["rank_correlation"]
    assert figures.position_bias is not None
    assert figures.position_bias.essay_a_wins == 2

    nothing = comparison_figures([], {"a": True}, None, {})
    assert nothing.position_bias is None
    assert set(nothing.not_computable) >= {"position_bias", "infit", "rank_correlation"}
