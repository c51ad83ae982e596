"""Small helpers shared by the reports' inline SVG plots (no script, nothing fetched)."""

from __future__ import annotations

import math


def ticks(low: float, high: float) -> list[float]:
    """Round tick values covering [low, high], about five of them."""
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    # The smallest round step not much below a fifth of the range: 4 to 8 ticks.
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * 0.7)
    first = math.ceil(low / step) * step
    # Rounded (and -0.0 + 0.0 = 0.0) so that 0 prints as "0", not -1.8e-15 or -0.
    return [round(first + i * step, 9) + 0.0 for i in range(int((high - first) / step) + 1)]
