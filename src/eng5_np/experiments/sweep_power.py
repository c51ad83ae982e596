"""What a sweep can show before it spends: τ-b power of its budget and the cells' ★ share.

The base judge's plan (:func:`eng5_np.analysis.power.plan_power`, as ``--mode plan`` prints
it) and, on the local stack's simulated judge, the share of sweeps like this one whose τ-b
would get a ★, from each cell's judge under ``--judge-profile``
(:func:`eng5_np.analysis.power.sweep_star_share`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from eng5_np.analysis.power import PowerPlan, sweep_star_share
from eng5_np.dataset.inventory import Inventory
from eng5_np.modes.plan import budget_per_essay, judge_settings_of, power_design, run_power_plan
from eng5_np.reference.judge_profiles import (
    JudgeParameters,
    JudgeProfile,
    JudgeSettings,
    load_judge_profile,
)
from eng5_np.request.budget import ComparisonBudget
from eng5_np.settings import RunSettings

if TYPE_CHECKING:
    from eng5_np.experiments.sweep_cells import SweepCell


def cell_judge_settings(settings: RunSettings, cell: SweepCell) -> JudgeSettings:
    """What the simulated judge's profile sees of a cell: model, effort, prompt, rubric."""
    return judge_settings_of(settings.model_copy(update=cell.updates))


def plan_sweep_power(
    settings: RunSettings,
    inventory: Inventory,
    budget: ComparisonBudget,
    cells: Sequence[SweepCell],
) -> tuple[PowerPlan | None, float | None, tuple[JudgeParameters, ...], JudgeProfile | None]:
    """The power plan of the base judge and, on the local stack, the cells' predicted ★ share."""
    power = run_power_plan(settings, inventory, budget)
    design = power_design(inventory)
    if power is None or design is None:
        return None, None, (), None
    per_essay = budget_per_essay(budget)
    if not settings.local_stack or settings.judge != "simulated":
        return power, None, (), None
    profile = None
    if settings.judge_profile is not None:
        profile = load_judge_profile(settings.judge_profile)
    judges = tuple(
        JudgeParameters()
        if profile is None
        else profile.resolve(cell_judge_settings(settings, cell)).parameters
        for cell in cells
    )
    share = sweep_star_share(design, judges, per_essay) if len(judges) > 1 else None
    return power, share, judges, profile
