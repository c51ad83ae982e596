"""Bradley–Terry fit of successful comparisons that always returns, with posterior SEs.

Model: P(i beats j) = σ(θ_i − θ_j), σ the logistic function, θ in logits.

Why not plain maximum likelihood. The maximum-likelihood θ exists only when, within every
connected part of the comparison graph, the directed "beat" graph is strongly connected
(Ford 1957; Hunter 2004): an essay that wins (or loses) every comparison, or a group that
never loses to anyone outside it, has an ML θ of ±∞. Real CJ batches produce exactly that —
with 7–8 comparisons per essay one essay often wins them all — and iterative ML solvers then
either never converge or stop at an arbitrary point far out, whose SEs are meaningless.

Fit: maximum a posteriori with a weak Gaussian prior θ_i ~ N(0, σ²), σ = :data:`DEFAULT_PRIOR_SD`
= 3 logits. Typical CJ scales span about ±3 logits (SD 1.5–2), so the prior puts 95 % of its
mass within ±6 and decides what the data leave undecided: a separated essay gets a finite θ a
few logits beyond its neighbours and a large SE. It is not negligible where the data do speak.
Measured shrinkage where the maximum-likelihood θ exists (``nice -n 10 python
benchmarks/bench_coverage.py``, 9 anchors, 400 datasets per scenario, MAP against a σ = 10⁴
fit of the same data): with 0.75 logits between grades the spread of θ shrinks by
1 − sd(θ_MAP)/sd(θ_ML) = 0.189–0.190 at 10 comparisons per anchor (ML exists in 11–12 % of
datasets) and 0.145–0.152 at 20 (56–59 %), the SEs by 0.159–0.161 and 0.136–0.145; with 1.5
logits the ML θ almost never exists (0–2 %: an end anchor wins or loses everything) and in
those few datasets the spread shrinks by 0.220–0.243, the SEs by 0.231–0.264. SE-based
figures (SSR) are computed on this shrunk scale.

The log posterior is strictly concave, so the maximum is unique and always exists. It is found by
Newton's method on the dense n × n information matrix, built from the matrix of wins per
ordered pair: O(n²) per step to build plus O(n³) to solve, independent of the number of
comparisons (100,000 comparisons cost the same as 100). Each step is halved until the log
posterior increases (backtracking), which makes Newton globally convergent on a concave
objective; iterations are bounded (:data:`MAX_NEWTON_STEPS`). Should the bound ever be
reached, the fit falls back to the same objective with a prior of σ = :data:`FALLBACK_PRIOR_SD`
(better conditioned) and says so in ``BTFit.method``.

Identification. The likelihood only sees differences θ_i − θ_j, so θ is defined up to an
additive constant per connected component of the comparison graph. The prior's gradient along
that constant is the component's mean θ / σ², so the MAP θ has mean exactly 0 in every
component (sum-to-zero, per component). Components are reported in ``BTFit.components``:
nothing in the data places one component against another and their θ must not be compared.

Standard errors. The negative Hessian of the log posterior at θ̂ is H = I(θ̂) + 1/σ² · Id, with
I = Σ_comparisons p(1−p)(e_i − e_j)(e_i − e_j)ᵀ the Fisher information (a weighted graph
Laplacian). Under the sum-to-zero constraint the covariance is P H⁻¹ P, P the projector that
centres each component: the direction along each component's constant is pure prior (an
arbitrary location) and is projected out, so no SE carries the prior's σ²/n location variance.
Where the ML estimate exists the SEs are 14–16 % below the unpenalised Fisher pseudo-inverse's
on the benchmark's 9-anchor designs with 0.75 logits per grade (above); where it does not, they
are the posterior spread.

Separation. Essays whose ML θ would be ±∞ relative to the body of their connected component
(:mod:`eng5_np.analysis.separation`: those outside its largest strongly connected group of the
"beat" graph — an essay that won or lost everything, or a group that never lost to the rest)
are listed in ``BTFit.separated``: how far out they sit is set by the prior, not the data, and
any reliability figure built on them must say so.

Essays without a successful comparison have no information at all: they are left out of
``theta`` and ``standard_error`` (callers detect the absence) and appear in ``comparison_count``
with 0 when they were named in ``essay_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from eng5_np.analysis.comparisons import (
    ComparisonOutcome,
    comparison_counts,
    connected_components,
)
from eng5_np.analysis.separation import separated_essays

DEFAULT_PRIOR_SD = 3.0
"""σ of the Gaussian prior θ ~ N(0, σ²), in logits (see the module docstring)."""
FALLBACK_PRIOR_SD = 1.0
"""σ used if Newton does not converge within :data:`MAX_NEWTON_STEPS` at the requested σ."""
MAX_NEWTON_STEPS = 100
"""Newton steps per attempt; from θ = 0 a concave fit needs well under 30."""
MAX_HALVINGS = 60
"""Step halvings per Newton step before the step is declared stuck."""
GRADIENT_TOLERANCE = 1e-9
"""Convergence: largest |∂ log posterior / ∂θ_i|, relative to the comparisons per essay."""

METHOD_MAP = "map-newton"
METHOD_FALLBACK = "map-newton-fallback"

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class BTFit:
    """A Bradley–Terry fit: θ (mean 0 per component) and its standard errors, in logits."""

    theta: dict[str, float]
    """Ability per essay with ≥1 successful comparison."""
    standard_error: dict[str, float]
    """Finite, positive SE per essay in ``theta`` (posterior curvature, sum-to-zero)."""
    comparison_count: dict[str, int]
    """Successful comparisons per essay, 0 for named essays never compared."""
    components: tuple[frozenset[str], ...]
    """Connected components of the comparison graph, largest first."""
    separated: tuple[str, ...] = ()
    """Essays whose maximum-likelihood θ would be ±∞ (see the module docstring), sorted."""
    method: str = METHOD_MAP
    """How θ was found: ``map-newton``, or ``map-newton-fallback`` with the fallback prior."""
    prior_sd: float = DEFAULT_PRIOR_SD
    """σ of the prior the reported θ and SEs were computed with."""
    iterations: int = 0
    """Newton steps taken (over all attempts)."""
    converged: bool = True
    """False only if even the fallback missed the gradient tolerance (θ: its best iterate)."""
    position_effect: float | None = None
    """δ when θ was fitted jointly with a first-position effect (θ is then net of it), else
    None (:mod:`eng5_np.analysis.position_effect`)."""
    covariance: FloatArray | None = field(default=None, compare=False, repr=False)
    """The sum-to-zero posterior covariance of θ over ``sorted(theta)``, when the fit kept it."""

    @property
    def is_connected(self) -> bool:
        """True when every compared essay sits on one common scale."""
        return len(self.components) <= 1

    @property
    def separation_bounds(self) -> dict[str, str]:
        """``">="`` or ``"<="`` per separated essay: above or below the rest of its component.

        The data say only that such an essay is at least (at most) this high; the prior set
        the value. "The rest" is the median θ of the component's essays that are not separated.
        """
        separated = set(self.separated)
        bounds: dict[str, str] = {}
        for part in self.components:
            body = sorted(self.theta[e] for e in part if e not in separated and e in self.theta)
            centre = body[len(body) // 2] if body else 0.0
            for essay in part & separated:
                if essay in self.theta:
                    bounds[essay] = ">=" if self.theta[essay] > centre else "<="
        return bounds

    @property
    def method_description(self) -> str:
        """One line saying how the fit was made, for artefacts and reports."""
        text = (
            f"{self.method}: maximum a posteriori Bradley–Terry, prior θ ~ N(0, "
            f"{self.prior_sd:g}²), Newton's method ({self.iterations} steps)"
        )
        if self.method == METHOD_FALLBACK:
            text += f"; the requested prior did not converge, so σ = {self.prior_sd:g}"
        if not self.converged:
            text += "; not converged to tolerance, θ is the last iterate"
        if self.position_effect is not None:
            text += (
                f"; first-position effect δ = {self.position_effect:.3f} fitted jointly, "
                "θ net of it"
            )
        return text


def fit_bradley_terry(
    outcomes: Sequence[ComparisonOutcome],
    essay_ids: Iterable[str] | None = None,
    prior_sd: float = DEFAULT_PRIOR_SD,
    max_steps: int = MAX_NEWTON_STEPS,
) -> BTFit:
    """Fit θ by MAP Newton (always returns) and compute sum-to-zero posterior SEs.

    ``essay_ids`` names essays expected in the run; comparisons of any other essay raise
    ``ValueError``. ``prior_sd`` must be positive and finite (see the module docstring).
    """
    if not (np.isfinite(prior_sd) and prior_sd > 0):
        raise ValueError(f"prior_sd must be positive and finite, got {prior_sd}")
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    counts = comparison_counts(outcomes)
    if essay_ids is not None:
        known = set(essay_ids)
        unknown = sorted(set(counts) - known)
        if unknown:
            raise ValueError(f"comparisons name essays outside essay_ids: {unknown}")
        counts = {essay_id: counts.get(essay_id, 0) for essay_id in sorted(known)}
    if not outcomes:
        return BTFit(
            theta={}, standard_error={}, comparison_count=counts, components=(), prior_sd=prior_sd
        )

    compared = sorted(essay_id for essay_id, count in counts.items() if count > 0)
    index = {essay_id: position for position, essay_id in enumerate(compared)}
    winners = np.array([index[o.winner_id] for o in outcomes], dtype=np.intp)
    losers = np.array([index[o.loser_id] for o in outcomes], dtype=np.intp)
    # Wins per ordered pair in one dense matrix: every step then costs O(n²) to build,
    # however many comparisons there are.
    wins = np.zeros((len(compared), len(compared)), dtype=np.float64)
    np.add.at(wins, (winners, losers), 1.0)

    method, used_sd = METHOD_MAP, prior_sd
    theta, steps, converged = newton_map(wins, prior_sd, max_steps)
    if not converged:
        # The stronger prior bounds the Hessian's condition number; it gets the full budget.
        fallback_theta, more, converged = newton_map(wins, FALLBACK_PRIOR_SD, MAX_NEWTON_STEPS)
        theta, steps = fallback_theta, steps + more
        method, used_sd = METHOD_FALLBACK, FALLBACK_PRIOR_SD

    components = connected_components(outcomes)
    groups = [np.array(sorted(index[e] for e in group), dtype=np.intp) for group in components]
    # The MAP θ is centred per component analytically; remove the last rounding residue.
    for members in groups:
        theta[members] -= theta[members].mean()
    covariance = constrained_covariance(information_matrix(theta, wins), used_sd, groups)
    standard_error = np.sqrt(np.diag(covariance))

    return BTFit(
        theta={essay_id: float(theta[i]) for essay_id, i in index.items()},
        standard_error={essay_id: float(standard_error[i]) for essay_id, i in index.items()},
        comparison_count=counts,
        components=tuple(components),
        separated=tuple(separated_essays(wins, compared)),
        method=method,
        prior_sd=used_sd,
        iterations=steps,
        converged=converged,
    )


def log_posterior(theta: FloatArray, wins: FloatArray, prior_sd: float) -> float:
    """Σ wins_ij · log σ(θ_i − θ_j) − Σ θ_i² / (2σ²), up to a constant."""
    difference = theta[:, None] - theta[None, :]
    # log σ(x) = −log(1 + e^{−x}), computed without overflow for large |x|.
    log_win = -np.logaddexp(0.0, -difference)
    return float(np.sum(wins * log_win) - np.sum(theta**2) / (2.0 * prior_sd**2))


def information_matrix(theta: FloatArray, wins: FloatArray) -> FloatArray:
    """Unpenalised Fisher information Σ p(1−p)(e_i − e_j)(e_i − e_j)ᵀ from the win matrix."""
    meetings = wins + wins.T
    probability = _sigmoid(theta[:, None] - theta[None, :])
    weight = meetings * probability * (1.0 - probability)
    # No essay meets itself, so the diagonal of ``weight`` is 0 and the row sums are the degrees.
    information: FloatArray = -weight
    np.fill_diagonal(information, weight.sum(axis=1))
    return information


def fisher_information(theta: FloatArray, winners: IndexArray, losers: IndexArray) -> FloatArray:
    """Unpenalised BT Fisher information at ``theta`` from per-comparison index arrays."""
    wins = np.zeros((len(theta), len(theta)), dtype=np.float64)
    np.add.at(wins, (winners, losers), 1.0)
    return information_matrix(theta, wins)


def newton_map(wins: FloatArray, prior_sd: float, max_steps: int) -> tuple[FloatArray, int, bool]:
    """Maximise :func:`log_posterior` from θ = 0; return (θ̂, steps, converged).

    Each Newton step is halved until the log posterior does not decrease; convergence is a
    gradient below :data:`GRADIENT_TOLERANCE` × (1 + comparisons of the busiest essay).
    """
    size = wins.shape[0]
    theta = np.zeros(size, dtype=np.float64)
    precision = 1.0 / prior_sd**2
    meetings = wins + wins.T
    tolerance = GRADIENT_TOLERANCE * (1.0 + float(meetings.sum(axis=1).max(initial=0.0)))
    # The likelihood is flat along each component's constant, so the Hessian's smallest
    # eigenvalue there is the prior's 1/σ² (1e-8 for σ = 1e4): solving with it amplifies
    # rounding noise into huge moves along the constant and Newton never settles. The exact
    # MAP θ is centred per component, so θ is kept centred and that direction is given unit
    # curvature (J = Σ_c 1_c 1_cᵀ/|c|): for a centred gradient the step is unchanged, and the
    # system stays well conditioned however weak the prior.
    averaging = _component_averaging(meetings)
    current = log_posterior(theta, wins, prior_sd)
    for step in range(1, max_steps + 1):
        gradient = _gradient(theta, wins, meetings, precision)
        if float(np.max(np.abs(gradient), initial=0.0)) <= tolerance:
            return theta, step - 1, True
        hessian = information_matrix(theta, wins) + precision * np.eye(size) + averaging
        direction = np.linalg.solve(hessian, gradient)
        scale = 1.0
        for _ in range(MAX_HALVINGS):
            candidate = theta + scale * direction
            # Centring changes no likelihood term and shrinks the prior's: never a loss.
            candidate -= averaging @ candidate
            value = log_posterior(candidate, wins, prior_sd)
            if value >= current:
                break
            scale /= 2.0
        else:
            # No step improves the objective at machine precision: θ is the maximum.
            return theta, step, True
        theta, current = candidate, value
    converged = (
        float(np.max(np.abs(_gradient(theta, wins, meetings, precision)), initial=0.0)) <= tolerance
    )
    return theta, max_steps, converged


def _component_averaging(meetings: FloatArray) -> FloatArray:
    """J = Σ_c 1_c 1_cᵀ / |c| over the connected components of the graph of meetings."""
    size = meetings.shape[0]
    label = np.full(size, -1, dtype=np.intp)
    for start in range(size):
        if label[start] >= 0:
            continue
        label[start] = start
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for neighbour in np.flatnonzero(meetings[node] > 0):
                if label[neighbour] < 0:
                    label[neighbour] = start
                    frontier.append(int(neighbour))
    same = (label[:, None] == label[None, :]).astype(np.float64)
    averaging: FloatArray = same / same.sum(axis=1, keepdims=True)
    return averaging


def constrained_covariance(
    information: FloatArray, prior_sd: float, groups: Sequence[IndexArray]
) -> FloatArray:
    """P (I + Id/σ²)⁻¹ P, P centring each component: the sum-to-zero posterior covariance."""
    size = information.shape[0]
    hessian = information + np.eye(size) / prior_sd**2
    centring = np.eye(size)
    for members in groups:
        centring[np.ix_(members, members)] -= 1.0 / len(members)
    covariance: FloatArray = centring @ np.linalg.inv(hessian) @ centring
    return covariance


def _gradient(
    theta: FloatArray, wins: FloatArray, meetings: FloatArray, precision: float
) -> FloatArray:
    probability = _sigmoid(theta[:, None] - theta[None, :])
    gradient: FloatArray = (
        wins.sum(axis=1) - (meetings * probability).sum(axis=1) - precision * theta
    )
    return gradient


def _sigmoid(values: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * values))
    return result
