"""``platform``: the 2026 platform CJ service's waves and stopping rule (SPEC §11.6).

Waves. Each wave is a maximum-cardinality, maximum-weight matching over the essays
(``networkx.max_weight_matching(maxcardinality=True)``, Edmonds' blossom algorithm: exact,
where a greedy matching is not), so every essay appears at most once and a wave has ⌊n/2⌋
pairs (23 essays → 11, 9 → 4). With an odd number of essays an essay with the most successful
comparisons sits out (among several, the one whose absence leaves the largest, then heaviest,
matching). Edge weight, by
:func:`edge_weight`::

    w_ij = W_c · (1/(1+c_i) + 1/(1+c_j)) + W_θ · exp(−|θ_i − θ_j|)   if |θ_i − θ_j| < 2
    w_ij = W_c · (1/(1+c_i) + 1/(1+c_j))                              otherwise

plus a seeded jitter in [0, 0.001), with c the successful comparisons so far, θ the last
Bradley–Terry refit (0 before the first), W_c = ``matching_weight_comparison_count`` (1.0) and
W_θ = ``matching_weight_bt_proximity`` (0.5). *Coverage* waves match only pairs without a
successful comparison. Once every one of the n(n−1)/2 pairs has one, each *resampling pass* is
one wave that re-submits every pair, least-compared first (ties by jitter) — so 9 anchors make
9 coverage waves of 4 pairs and then one pass of all 36 pairs, 72 comparisons, as measured on
the platform. Each wave's matching is the best for that wave alone, so coverage can need a
wave more when the last uncompared pairs share essays: with a judge of 1 logit per 0.75 grade
steps, 9 essays took 9 coverage waves for 24 of 30 judge seeds and 10 for 5 (the 30th batch
stopped ``stable`` after its 10th wave); 7 essays took 7 waves for 27 of 30 and 8 for 3.
A wave is cut to the budget that remains (its heaviest pairs kept).

Orientation ``fair_complement`` (:meth:`~eng5_np.localstack.designs.protocol.Ledger.orient`):
a pair submitted before is shown the other way round; a new pair shows first the essay that
was shown first less often.

After every wave (every callback of it back) the design refits Bradley–Terry and finalises
the batch when, in this order:

1. ``stable``: at least ``min_comparisons_for_stability_check`` (12) callbacks, the largest
   change of any θ since the previous wave ≤ ``score_stability_threshold`` (0.025) and a
   success rate ≥ ``min_success_rate_threshold`` (0.8);
2. ``budget_spent``: callbacks (= comparisons submitted) ≥ the budget;
3. ``resampling_cap``: every pair compared and the allowed passes made:
   ``max_resampling_passes_for_regular_batch`` (1), or for nets of at most
   ``min_resampling_net_size`` (3) essays ``max_resampling_passes_for_small_net`` (4).

At a cap (2 or 3) with a success rate below the threshold the batch fails instead
(``low_success_rate``).

The stall. On the platform, a batch whose next wave would be empty (coverage done, passes
spent, budget left, not stable) sits until its batch monitor's sweep (every 5 minutes)
finalises it. The local stack does not wait: :meth:`PlatformDesign.when_empty` finalises at
once with stop reason ``stalled``. Under the rules as written here the resampling cap (3) is
checked after the last pass, so with these rules a batch ends ``resampling_cap`` where the
platform would stall; ``stalled`` is what any batch gets whose design has no pair left without
a stop rule having fired, so that no local batch can hang.

The budget is ``max_pairwise_comparisons`` (120) unless the request's
``metadata.max_comparisons`` says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import networkx as nx

from eng5_np.localstack.designs.protocol import (
    BatchStop,
    Judgement,
    Ledger,
    StopReason,
)
from eng5_np.localstack.pairing import PlannedPair

__all__ = ["PlatformDesign", "PlatformSettings", "edge_weight"]

MONITOR_SWEEP_S: Final = 300
"""How often the platform's batch monitor finalises stalled batches (SPEC §11.6)."""


