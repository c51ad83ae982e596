"""Essays whose length is an outlier among the batch's (issue 14: a 914,657-word essay passed
plan with a $0.78 estimate and no word).

Model: the robust z-score of the log word count (Iglewicz and Hoaglin's modified z-score, on
the log scale because essay lengths are right-skewed and what matters is a ratio — five times
as long — not a difference in words)::

    z_i = (ln w_i − median ln w) / (1.4826 · MAD),   MAD = median_j |ln w_j − median ln w|

1.4826 · MAD estimates the standard deviation of normal data, and neither the median nor the
MAD moves with a few extreme essays, so one huge essay cannot hide itself by inflating the
spread (a mean/SD z-score of the same data can). An essay with |z| > :data:`Z_LIMIT` (3.5,
their recommended cut-off) is an outlier. When more than half the essays have one length the
MAD is 0; then the mean absolute deviation stands in (scaled by 1.2533, its normal
consistency factor); when that is 0 too, every essay has the median length and none is an
outlier. Fewer than :data:`MIN_ESSAYS` essays say nothing about what is typical: none is
flagged.

Measured on the bundled sample dataset (23 essays of 168–573 words): no outlier, the largest
|z| 2.09 (student_01_phones, the shortest). The same dataset with that essay at 914,657 words:
it alone is flagged, at z = 21.5. ``pytest tests/analysis/test_length_outliers.py``
reproduces both.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

Z_LIMIT = 3.5
"""|z| above this is an outlier (Iglewicz and Hoaglin, 1993)."""
MIN_ESSAYS = 5
"""Fewer essays than this: no outlier is flagged."""
MAD_SCALE = 1.4826
"""1 / Φ⁻¹(3/4): makes the MAD estimate the SD of normal data."""
MEAN_AD_SCALE = 1.2533
"""√(π/2): makes the mean absolute deviation estimate the SD of normal data."""


@dataclass(frozen=True)
class LengthOutlier:
    """One essay far from the batch's typical length."""

    essay: str
    words: int
    median_words: float
    z: float
    """Robust z-score of its log word count: positive when longer than typical."""


def robust_log_z(words: Mapping[str, int]) -> dict[str, float]:
    """The robust z-score of each essay's log word count (see the module docstring).

    Empty when there are fewer than :data:`MIN_ESSAYS` essays or every essay has the median
    length. Essays of 0 words count as 1 (the dataset refuses empty essays anyway).
    """
    if len(words) < MIN_ESSAYS:
        return {}
    logs = {essay: math.log(max(count, 1)) for essay, count in words.items()}
    centre = statistics.median(logs.values())
    deviations = [abs(value - centre) for value in logs.values()]
    spread = MAD_SCALE * statistics.median(deviations)
    if spread == 0:
        spread = MEAN_AD_SCALE * statistics.fmean(deviations)
    if spread == 0:
        return {}
    return {essay: (value - centre) / spread for essay, value in logs.items()}


def length_outliers(words: Mapping[str, int]) -> list[LengthOutlier]:
    """Essays whose |robust log z| exceeds :data:`Z_LIMIT`, the most extreme first."""
    scores = robust_log_z(words)
    if not scores:
        return []
    median_words = statistics.median(words.values())
    found = [
        LengthOutlier(essay, words[essay], median_words, z)
        for essay, z in scores.items()
        if abs(z) > Z_LIMIT
    ]
    return sorted(found, key=lambda outlier: (-abs(outlier.z), outlier.essay))
