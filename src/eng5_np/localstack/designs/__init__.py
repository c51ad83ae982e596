"""Pairing designs of the local stack's reference CJ service (``--pairing``), one per module.

- :mod:`.protocol`: the small protocol every design implements, the shared ledger, the stop
  reasons and :func:`~.protocol.run_design`, the one loop that drives a design;
- :mod:`.platform`: the 2026 platform's waves and stopping rule (SPEC §11.6), the default;
- :mod:`.balanced`: the original fixed balanced plan, now repeating pairs in the other order
  once every pair is planned;
- :mod:`.adaptive`: information-based pairing with a precision target;
- :mod:`.precision`: the precision figures the designs stop on and the benchmark measures.

What each buys per comparison, measured with a known truth (``python
benchmarks/bench_designs.py``, 200 seeds, 2026-12-08, the runner's hybrid τ-b interval; all
figures in benchmarks/README.md): comparisons to a median τ-b interval width of 0.3 / a mean
Spearman ρ of 0.9 — 9 anchors: platform never / 23.6 (it stops by 72), balanced 118.5 /
29.0, adaptive 82.5 / 23.1; 23 essays: platform 338.8 / 84.4, balanced 325.8 / 110.3,
adaptive 182.8 / 86.8. The issue's target (adaptive ≥ 30 % fewer than balanced) is met for the
width in both batches (30.4 %, 43.9 %) and missed for ρ 0.9 (20.4 %, 21.3 %); to ρ 0.95
adaptive needs 34.0 % and 35.3 % fewer. At 72 comparisons of 9 anchors the widths of balanced
and adaptive are 0.429 and 0.333.

:class:`PairingConfig` is what the CLI decides; :meth:`PairingConfig.build` makes one batch's
design.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from eng5_np.localstack.designs.adaptive import AdaptiveDesign, AdaptiveSettings, Objective
from eng5_np.localstack.designs.balanced import BalancedDesign
from eng5_np.localstack.designs.platform import PlatformDesign, PlatformSettings
from eng5_np.localstack.designs.protocol import (
    BatchStop,
    Judgement,
    PairingDesign,
    StopReason,
    run_design,
)
from eng5_np.settings import PairingDesignName

__all__ = [
    "DEFAULT_DESIGN",
    "DESIGNS",
    "AdaptiveSettings",
    "BatchStop",
    "Judgement",
    "PairingConfig",
    "PairingDesign",
    "PlatformSettings",
    "StopReason",
    "run_design",
]

DESIGNS: Final = tuple(name.value for name in PairingDesignName)
DEFAULT_DESIGN: Final = PairingDesignName.PLATFORM.value
ANCHOR_ALIGN_MODE: Final = "anchor-align"
"""``metadata.runner_mode`` of an anchors-only run: the adaptive design then aims at order."""


@dataclass(frozen=True)
class PairingConfig:
    """Which design the stack's CJ service uses, with its settings."""

    design: str = DEFAULT_DESIGN
    platform: PlatformSettings = field(default_factory=PlatformSettings)
    adaptive: AdaptiveSettings = field(default_factory=AdaptiveSettings)

    def __post_init__(self) -> None:
        if self.design not in DESIGNS:
            raise ValueError(f"unknown pairing design {self.design!r}; known: {', '.join(DESIGNS)}")

    def build(
        self,
        essays: Sequence[str],
        anchors: Collection[str],
        *,
        budget: int | None,
        seed: int | str,
        runner_mode: str | None = None,
    ) -> PairingDesign:
        """The design of one batch (``budget`` None = the design's default budget)."""
        if self.design == "platform":
            return PlatformDesign(essays, budget=budget, seed=seed, settings=self.platform)
        if self.design == "balanced":
            return BalancedDesign(essays, anchors, budget=budget, seed=seed)
        objective = Objective.ORDER if runner_mode == ANCHOR_ALIGN_MODE else Objective.SCALE
        return AdaptiveDesign(
            essays, anchors, objective=objective, budget=budget, seed=seed, settings=self.adaptive
        )

    def describe(self) -> dict[str, Any]:
        """``{"design", "settings"}`` for the artefact's ``metadata.stack.pairing``."""
        settings: dict[str, Any] = {}
        if self.design == "platform":
            settings = asdict(self.platform)
        elif self.design == "adaptive":
            settings = asdict(self.adaptive)
        return {"design": self.design, "settings": settings}