@dataclass(frozen=True)
class PlatformSettings:
    """The platform's defaults (``CJ_ASSESSMENT_SERVICE_<NAME>``, SPEC §11.6)."""

    max_pairwise_comparisons: int = 120
    matching_weight_comparison_count: float = 1.0
    matching_weight_bt_proximity: float = 0.5
    bt_proximity_window: float = 2.0
    """|θ_i − θ_j| below which the proximity term applies."""
    jitter: float = 0.001
    min_comparisons_for_stability_check: int = 12
    score_stability_threshold: float = 0.025
    min_success_rate_threshold: float = 0.8
    max_resampling_passes_for_regular_batch: int = 1
    min_resampling_net_size: int = 3
    max_resampling_passes_for_small_net: int = 4

    def __post_init__(self) -> None:
        if self.max_pairwise_comparisons < 1:
            raise ValueError("max_pairwise_comparisons must be at least 1")
        if not 0.0 <= self.min_success_rate_threshold <= 1.0:
            raise ValueError("min_success_rate_threshold must be within 0–1")
        passes = (
            self.max_resampling_passes_for_regular_batch,
            self.max_resampling_passes_for_small_net,
        )
        if min(passes) < 0:
            raise ValueError("resampling passes must not be negative")

    def resampling_passes(self, essays: int) -> int:
        """Passes allowed for a net of ``essays`` essays (small nets get more)."""
        if essays <= self.min_resampling_net_size:
            return self.max_resampling_passes_for_small_net
        return self.max_resampling_passes_for_regular_batch


def edge_weight(
    count_i: int, count_j: int, theta_i: float, theta_j: float, settings: PlatformSettings
) -> float:
    """The matching weight of a pair without jitter (see the module docstring)."""
    weight = settings.matching_weight_comparison_count * (1.0 / (1 + count_i) + 1.0 / (1 + count_j))
    gap = abs(theta_i - theta_j)
    if gap < settings.bt_proximity_window:
        weight += settings.matching_weight_bt_proximity * math.exp(-gap)
    return weight


def _matching(essays: list[str], weights: dict[tuple[str, str], float]) -> list[tuple[str, str]]:
    """The maximum-cardinality, maximum-weight matching of ``essays``, heaviest pair first."""
    pool = set(essays)
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(essays)
    for (a, b), weight in weights.items():
        if a in pool and b in pool:
            graph.add_edge(a, b, weight=weight)
    pairs = [(a, b) if a < b else (b, a) for a, b in nx.max_weight_matching(graph, True)]
    return sorted(pairs, key=lambda pair: (-weights[pair], pair))


