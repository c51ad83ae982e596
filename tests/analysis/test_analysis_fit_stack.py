"""The stacked Bradley–Terry fit equals the single fit; its figures equal the run's."""

from __future__ import annotations

import numpy as np

from eng5_np.analysis.bradley_terry import fit_bradley_terry
from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.fit_stack import figures_of_fits, fit_many
from eng5_np.analysis.kendall import THETA_TIE, kendall_tau_b
from eng5_np.analysis.reliability import scale_separation_reliability


def _outcomes(seed: int, essays: int = 15, comparisons: int = 90) -> list[ComparisonOutcome]:
    rng = np.random.default_rng(seed)
    quality = np.linspace(-3, 3, essays)
    ids = [f"e{i:02d}" for i in range(essays)]
    found = []
    for _ in range(comparisons):
        a, b = rng.choice(essays, 2, replace=False)
        a_wins = rng.random() < 1 / (1 + np.exp(-(quality[a] - quality[b])))
        winner, loser = (a, b) if a_wins else (b, a)
        found.append(ComparisonOutcome(ids[a], ids[b], ids[winner], ids[loser]))
    return found


def test_stacked_fits_match_the_single_fit_and_its_figures() -> None:
    fits, stacks = [], []
    for seed in range(3):
        outcomes = _outcomes(seed)
        fit = fit_bradley_terry(outcomes)
        ids = sorted(fit.theta)
        wins = np.zeros((len(ids), len(ids)))
        for o in outcomes:
            wins[ids.index(o.winner_id), ids.index(o.loser_id)] += 1
        fits.append((fit, ids))
        stacks.append(wins)
    theta, se = fit_many(np.stack(stacks))
    anchors = [0, 3, 6, 9, 12]
    figures = figures_of_fits(theta, se, anchors, [0.0, 1.0, 2.0, 3.0, 4.0])
    for row, (fit, ids) in enumerate(fits):
        assert np.allclose(theta[row], [fit.theta[i] for i in ids], atol=1e-6)
        assert np.allclose(se[row], [fit.standard_error[i] for i in ids], atol=1e-6)
        tau = kendall_tau_b(
            [0.0, 1.0, 2.0, 3.0, 4.0],
            [fit.theta[ids[a]] for a in anchors],
            tie_tolerance=THETA_TIE,
        )
        assert figures.tau_b[row] == tau
        assert np.isclose(
            figures.ssr[row], scale_separation_reliability(fit.theta, fit.standard_error)
        )
        inverted = sum(
            1
            for i, a in enumerate(anchors)
            for b in anchors[i + 1 :]
            if fit.theta[ids[a]] > fit.theta[ids[b]]
        )
        assert figures.inversions[row] == inverted
