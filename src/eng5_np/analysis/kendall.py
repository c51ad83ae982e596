"""Kendall's τ-b, the rank correlation used for anchor alignment.

τ-b = (C − D) / √((n₀ − n₁)(n₀ − n₂)), where C and D count concordant and discordant pairs,
n₀ = n(n−1)/2 and n₁, n₂ the pairs tied in the first and in the second variable. Pairs tied in
either variable count as neither concordant nor discordant, and the denominator discounts them,
so several anchors sharing one grade neither help nor hurt: a perfect order of anchors with
shared grades still has τ-b = 1 only when θ ties exactly where the grades do, and the
closest θ can come otherwise is the τ-b of that best order (below 1). The statistic is
undefined when either variable is constant (a zero denominator); that is reported as None.

Computed exactly over all pairs (O(n²)): anchors number in the tens, and the bootstrap calls
this once per replicate, so a vectorised pair table beats scipy's general routine here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

THETA_TIE = 1e-6
"""θ values closer than this (logits) are tied: the fits converge far more coarsely, so a
smaller difference between two essays with the same record is numerical noise, not an order."""


def kendall_tau_b(
    first: Sequence[float], second: Sequence[float], tie_tolerance: float = 0.0
) -> float | None:
    """Kendall's τ-b of two equally long sequences; None when undefined (constant or n < 2).

    Differences of at most ``tie_tolerance`` count as ties (in either sequence).
    """
    if len(first) != len(second):
        raise ValueError(
            f"τ-b needs two sequences of one length, got {len(first)} and {len(second)}"
        )
    if len(first) < 2:
        return None
    x = np.asarray(first, dtype=np.float64)
    y = np.asarray(second, dtype=np.float64)
    upper = np.triu_indices(len(x), 1)
    sign_x = _signs(x[:, None] - x[None, :], tie_tolerance)[upper]
    sign_y = _signs(y[:, None] - y[None, :], tie_tolerance)[upper]
    untied_x = int(np.count_nonzero(sign_x))
    untied_y = int(np.count_nonzero(sign_y))
    if untied_x == 0 or untied_y == 0:
        return None
    score = float(np.dot(sign_x, sign_y))
    # Clipped: rounding must never report a correlation beyond ±1.
    return float(min(1.0, max(-1.0, score / np.sqrt(float(untied_x) * float(untied_y)))))


def _signs(differences: npt.NDArray[np.float64], tolerance: float) -> npt.NDArray[np.float64]:
    signs: npt.NDArray[np.float64] = np.sign(differences)
    signs[np.abs(differences) <= tolerance] = 0.0
    return signs
