"""How reliable the scale is: separation reliability, split-half reliability, infit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from eng5_np.analysis.bradley_terry import fit_bradley_terry
from eng5_np.analysis.comparisons import ComparisonOutcome


def scale_separation_reliability(theta: Mapping[str, float], se: Mapping[str, float]) -> float:
    """SSR = (Var θ − mean SE²) / Var θ, not clipped.

    Var θ is the **sample variance (n − 1 denominator)** of the essays' θ; mean SE² is the plain
    mean of the squared standard errors over the same essays. A negative value means the
    measurement error exceeds the observed spread — the scale separates nothing — and is
    returned as it is, so no gate can read it as a pass. ``theta`` and ``se`` must name the
    same essays, at least two; identical θ values raise ``ValueError`` (SSR is undefined).
    """
    if set(theta) != set(se):
        raise ValueError("theta and se must name the same essays")
    if len(theta) < 2:
        raise ValueError("scale separation reliability needs at least two essays")
    essay_ids = sorted(theta)
    values = np.array([theta[essay_id] for essay_id in essay_ids], dtype=np.float64)
    errors = np.array([se[essay_id] for essay_id in essay_ids], dtype=np.float64)
    observed_variance = float(np.var(values, ddof=1))
    if not observed_variance > 0:
        raise ValueError("scale separation reliability is undefined: every θ is the same")
    return (observed_variance - float(np.mean(errors**2))) / observed_variance


def split_half_reliability(outcomes: Sequence[ComparisonOutcome], seed: int) -> float:
    """Fit two random halves of the comparisons separately and Spearman–Brown their agreement.

    The comparisons are shuffled with ``numpy.random.default_rng(seed)`` (same seed,
    same result) and split in two; each half gets its own BT fit (the same MAP fit as the
    whole run) and the Pearson correlation r of θ over the essays present in both halves is
    stepped up to the full length with 2r / (1 + r). A non-positive r is returned unchanged:
    the halves do not agree, and the step-up formula would only exaggerate that. Raises
    ``ValueError`` when fewer than two essays appear in both halves or a half has constant θ.
    """
    order = np.random.default_rng(seed).permutation(len(outcomes))
    middle = len(outcomes) // 2
    first = fit_bradley_terry([outcomes[i] for i in order[:middle]]).theta
    second = fit_bradley_terry([outcomes[i] for i in order[middle:]]).theta
    shared = sorted(set(first) & set(second))
    if len(shared) < 2:
        raise ValueError("split-half reliability needs two essays compared in both halves")
    first_values = np.array([first[essay_id] for essay_id in shared], dtype=np.float64)
    second_values = np.array([second[essay_id] for essay_id in shared], dtype=np.float64)
    if np.ptp(first_values) == 0 or np.ptp(second_values) == 0:
        raise ValueError("split-half reliability is undefined when a half has constant θ")
    correlation = float(np.corrcoef(first_values, second_values)[0, 1])
    if correlation <= 0:
        return correlation
    return 2 * correlation / (1 + correlation)


def infit(outcomes: Sequence[ComparisonOutcome], theta: Mapping[str, float]) -> dict[str, float]:
    """Information-weighted mean-square fit per essay: Σ(x − p)² / Σ p(1 − p).

    For each comparison an essay took part in, x is 1 if it won and p its modelled
    probability of winning, σ(θ_self − θ_other). The expected value is 1; values well
    above 1 mean the essay's results are more erratic than its θ predicts. Only essays
    with at least one comparison are reported; every compared essay must be in ``theta``.
    """
    essay_ids = sorted({o.essay_a_id for o in outcomes} | {o.essay_b_id for o in outcomes})
    missing = [essay_id for essay_id in essay_ids if essay_id not in theta]
    if missing:
        raise ValueError(f"theta has no value for compared essays: {missing}")
    index = {essay_id: position for position, essay_id in enumerate(essay_ids)}
    winners = np.array([index[o.winner_id] for o in outcomes], dtype=np.intp)
    losers = np.array([index[o.loser_id] for o in outcomes], dtype=np.intp)
    values = np.array([theta[essay_id] for essay_id in essay_ids], dtype=np.float64)

    winner_probability = 1.0 / (1.0 + np.exp(-(values[winners] - values[losers])))
    # The winner's residual is (1 − p) and the loser's is (0 − (1 − p)): same square.
    squared_residual = (1.0 - winner_probability) ** 2
    variance = winner_probability * (1.0 - winner_probability)
    size = len(essay_ids)
    residual_sum = np.bincount(winners, squared_residual, size) + np.bincount(
        losers, squared_residual, size
    )
    variance_sum = np.bincount(winners, variance, size) + np.bincount(losers, variance, size)
    # p(1 − p) only underflows to 0 when |Δθ| > ~37 logits, where the residual is 0 too.
    return {
        essay_id: float(residual_sum[i] / variance_sum[i]) if variance_sum[i] > 0 else 0.0
        for essay_id, i in index.items()
    }


def flag_misfits(infit_by_essay: Mapping[str, float], sd_threshold: float = 2.0) -> list[str]:
    """Essays whose infit exceeds mean + ``sd_threshold`` × SD (sample SD), worst first.

    Fewer than three essays give no flags: the SD of two values cannot single one out.
    """
    if len(infit_by_essay) < 3:
        return []
    values = np.array(list(infit_by_essay.values()), dtype=np.float64)
    cutoff = float(values.mean() + sd_threshold * values.std(ddof=1))
    flagged = [essay_id for essay_id, value in infit_by_essay.items() if value > cutoff]
    return sorted(flagged, key=lambda essay_id: (-infit_by_essay[essay_id], essay_id))