class PlatformDesign:
    """The platform's pairing and stopping (see the module docstring)."""

    name = "platform"

    def __init__(
        self,
        essays: Iterable[str],
        *,
        budget: int | None = None,
        seed: int | str = 0,
        settings: PlatformSettings | None = None,
    ) -> None:
        self.settings = settings or PlatformSettings()
        self.ledger = Ledger.of(essays, seed)
        self._budget = budget if budget is not None else self.settings.max_pairwise_comparisons
        if self._budget < 1:
            raise ValueError(f"budget must be positive, got {self._budget}")
        self.theta: dict[str, float] = dict.fromkeys(self.ledger.essays, 0.0)
        self.passes_done = 0
        self.last_change: float | None = None
        """Largest |Δθ| of the last refit."""

    @property
    def budget(self) -> int:
        """Comparisons the batch may submit."""
        return self._budget

    def parameters(self) -> dict[str, Any]:
        """The settings, with the budget in force."""
        return {**asdict(self.settings), "budget": self._budget}

    @property
    def max_passes(self) -> int:
        """Resampling passes this batch may make."""
        return self.settings.resampling_passes(len(self.ledger.essays))

    def next_wave(self) -> list[PlannedPair]:
        """A coverage wave, else a resampling pass, cut to the remaining budget."""
        remaining = self._budget - self.ledger.submitted
        if remaining <= 0:
            return []
        if not self.ledger.coverage_complete:
            chosen = self._coverage_pairs()
        elif self.passes_done < self.max_passes:
            chosen = self._resampling_pairs()
            if chosen:
                self.passes_done += 1
        else:
            chosen = []
        return self.ledger.submit([self.ledger.orient(a, b) for a, b in chosen[:remaining]])

    def _weight(self, first: str, second: str) -> float:
        counts = self.ledger.counts
        base = edge_weight(
            counts[first], counts[second], self.theta[first], self.theta[second], self.settings
        )
        return base + self.ledger.rng.uniform(0.0, self.settings.jitter)

    def _coverage_pairs(self) -> list[tuple[str, str]]:
        ledger = self.ledger
        essays = list(ledger.essays)
        weights = {
            (a, b): self._weight(a, b)
            for index, a in enumerate(essays)
            for b in essays[index + 1 :]
            if frozenset((a, b)) not in ledger.pair_counts
        }
        if len(essays) % 2 == 0:
            return _matching(essays, weights)
        # Odd n: an essay with the most comparisons sits out; among several such essays, the
        # one whose absence leaves the largest (then heaviest) matching.
        most = max(ledger.counts[essay] for essay in essays)
        options = [
            _matching([e for e in essays if e != sitting_out], weights)
            for sitting_out in essays
            if ledger.counts[sitting_out] == most
        ]
        return max(options, key=lambda pairs: (len(pairs), sum(weights[p] for p in pairs)))

    def _resampling_pairs(self) -> list[tuple[str, str]]:
        ledger = self.ledger
        essays = ledger.essays
        keyed = [
            (ledger.pair_counts[frozenset((a, b))], ledger.rng.random(), a, b)
            for index, a in enumerate(essays)
            for b in essays[index + 1 :]
        ]
        keyed.sort()
        return [(a, b) for _, _, a, b in keyed]

    def after_wave(self, judged: Sequence[Judgement], waves: int) -> BatchStop | None:
        """Refit, then the stop rules of the module docstring."""
        ledger, settings = self.ledger, self.settings
        ledger.record(judged)
        fit = ledger.fit()
        theta = {essay: fit.theta.get(essay, 0.0) for essay in ledger.essays}
        change = max(abs(theta[essay] - self.theta[essay]) for essay in ledger.essays)
        self.theta, self.last_change = theta, change
        rate = ledger.success_rate
        rate_ok = rate >= settings.min_success_rate_threshold
        if (
            ledger.callbacks >= settings.min_comparisons_for_stability_check
            and change <= settings.score_stability_threshold
            and rate_ok
        ):
            return BatchStop(
                StopReason.STABLE,
                waves,
                f"scores stable: largest θ change {change:.4f} ≤ "
                f"{settings.score_stability_threshold} after {ledger.callbacks} callbacks",
            )
        cap: tuple[StopReason, str] | None = None
        if ledger.callbacks >= self._budget or ledger.submitted >= self._budget:
            cap = (StopReason.BUDGET_SPENT, f"budget of {self._budget} comparisons spent")
        elif ledger.coverage_complete and self.passes_done >= self.max_passes:
            cap = (
                StopReason.RESAMPLING_CAP,
                f"every pair compared and {self.passes_done} resampling pass(es) made "
                f"(cap {self.max_passes})",
            )
        if cap is None:
            return None
        if not rate_ok:
            return BatchStop(
                StopReason.LOW_SUCCESS_RATE,
                waves,
                f"success rate {rate:.2f} below {settings.min_success_rate_threshold} at a "
                f"cap ({cap[0].value}): {ledger.successes} of {ledger.callbacks} succeeded",
            )
        return BatchStop(cap[0], waves, cap[1])

    def when_empty(self, waves: int) -> BatchStop:
        """``stalled``: finalised at once instead of after the platform monitor's sweep."""
        return BatchStop(
            StopReason.STALLED,
            waves,
            "the next wave would be empty and no stop rule fired; the platform would wait "
            f"for its batch monitor (every {MONITOR_SWEEP_S // 60} minutes), the local stack "
            "finalises at once",
        )
