"""Tests for eng5_np.analysis.reliability_figures: one fit's figures and the reasons against."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from eng5_np.analysis import (
    ComparisonOutcome,
    fit_bradley_terry,
    reliability_figures,
    scale_separation_reliability,
)

Simulator = Callable[..., list[ComparisonOutcome]]


def test_sound_data_give_both_figures_and_no_reason(simulate: Simulator) -> None:
    outcomes = simulate(np.linspace(-3.0, 3.0, 16), 800, np.random.default_rng(31))
    fit = fit_bradley_terry(outcomes)

    figures = reliability_figures(fit, outcomes, list(fit.theta))

    assert figures.reasons == ()
    assert figures.trustworthy
    assert figures.scale_separation_reliability == scale_separation_reliability(
        fit.theta, fit.standard_error
    )
    assert figures.split_half_reliability is not None
    assert figures.split_half_reliability > 0.8


def test_a_separated_essay_is_named_and_the_figure_kept() -> None:
    outcomes = [ComparisonOutcome("top", other, "top", other) for other in ("b", "c", "d") * 3] + [
        ComparisonOutcome("b", "c", "b", "c"),
        ComparisonOutcome("c", "d", "c", "d"),
        ComparisonOutcome("d", "b", "d", "b"),
        ComparisonOutcome("c", "b", "c", "b"),
    ]
    fit = fit_bradley_terry(outcomes)

    figures = reliability_figures(fit, outcomes, list(fit.theta))

    assert fit.separated == ("top",)
    assert figures.scale_separation_reliability is not None
    assert not figures.trustworthy
    assert any("top" in reason and "chains of wins" in reason for reason in figures.reasons)


def test_a_negative_ssr_is_reported_as_negative_with_a_reason(simulate: Simulator) -> None:
    # Coin flips with few comparisons: error far larger than the spread of θ.
    outcomes = simulate(np.zeros(30), 60, np.random.default_rng(32))
    fit = fit_bradley_terry(outcomes)
    on_scale = [e for e in fit.theta if e not in fit.separated]

    figures = reliability_figures(fit, outcomes, on_scale)

    assert figures.scale_separation_reliability is not None
    assert figures.scale_separation_reliability < 0
    assert any("negative" in reason for reason in figures.reasons)


def test_a_disconnected_graph_has_no_figures_and_says_why() -> None:
    outcomes = [
        ComparisonOutcome("a", "b", "a", "b"),
        ComparisonOutcome("b", "a", "b", "a"),
        ComparisonOutcome("x", "y", "x", "y"),
        ComparisonOutcome("y", "x", "y", "x"),
    ]
    fit = fit_bradley_terry(outcomes)

    figures = reliability_figures(fit, outcomes, list(fit.theta))

    assert figures.scale_separation_reliability is None
    assert figures.split_half_reliability is None
    assert any("2 unconnected groups" in reason for reason in figures.reasons)


def test_essays_without_a_fitted_theta_are_refused() -> None:
    outcomes = [ComparisonOutcome("a", "b", "a", "b")]
    with pytest.raises(ValueError, match="without a fitted"):
        reliability_figures(fit_bradley_terry(outcomes), outcomes, ["a", "ghost"])
