"""The run's reliability figures from one consistent fit, each with the reasons it may not hold.

SPEC §8: every reliability figure is computed from the runner's own Bradley–Terry fit — its θ
with its own SEs, never the service's θ with the runner's SEs. Where the data cannot support a
figure, the figure is ``None`` and ``reasons`` says why; where it can be computed but must not
be trusted (separated essays), it is kept as computed and ``reasons`` says why its gate warns.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from eng5_np.analysis.bradley_terry import BTFit
from eng5_np.analysis.comparisons import ComparisonOutcome
from eng5_np.analysis.reliability import scale_separation_reliability, split_half_reliability

SPLIT_HALF_SEED = 20240517
"""Fixed seed of the split-half shuffle: the same comparisons always give the same value."""
MAX_NAMED_ESSAYS = 12
"""Separated essays named in one reason line; the full list is in ``BTFit.separated``."""


@dataclass(frozen=True)
class ReliabilityFigures:
    """SSR and split-half reliability of one fit, ``None`` where undefined, with reasons."""

    scale_separation_reliability: float | None
    split_half_reliability: float | None
    reasons: tuple[str, ...]
    """Why a figure is None, or why a gate built on it must warn; empty when both are sound."""

    @property
    def trustworthy(self) -> bool:
        """True when no reason speaks against the figures."""
        return not self.reasons


def separation_reason(fit: BTFit) -> str | None:
    """One line naming the separated essays of ``fit``, or None when there are none."""
    if not fit.separated:
        return None
    named = ", ".join(fit.separated[:MAX_NAMED_ESSAYS])
    more = len(fit.separated) - MAX_NAMED_ESSAYS
    if more > 0:
        named += f" and {more} more"
    # The rule is separation (analysis.separation), not "won or lost everything": an essay in
    # a small cycle of wins above the body can have won 2 and lost 1 and still be named.
    return (
        f"{len(fit.separated)} essay(s) sit outside the largest set of essays linked both ways "
        "by chains of wins (each never lost, or never won, against that set), so the data do "
        f"not fix their θ (the prior does): {named}"
    )


def reliability_figures(
    fit: BTFit,
    outcomes: Sequence[ComparisonOutcome],
    essay_ids: Collection[str],
    seed: int = SPLIT_HALF_SEED,
) -> ReliabilityFigures:
    """SSR over ``essay_ids`` (θ and SE of ``fit``) and split-half over ``outcomes``.

    ``essay_ids`` are the essays the figure is reported for (those of ``bt_summary``); each
    must be in ``fit.theta``. SSR uses the sample variance (n − 1) of their θ and the mean of
    their squared SEs, unclipped.
    """
    missing = sorted(set(essay_ids) - set(fit.theta))
    if missing:
        raise ValueError(f"essays without a fitted θ: {missing}")
    reasons: list[str] = []
    separated = separation_reason(fit)
    if separated:
        reasons.append(separated)
    if not fit.is_connected:
        reasons.append(
            f"the comparison graph falls into {len(fit.components)} unconnected groups: θ of "
            "different groups are not on one scale, so no reliability figure is computed"
        )
        return ReliabilityFigures(None, None, tuple(reasons))

    ssr: float | None = None
    try:
        ssr = scale_separation_reliability(
            {e: fit.theta[e] for e in essay_ids}, {e: fit.standard_error[e] for e in essay_ids}
        )
    except ValueError as error:
        reasons.append(f"scale separation reliability undefined: {error}")
    else:
        if ssr < 0:
            reasons.append(
                f"scale separation reliability is negative ({ssr:.3f}): the measurement error "
                "exceeds the spread of θ, the scale separates nothing"
            )
    split: float | None = None
    try:
        split = split_half_reliability(outcomes, seed=seed)
    except ValueError as error:
        reasons.append(f"split-half reliability undefined: {error}")
    return ReliabilityFigures(ssr, split, tuple(reasons))
