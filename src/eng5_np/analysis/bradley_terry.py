"""Bradley–Terry fit of successful comparisons, with Fisher-information standard errors.

Model: P(i beats j) = σ(θ_i − θ_j), σ the logistic function.

Fit. ``choix.ilsr_pairwise_dense`` computes the maximum-likelihood θ from the matrix of
wins per ordered pair (iterative Luce spectral ranking), so each iteration costs O(n²)
whatever the number of comparisons. Its ``alpha`` (default 0.001) initialises every
transition rate of the LSR Markov chain, a small pseudo-count that keeps the estimate finite
when an essay always wins or always loses (the plain maximum-likelihood θ would then be ±∞);
at the default it moves standard errors by well under 1 % on realistic data.

Identification. θ is defined up to an additive constant, fixed by sum-to-zero: the
reported θ is centred to mean 0. When the comparison graph is disconnected, nothing
in the data places one component against another; each component is then centred to
mean 0 on its own and the
components are reported in ``BTFit.components`` so callers can warn. θ values from
different components must not be compared.

Standard errors. The Fisher information of the *unpenalised* log-likelihood at θ̂ is
I = Σ_comparisons p(1−p)(e_i − e_j)(e_i − e_j)ᵀ, a weighted graph Laplacian whose null
space is the constant vector on each component. The covariance under the sum-to-zero
constraint is the Moore–Penrose pseudo-inverse of I, computed exactly per component as
(I_c + 11ᵀ/n_c)⁻¹ − 11ᵀ/n_c. The regularisation is deliberately left out of I: a
penalised information (a ridge's curvature 2α on every diagonal entry, say) would shrink
every SE by an amount that says nothing about the data.

Essays without a successful comparison have no information at all: they are left out
of ``theta`` and ``standard_error`` (callers detect the absence) and appear in
``comparison_count`` with 0 when they were named in ``essay_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import choix
import numpy as np
import numpy.typing as npt

from eng5_np.analysis.comparisons import (
    ComparisonOutcome,
    comparison_counts,
    connected_components,
)

DEFAULT_ALPHA = 0.001
"""LSR pseudo-count α that keeps the fit finite for always-winning/losing essays."""

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class BTFit:
    """A Bradley–Terry fit: θ (mean 0 per component) and its standard errors, in logits."""

    theta: dict[str, float]
    """Ability per essay with ≥1 successful comparison."""
    standard_error: dict[str, float]
    """Finite, positive SE per essay in ``theta`` (sum-to-zero constraint)."""
    comparison_count: dict[str, int]
    """Successful comparisons per essay, 0 for named essays never compared."""
    components: tuple[frozenset[str], ...]
    """Connected components of the comparison graph, largest first."""

    @property
    def is_connected(self) -> bool:
        """True when every compared essay sits on one common scale."""
        return len(self.components) <= 1


def fit_bradley_terry(
    outcomes: Sequence[ComparisonOutcome],
    essay_ids: Iterable[str] | None = None,
    alpha: float = DEFAULT_ALPHA,
) -> BTFit:
    """Fit θ to the comparisons with ``choix`` and compute sum-to-zero Fisher SEs.

    ``essay_ids`` names essays expected in the run; comparisons of any other essay
    raise ``ValueError``. ``alpha`` must be positive (see the module docstring).
    """
    if alpha <= 0:
        raise ValueError(f"alpha must be positive so the fit always exists, got {alpha}")
    counts = comparison_counts(outcomes)
    if essay_ids is not None:
        known = set(essay_ids)
        unknown = sorted(set(counts) - known)
        if unknown:
            raise ValueError(f"comparisons name essays outside essay_ids: {unknown}")
        counts = {essay_id: counts.get(essay_id, 0) for essay_id in sorted(known)}
    if not outcomes:
        return BTFit(theta={}, standard_error={}, comparison_count=counts, components=())

    compared = sorted(essay_id for essay_id, count in counts.items() if count > 0)
    index = {essay_id: position for position, essay_id in enumerate(compared)}
    winners = np.array([index[o.winner_id] for o in outcomes], dtype=np.intp)
    losers = np.array([index[o.loser_id] for o in outcomes], dtype=np.intp)

    # Wins per ordered pair in one dense matrix: choix's dense ILSR works on counts, so the
    # fit costs O(n²) per iteration however many comparisons there are (its per-comparison
    # optimisers loop in Python and took seconds at 20,000 comparisons).
    wins = np.zeros((len(compared), len(compared)), dtype=np.float64)
    np.add.at(wins, (winners, losers), 1.0)
    raw = np.asarray(choix.ilsr_pairwise_dense(wins, alpha=alpha), dtype=np.float64)

    components = connected_components(outcomes)
    member_indices = [
        np.array(sorted(index[essay_id] for essay_id in group), dtype=np.intp)
        for group in components
    ]
    theta = raw.copy()
    for members in member_indices:
        theta[members] -= theta[members].mean()

    information = fisher_information(theta, winners, losers)
    variance = np.empty(len(compared), dtype=np.float64)
    for members in member_indices:
        variance[members] = np.diag(_constrained_covariance(information[np.ix_(members, members)]))
    if not np.all(np.isfinite(variance)) or np.any(variance <= 0):
        # Only reachable if θ̂ diverged so far that p(1-p) underflowed to 0.
        raise ValueError("standard errors are not finite; increase alpha")
    standard_error = np.sqrt(variance)

    return BTFit(
        theta={essay_id: float(theta[i]) for essay_id, i in index.items()},
        standard_error={essay_id: float(standard_error[i]) for essay_id, i in index.items()},
        comparison_count=counts,
        components=tuple(components),
    )


def fisher_information(theta: FloatArray, winners: IndexArray, losers: IndexArray) -> FloatArray:
    """Unpenalised BT Fisher information Σ p(1−p)(e_i − e_j)(e_i − e_j)ᵀ at ``theta``."""
    difference = theta[winners] - theta[losers]
    probability = 1.0 / (1.0 + np.exp(-difference))
    weight = probability * (1.0 - probability)
    information = np.zeros((len(theta), len(theta)), dtype=np.float64)
    np.add.at(information, (winners, winners), weight)
    np.add.at(information, (losers, losers), weight)
    np.add.at(information, (winners, losers), -weight)
    np.add.at(information, (losers, winners), -weight)
    return information


def _constrained_covariance(information: FloatArray) -> FloatArray:
    """Covariance of θ̂ under sum-to-zero for one connected component.

    The information of a connected component has null space span(1); adding the
    projector 11ᵀ/n makes it invertible without touching the other directions, so
    the inverse minus 11ᵀ/n is exactly the pseudo-inverse, with no rank threshold.
    """
    size = information.shape[0]
    averaging = np.full((size, size), 1.0 / size)
    covariance: FloatArray = np.linalg.inv(information + averaging) - averaging
    return covariance
