"""Plan mode: inventory the dataset and show what execute would send. Touches no service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eng5_np.dataset.inventory import Inventory
from eng5_np.logs import get_logger
from eng5_np.modes.common import load_inventory, new_wire_batch_id
from eng5_np.modes.size_checks import context_warnings, length_warnings
from eng5_np.reference.grades import GradeScaleName
from eng5_np.reference.llm_models import ModelEntry, validate_override
from eng5_np.request.budget import ComparisonBudget, CostEstimate, estimate_cost
from eng5_np.request.overrides import JudgeOverrides, llm_overrides_payload, load_judge_overrides
from eng5_np.settings import RunSettings

log = get_logger(__name__)


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


async def run_plan(settings: RunSettings) -> PlanResult:
    """Inventory the dataset and compute what a run would send."""
    wire_batch_id = new_wire_batch_id()
    inventory = load_inventory(settings, wire_batch_id)
    budget = ComparisonBudget(len(inventory.essays), settings.max_comparisons)
    model, warnings = validate_override(settings.llm_provider, settings.llm_model)
    judge_overrides = load_judge_overrides(settings)
    warnings.extend(assignment_notes(settings))
    warnings.extend(length_warnings(inventory.essays))
    cost = None
    if model is not None and inventory.essays:
        mean_words = sum(e.word_count for e in inventory.essays) / len(inventory.essays)
        prompt_words = len(inventory.prompt.content.split()) if inventory.prompt else 0
        cost = estimate_cost(
            budget,
            mean_words,
            prompt_words,
            model.input_per_million,
            model.output_per_million,
            both_orders=settings.judge_both_orders,
        )
        warnings.extend(
            context_warnings(inventory.essays, prompt_words, model, settings.llm_max_tokens or 0)
        )
    log.info(
        "plan.inventory",
        anchors=len(inventory.anchors),
        students=len(inventory.students),
        problems=len(inventory.problems),
    )
    return PlanResult(
        settings,
        inventory,
        wire_batch_id,
        budget,
        llm_overrides_payload(settings, judge_overrides),
        model,
        cost,
        warnings,
        judge_overrides,
    )


def assignment_notes(settings: RunSettings) -> list[str]:
    """What a run's kind (guest or assignment, SPEC §11.1) means for what is sent."""
    if settings.assignment_id is None:
        return []
    notes = [
        f"assignment run ({settings.assignment_id}): only the students are sent; CJ adds the "
        "assignment's registered anchors itself, so the dataset's anchors are not sent"
    ]
    if settings.grade_scale is GradeScaleName.NATIONAL_9_STEP:
        notes.append(
            "the platform's results cannot carry the numeric grades of "
            f"{settings.grade_scale.value} (SPEC §11.3): the runner projects grades itself"
        )
    return notes
