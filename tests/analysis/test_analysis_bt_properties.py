"""The Bradley–Terry fit always returns: properties over random graphs, and the hard cases.

Hypothesis draws comparison graphs of every shape — sparse, disconnected, one essay winning
everything, cycles — and the fit must converge to finite θ and SEs that sum to zero per
component. Where the plain maximum-likelihood estimate exists (every component strongly
connected), the fit must agree with an independent ML solver (choix's ILSR) as the prior fades.
"""

from __future__ import annotations

import itertools

import choix
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eng5_np.analysis import ComparisonOutcome, fit_bradley_terry
from eng5_np.analysis.bradley_terry import METHOD_FALLBACK, METHOD_MAP

ESSAYS = [f"e{i:02d}" for i in range(12)]


def outcome(winner: str, loser: str, *, winner_first: bool = True) -> ComparisonOutcome:
    """A successful comparison; ``winner_first`` says whether the winner was shown as A."""
    a, b = (winner, loser) if winner_first else (loser, winner)
    return ComparisonOutcome(a, b, winner, loser)


@st.composite
def comparison_graphs(draw: st.DrawFn) -> list[ComparisonOutcome]:
    """1–300 comparisons among 2–12 essays, with any pattern of winners."""
    size = draw(st.integers(2, len(ESSAYS)))
    pair = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)).filter(
        lambda p: p[0] != p[1]
    )
    pairs = draw(st.lists(pair, min_size=1, max_size=300))
    return [outcome(ESSAYS[w], ESSAYS[lo], winner_first=(w + lo) % 2 == 0) for w, lo in pairs]


@settings(max_examples=150, deadline=None)
@given(comparison_graphs())
def test_every_graph_gives_a_finite_centred_converged_fit(
    outcomes: list[ComparisonOutcome],
) -> None:
    fit = fit_bradley_terry(outcomes)

    assert fit.method == METHOD_MAP
    compared = {e for o in outcomes for e in o.pair}
    assert set(fit.theta) == set(fit.standard_error) == compared
    assert all(np.isfinite(v) for v in fit.theta.values())
    assert all(np.isfinite(v) and v > 0 for v in fit.standard_error.values())
    for component in fit.components:
        assert sum(fit.theta[e] for e in component) == pytest.approx(0.0, abs=1e-8)
    assert set(fit.separated) <= compared


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(3, 10),
    seed=st.integers(0, 2**32 - 1),
    spread=st.floats(0.0, 2.5),
)
@example(size=10, seed=4_294_967_295, spread=1.375)  # the prior's largest pull found so far
@example(size=10, seed=7926, spread=1.5546875)  # σ = 1e4 once never settled along the constant
def test_where_the_ml_estimate_exists_the_fit_agrees_with_plain_ml(
    size: int, seed: int, spread: float
) -> None:
    """Dense, strongly connected data: every ordered pair won at least once."""
    rng = np.random.default_rng(seed)
    true_theta = rng.normal(0.0, spread, size) if spread else np.zeros(size)
    outcomes = [outcome(ESSAYS[i], ESSAYS[j]) for i, j in itertools.permutations(range(size), 2)]
    for i, j in itertools.combinations(range(size), 2):
        for _ in range(20):
            i_wins = rng.random() < 1 / (1 + np.exp(true_theta[j] - true_theta[i]))
            outcomes.append(
                outcome(ESSAYS[i], ESSAYS[j]) if i_wins else outcome(ESSAYS[j], ESSAYS[i])
            )
    wins = np.zeros((size, size))
    for o in outcomes:
        wins[ESSAYS.index(o.winner_id), ESSAYS.index(o.loser_id)] += 1
    ml = np.asarray(choix.ilsr_pairwise_dense(wins, alpha=0.0, tol=1e-12, max_iter=10_000))
    ml -= ml.mean()

    fit = fit_bradley_terry(outcomes)
    faded = fit_bradley_terry(outcomes, prior_sd=1e4)

    assert fit.separated == ()
    fitted = np.array([fit.theta[e] for e in ESSAYS[:size]])
    se = np.array([fit.standard_error[e] for e in ESSAYS[:size]])
    np.testing.assert_allclose([faded.theta[e] for e in ESSAYS[:size]], ml, atol=1e-6)
    # With the default weak prior, θ moves by a fraction of its SE: the prior shrinks every θ
    # towards 0 by a few per cent (≈3.5 % measured at the widest spreads drawn here, 0.31 SE).
    assert np.all(np.abs(fitted - ml) < 0.5 * se)


