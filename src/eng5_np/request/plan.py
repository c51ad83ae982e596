"""What a run would send, as plan mode found it: the data the plan view renders.

It lives here, below both :mod:`eng5_np.modes.plan` (which builds it) and
:mod:`eng5_np.report.plan_view` (which renders it), so the report never imports a mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eng5_np.dataset.inventory import Inventory
from eng5_np.reference.llm_models import ModelEntry
from eng5_np.request.budget import ComparisonBudget, CostEstimate
from eng5_np.request.overrides import JudgeOverrides
from eng5_np.settings import RunSettings


@dataclass(frozen=True)
class PlanResult:
    """Everything plan mode found, ready to render."""

    settings: RunSettings
    inventory: Inventory
    wire_batch_id: str
    budget: ComparisonBudget
    llm_overrides: dict[str, Any] | None
    model: ModelEntry | None
    cost: CostEstimate | None
    model_warnings: list[str]
    judge_overrides: JudgeOverrides

    @property
    def usable(self) -> bool:
        """True when execute could run with this dataset."""
        return not self.inventory.problems
