"""``adaptive``: each wave's pairs chosen for the information they add to what the run is for.

Rule. A start of ``start_comparisons_per_essay`` (1) balanced comparison per essay
(:func:`~eng5_np.localstack.designs.balanced.balanced_plan`) gives every essay a first
result; from then on,
before every wave the design refits Bradley–Terry (the MAP fit of
:mod:`eng5_np.analysis.bradley_terry`) and takes the posterior covariance Σ = (I(θ̂) + Id/σ²)⁻¹.
One more comparison of i and j adds the information λ dᵀd with d = e_i − e_j and
λ = p(1 − p), p = σ(θ̂_i − θ̂_j) (the expected Fisher information: most where the outcome is
least certain), so it lowers the variance of any contrast c'θ by λ (c'Σd)² / (1 + λ d'Σd)
(a rank-one update). The objective says which contrasts matter:

- ``scale`` (an execute: the scale's precision): the whole scale's posterior volume — the gain
  is the growth of the information's log-determinant, log(1 + λ d'Σd) (D-optimal selection:
  the pair whose outcome is least predictable given how little the two are linked so far);
- ``order`` (an anchor-align: the anchors' order): the expected number of pairs the fit still
  has in the wrong order, L = Σ_kl Φ(−|θ̂_k − θ̂_l| / √v_kl), v_kl = Var(θ̂_k − θ̂_l) (the
  Laplace posterior's chance that each pair's order is the other one): the gain is the drop of
  L when one comparison lowers every v_kl by λ (c_kl'Σd)² / (1 + λ d'Σd), θ̂ held
  (:func:`expected_misorder_drop`; O(m²) for m = n(n−1)/2 candidates, which is small for an
  anchor set). It is the loss τ-b and Spearman's ρ count, so it puts the comparisons on pairs
  whose order is open and on those that tie open pairs to the rest of the scale; pairs many
  grades apart get none. For the first ``lookahead_comparisons_per_essay`` (6) comparisons per
  essay the gain also counts how the outcome moves θ̂ (preposterior: the loss after is
  averaged over the move, whose variance is the variance the contrast loses): early, when the
  fit has many essays level, holding θ̂ would see no gain in comparing them.

History (all tuned on seeds ≥ 1000, never on the recorded seeds 0–19): until 2026-12-08
``scale`` took the drop of Σ's centred trace (A-optimal) and ``order`` the share λv / (1 + λv)
by which the compared pair's own v drops; then D-optimal for ``scale`` and, for ``order``, the
drop of that pair's SD √v weighted by exp(−Δ² / 2v). The expected-misorder rule replaced the
latter after, on seeds 1000–1099 (``--first-seed 1000 --seeds 100``, 100 replicates), it needed
81.0 comparisons to a τ-b width of 0.3 against 85.9 (balanced 113.0), and 23.3 against 22.5 to
ρ 0.9 (balanced 27.3). Counting θ̂'s move for the first 3n comparisons (6 per essay) then
needed 78.5 and 22.5 on seeds 1000–1099, and on seeds 1060–1159 (fresh tuning seeds) 81.0 and
21.7 against 81.0 and 24.2 without it (balanced ρ 0.9 at 32.1); counting it throughout needed
93.0 to the width (seeds 1000–1059). Tried and dropped (100 replicates; ρ 0.9 on the anchors
unless named): for the first 2n–3n comparisons, pairs a target rank gap of 3–4 apart in the
current fit (the oracle's pattern below, with estimated ranks), then the former rule: 24.6–29.5
against that rule's 21.8 (seeds 1000–1039); pairs whose order's posterior probability is
nearest 0.75–0.9, then the rule above: 26.6–32.0 (balanced 28.4, seeds 1000–1059); D-optimal or
the former rule first, then the rule above: 21.8–22.8 against 24.0, but width 81.0–85.0 against
73.9 (seeds 1000–1039); a start of 2 or 3 balanced comparisons per essay: 22.0, 22.1, width
85.0 (seeds 1000–1039). The expected-misorder rule for ``scale`` too lost on the mixed batch (ρ
0.9: 92.0 against 83.4, width 192.2 against 167.6, seeds 1000–1039), so D-optimal stays. An
oracle that knows the truth and compares only pairs 2.5–4.5 grades apart
(``bench_designs.py``'s ``oracle`` line) reaches ρ 0.9 far sooner; none of these rules, which
have only θ̂ and Σ, found its pairs. Also tried and dropped (seeds 1000–1039, 100 replicates,
ρ 0.9 on the anchors: balanced 28.4, this rule 22.9, each run's figures interpolated per
comparison since some of these waves vary in size): rounds of noisy Quicksort, each wave every
part's pivot against the rest of its part (Maystre & Grossglauser (2017), *Just sort it! A
simple and effective approach to active preference learning*, ICML), one, two or all rounds
then this rule: 24.1–25.1; pairs 3–4 ranks (or 2.5–4.5 grade steps) apart in one draw from the
posterior, the oracle's pattern with sampled positions, for the first 2–5 comparisons per
essay: 24.0–27.0; the design's prior SD 1.0 or 1.5 instead of 3: 22.5 and 24.9; the
Bayes-optimal one-step rule for ρ itself (each pair's expected ρ of the refitted MAP θ over 300
posterior draws, Laplace or importance-weighted to the exact posterior): 22.1 and 23.5; waves
of one pair: 20.5 (20.3 against balanced's 28.3 on seeds 1000–1079; on the mixed batch waves of
2: 79.4 against 85.3, seeds 1000–1029), which makes a batch of 120 comparisons 120 rounds of the
judge.

A wave takes the best pair, updates Σ as if it had been judged, and repeats, each essay at
most once per wave, up to ⌊n/2⌋ pairs (a pair may be chosen again: repeats are data). Positions
are ``fair_complement``. The batch stops ``target_reached`` when ``target_precision`` is met —
``scale``: the mean SE of θ; ``order``: the width of the 95 % bootstrap interval of τ-b
between the fitted order and the refits (:func:`~eng5_np.localstack.designs.precision.
tau_interval_width`; the CJ service does not know the anchors' grades, so it measures the
interval of the order it has found: the runner's τ-b interval when the judge orders the
anchors by grade) — or ``budget_spent``, whichever comes first. Which objective: the request's
``metadata.runner_mode`` (``anchor-align`` → ``order``, else ``scale``).

References: information-based (maximum-information) pair selection in adaptive comparative
judgement — Pollitt (2012), *The method of Adaptive Comparative Judgement*, Assessment in
Education 19(3); Crompvoets, Béguin & Sijtsma (2020), *Adaptive pairwise comparison for
educational measurement*, Journal of Educational and Behavioral Statistics 45(3). Adaptivity
inflates scale separation reliability: pairing essays of similar estimated quality makes the
estimated spread and its SEs look better than the data warrant — Bramley (2015), *Investigating
the reliability of Adaptive Comparative Judgment* (Cambridge Assessment research report), and
Bramley & Vitello (2019), *The effect of adaptivity on the reliability coefficient in adaptive
comparative judgement*, Assessment in Education 26(1). The report therefore says, for an
adaptive run, that its SSR is not comparable with a non-adaptive run's and that its measured
precision is the benchmark's against-truth figures (``benchmarks/bench_designs.py``, which
prints SSR beside the true reliability per design).

Measured (``nice -n 10 python benchmarks/bench_designs.py``, seeds 0–199, 2026-12-08, the
runner's hybrid τ-b interval; benchmarks/README.md): to a τ-b interval width of 0.3 and a
Spearman ρ of 0.9 with the truth it needs 82.5 and 23.1 comparisons of 9 anchors against
balanced pairing's 118.5 and 29.0 (30.4 % fewer: PASS, 95 % bootstrap interval over seeds
0.245…0.340; 20.4 %: MISS, 0.130…0.263), and 182.8 and 86.8 on a mixed batch of 23 essays
against 325.8 and 110.3 (43.9 %: PASS, 0.385…0.466; 21.3 %: MISS, 0.157…0.269). To the
stricter ρ of 0.95 it saves 34.0 % on the anchors and 35.3 % on the mixed batch (0.97 on the
anchors: 36.2 %). An oracle that knows the truth reaches ρ 0.9 on the anchors with 38.6 % fewer
comparisons than balanced. At 72 comparisons of 9 anchors adaptive reaches width 0.333 and ρ
0.972 (balanced 0.429, 0.955; at 144, 0.222 and 0.991 against 0.278 and 0.979); SSR exceeded
the true reliability by at most 0.006 for any design (adaptive, mixed batch, 132).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from eng5_np.analysis import DEFAULT_PRIOR_SD
from eng5_np.analysis.bradley_terry import MAX_NEWTON_STEPS, information_matrix, newton_map
from eng5_np.localstack.designs.balanced import balanced_plan
from eng5_np.localstack.designs.precision import mean_standard_error, tau_interval_width
from eng5_np.localstack.designs.protocol import BatchStop, Judgement, Ledger, StopReason
from eng5_np.localstack.pairing import PlannedPair

__all__ = ["AdaptiveDesign", "AdaptiveSettings", "Objective", "expected_misorder_drop"]

FloatArray = npt.NDArray[np.float64]


_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(10)
"""Gauss–Hermite rule (probabilists'): E f(Z), Z ~ N(0, 1), as Σ w f(node) / Σ w."""


def expected_misorder_drop(
    covariance: FloatArray,
    theta: FloatArray,
    first: npt.NDArray[np.intp],
    second: npt.NDArray[np.intp],
    information: FloatArray,
    *,
    moves: bool = False,
) -> FloatArray:
    """Per candidate pair (first[c], second[c]): how much one more comparison of it lowers
    the expected number of misordered pairs, Σ_kl Φ(−|θ̂_k − θ̂_l| / √v_kl).

    v_kl = Var(θ̂_k − θ̂_l) under ``covariance``; one comparison of candidate d = e_i − e_j with
    expected information λ = ``information[c]`` lowers it to v'_kl = v_kl − δ_kl,
    δ_kl = λ (c_kl'Σd)² / (1 + λ d'Σd) (the rank-one update). ``moves`` False: θ̂ held where
    it is. ``moves`` True (preposterior): the outcome also moves θ̂_k − θ̂_l, by an amount of
    variance δ_kl (the variance the posterior loses is the spread of its mean's move), so the
    loss after is E Φ(−|Δ + √δ Z| / √v'), Z ~ N(0, 1), by 10-point Gauss–Hermite quadrature;
    this values comparing essays the fit has level (Δ = 0), where holding θ̂ sees no gain.
    The kink of |·| costs the quadrature some accuracy: 0.2057 for the exact
    arctan(√½) / π = 0.1959 of the two-essay case in the tests (0.1983 with 40 points, which
    measured no better on the tuning seeds). O(m²) for m = n(n−1)/2 candidates (×10 with
    ``moves``).
    """
    from scipy.special import ndtr  # imported lazily: the other designs do not need it

    columns = np.arange(len(first))
    sigma_d = covariance[:, first] - covariance[:, second]  # Σd, one column per candidate
    contrast = sigma_d[first, :] - sigma_d[second, :]  # c_kl'Σd: contrasts × candidates
    variance = contrast[columns, columns]  # v_kl, and d'Σd of the candidate kl
    shrink = information / (1.0 + information * variance)
    lost = np.maximum(contrast**2 * shrink[None, :], 0.0)
    after = np.maximum(variance[:, None] - lost, 1e-12)
    gap = theta[first] - theta[second]
    before = ndtr(-np.abs(gap) / np.sqrt(variance))
    if moves:
        moved = gap[:, None, None] + np.sqrt(lost)[:, :, None] * _NODES
        loss = ndtr(-np.abs(moved) / np.sqrt(after)[:, :, None]) @ (_WEIGHTS / _WEIGHTS.sum())
    else:
        loss = ndtr(-np.abs(gap)[:, None] / np.sqrt(after))
    drop: FloatArray = (before[:, None] - loss).sum(axis=0)
    return drop


class Objective(StrEnum):
    """What the run is for (see the module docstring)."""

    SCALE = "scale"
    ORDER = "order"


@dataclass(frozen=True)
class AdaptiveSettings:
    """The adaptive design's settings."""

    max_pairwise_comparisons: int = 120
    """The budget without ``metadata.max_comparisons`` (the platform's default)."""
    target_precision: float | None = None
    """Stop when met: mean SE (``scale``) or τ-b interval width (``order``); None = budget."""
    start_comparisons_per_essay: int = 1
    lookahead_comparisons_per_essay: int = 6
    """``order``: the preposterior gain (θ̂'s moves counted) until this many comparisons per
    essay (on average) have been submitted, the gain with θ̂ held after (module docstring)."""
    prior_sd: float = DEFAULT_PRIOR_SD
    bootstrap_replicates: int = 200
    """Replicates of the τ-b interval the ``order`` target is checked on."""

    def __post_init__(self) -> None:
        if self.target_precision is not None and self.target_precision <= 0:
            raise ValueError("target_precision must be positive")
        if self.start_comparisons_per_essay < 0:
            raise ValueError("start_comparisons_per_essay must not be negative")
        if self.lookahead_comparisons_per_essay < 0:
            raise ValueError("lookahead_comparisons_per_essay must not be negative")


class AdaptiveDesign:
    """Information-based pairing with a precision target (see the module docstring)."""

    name = "adaptive"

    def __init__(
        self,
        essays: Iterable[str],
        anchors: Collection[str] = (),
        *,
        objective: Objective = Objective.SCALE,
        budget: int | None = None,
        seed: int | str = 0,
        settings: AdaptiveSettings | None = None,
    ) -> None:
        self.settings = settings or AdaptiveSettings()
        self.objective = objective
        self.ledger = Ledger.of(essays, seed)
        count = len(self.ledger.essays)
        self._budget = budget if budget is not None else self.settings.max_pairwise_comparisons
        if self._budget < 1:
            raise ValueError(f"budget must be positive, got {self._budget}")
        start = -(-count * self.settings.start_comparisons_per_essay // 2)
        self._start = balanced_plan(self.ledger.essays, anchors, min(start, self._budget), seed)
        self._wave_size = max(1, count // 2)
        self._index = {essay: i for i, essay in enumerate(self.ledger.essays)}
        self.precision: float | None = None
        """The last measured precision (mean SE or τ-b interval width)."""

    @property
    def budget(self) -> int:
        """Comparisons the batch may submit."""
        return self._budget

    def parameters(self) -> dict[str, Any]:
        """Settings, objective, budget and wave size."""
        return {
            **asdict(self.settings),
            "objective": self.objective.value,
            "budget": self._budget,
            "wave_size": self._wave_size,
        }

    def next_wave(self) -> list[PlannedPair]:
        """The start's next slice, then the most informative pairs."""
        ledger = self.ledger
        remaining = self._budget - ledger.submitted
        if remaining <= 0:
            return []
        size = min(self._wave_size, remaining)
        begun = self._start[ledger.submitted : ledger.submitted + size]
        # The start's last pairs share their wave with the most informative others.
        busy = {essay for pair in begun for essay in (pair.essay_a_id, pair.essay_b_id)}
        chosen = self._informative_pairs(size - len(begun), busy) if len(begun) < size else []
        return ledger.submit([*begun, *(ledger.orient(a, b) for a, b in chosen)])

    def _informative_pairs(self, size: int, busy: set[str]) -> list[tuple[str, str]]:
        essays = self.ledger.essays
        n = len(essays)
        wins = np.zeros((n, n), dtype=np.float64)
        for outcome in self.ledger.outcomes:
            wins[self._index[outcome.winner_id], self._index[outcome.loser_id]] += 1.0
        theta, _, _ = newton_map(wins, self.settings.prior_sd, MAX_NEWTON_STEPS)
        hessian = information_matrix(theta, wins) + np.eye(n) / self.settings.prior_sd**2
        covariance: FloatArray = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
        first, second = np.triu_indices(n, 1)
        difference = theta[first] - theta[second]
        probability = 1.0 / (1.0 + np.exp(-difference))
        information = probability * (1.0 - probability)
        free = np.array([essay not in busy for essay in essays], dtype=bool)
        chosen: list[tuple[str, str]] = []
        while len(chosen) < size:
            gains = self._gains(covariance, theta, first, second, information)
            gains[~(free[first] & free[second])] = -np.inf
            best = int(np.argmax(gains))
            if not np.isfinite(gains[best]):
                break
            i, j = int(first[best]), int(second[best])
            u = covariance[:, i] - covariance[:, j]
            lam = float(information[best])
            update: FloatArray = np.outer(u, u) * (lam / (1.0 + lam * float(u[i] - u[j])))
            covariance = covariance - update
            free[i] = free[j] = False
            chosen.append((essays[i], essays[j]))
        return chosen

    def _gains(
        self,
        covariance: FloatArray,
        theta: FloatArray,
        first: npt.NDArray[np.intp],
        second: npt.NDArray[np.intp],
        information: FloatArray,
    ) -> FloatArray:
        """Per candidate pair, the objective's expected gain from one more comparison."""
        if self.objective is Objective.SCALE:
            # D-optimal: the log-determinant of the information grows by log(1 + λ d'Σd).
            spread = (
                covariance[first, first]
                + covariance[second, second]
                - 2 * covariance[first, second]
            )
            gain: FloatArray = np.log1p(information * spread)
            return gain
        # The order: the expected number of misordered pairs drops most.
        lookahead = self.settings.lookahead_comparisons_per_essay
        early = 2 * self.ledger.submitted < lookahead * len(theta)
        return expected_misorder_drop(covariance, theta, first, second, information, moves=early)

    def _measure(self) -> float | None:
        ledger = self.ledger
        if self.objective is Objective.SCALE:
            return mean_standard_error(ledger.outcomes, ledger.essays)
        fit = ledger.fit()
        if len(fit.theta) < len(ledger.essays):
            return None
        ranked = sorted(ledger.essays, key=lambda essay: fit.theta[essay])
        return tau_interval_width(
            ledger.outcomes,
            {essay: rank for rank, essay in enumerate(ranked)},
            replicates=self.settings.bootstrap_replicates,
        )

    def after_wave(self, judged: Sequence[Judgement], waves: int) -> BatchStop | None:
        """``target_reached`` when the target is met, else ``budget_spent`` at the budget."""
        ledger = self.ledger
        ledger.record(judged)
        target = self.settings.target_precision
        if target is not None and ledger.submitted > len(self._start):
            self.precision = self._measure()
            if self.precision is not None and self.precision <= target:
                label = "mean SE" if self.objective is Objective.SCALE else "τ-b interval width"
                return BatchStop(
                    StopReason.TARGET_REACHED,
                    waves,
                    f"{label} {self.precision:.3f} ≤ target {target:g} after "
                    f"{ledger.submitted} comparisons",
                )
        if ledger.submitted >= self._budget:
            return self.when_empty(waves)
        return None

    def when_empty(self, waves: int) -> BatchStop:
        """The budget is spent."""
        return BatchStop(
            StopReason.BUDGET_SPENT, waves, f"budget of {self._budget} comparisons spent"
        )