def test_perfect_separation_every_pair_with_a_fixed_winner() -> None:
    rng = np.random.default_rng(3)
    outcomes = []
    for _ in range(5000):
        i, j = sorted(rng.choice(len(ESSAYS), 2, replace=False).tolist())
        outcomes.append(outcome(ESSAYS[i], ESSAYS[j], winner_first=bool(rng.random() < 0.5)))

    fit = fit_bradley_terry(outcomes)

    assert fit.separated == tuple(ESSAYS)
    order = sorted(fit.theta, key=fit.theta.__getitem__, reverse=True)
    assert order == ESSAYS
    assert all(np.isfinite(v) and v > 0 for v in fit.standard_error.values())


def test_a_pure_cycle_is_not_separated_and_ties_every_essay() -> None:
    outcomes = [outcome("a", "b"), outcome("b", "c"), outcome("c", "a")]

    fit = fit_bradley_terry(outcomes)

    assert fit.separated == ()
    assert all(v == pytest.approx(0.0, abs=1e-12) for v in fit.theta.values())
    assert len(set(np.round(list(fit.standard_error.values()), 12))) == 1


def test_ties_of_evidence_give_equal_theta() -> None:
    # a and b each beat c twice and lost to it once, and split their own meetings.
    outcomes = [
        *[outcome("a", "c"), outcome("a", "c"), outcome("c", "a")],
        *[outcome("b", "c"), outcome("b", "c"), outcome("c", "b")],
        outcome("a", "b"),
        outcome("b", "a"),
    ]

    fit = fit_bradley_terry(outcomes)

    assert fit.theta["a"] == pytest.approx(fit.theta["b"], abs=1e-10)
    assert fit.standard_error["a"] == pytest.approx(fit.standard_error["b"], rel=1e-10)
    assert fit.theta["c"] < fit.theta["a"]


def test_one_comparison() -> None:
    fit = fit_bradley_terry([outcome("winner", "loser")])

    assert fit.theta["winner"] == pytest.approx(-fit.theta["loser"])
    assert 0 < fit.theta["winner"] < 3
    assert fit.separated == ("loser", "winner")
    assert all(np.isfinite(se) and se > 0 for se in fit.standard_error.values())


def test_a_disconnected_graph_keeps_each_component_centred_and_names_its_separation() -> None:
    outcomes = [
        *[outcome("a", "b"), outcome("b", "c"), outcome("c", "a")],
        outcome("x", "y"),
    ]

    fit = fit_bradley_terry(outcomes)

    assert not fit.is_connected
    assert fit.separated == ("x", "y")
    assert fit.theta["x"] == pytest.approx(-fit.theta["y"])
    assert sum(fit.theta[e] for e in "abc") == pytest.approx(0.0, abs=1e-12)


def test_one_hundred_thousand_comparisons_fit_correctly() -> None:
    rng = np.random.default_rng(17)
    true_theta = np.linspace(-3.0, 3.0, 40)
    first = rng.integers(0, 40, 100_000)
    second = (first + rng.integers(1, 40, 100_000)) % 40
    i_wins = rng.random(100_000) < 1 / (1 + np.exp(true_theta[second] - true_theta[first]))
    names = [f"e{i:03d}" for i in range(40)]
    outcomes = [
        ComparisonOutcome(names[a], names[b], names[a if w else b], names[b if w else a])
        for a, b, w in zip(first.tolist(), second.tolist(), i_wins.tolist(), strict=True)
    ]

    fit = fit_bradley_terry(outcomes)

    fitted = np.array([fit.theta[n] for n in names])
    se = np.array([fit.standard_error[n] for n in names])
    assert fit.method == METHOD_MAP
    # ~5,000 comparisons per essay: θ within 4 SE of the truth, and SE about 1/√(n p(1−p)).
    assert np.all(np.abs(fitted - (true_theta - true_theta.mean())) < 4 * se)
    assert np.all((se > 0.02) & (se < 0.06))


def test_the_fallback_is_used_and_named_when_newton_runs_out_of_steps() -> None:
    outcomes = [outcome(ESSAYS[i], ESSAYS[j]) for i, j in itertools.combinations(range(6), 2)]

    fit = fit_bradley_terry(outcomes, max_steps=1)

    assert fit.method == METHOD_FALLBACK
    assert fit.converged
    assert fit.prior_sd == 1.0
    assert "did not converge" in fit.method_description
    assert all(np.isfinite(v) for v in fit.theta.values())
    assert fit.theta["e00"] > fit.theta["e05"]
