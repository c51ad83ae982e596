"""The three tidy tables' columns: name, type and meaning, defined once.

The writers (CSV, Parquet), :func:`eng5_np.to_tables` and the RUNBOOK's "Tidy exports"
section all come from :data:`TABLES`; a test checks the RUNBOOK lists exactly these columns.
Types are ``string``, ``int`` (64-bit), ``float`` (64-bit) and ``bool``; every column may be
empty (null) where the artefact does not record the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class ExportFormat(StrEnum):
    """The file format of ``eng5-runner export``."""

    CSV = "csv"
    PARQUET = "parquet"


ColumnType = Literal["string", "int", "float", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of a tidy table."""

    name: str
    type: ColumnType
    meaning: str


def _essay_side(side: str) -> tuple[Column, ...]:
    return (
        Column(f"essay_{side}_id", "string", f"Essay {side.upper()}'s wire id"),
        Column(f"essay_{side}_name", "string", f"Essay {side.upper()}'s display name"),
        Column(f"essay_{side}_role", "string", "`anchor` or `student`"),
        Column(f"essay_{side}_grade", "string", "its expert grade (anchors only)"),
    )


RUN = Column("run", "string", "the run's name (its folder, under the experiment's when nested)")

COMPARISONS: tuple[Column, ...] = (
    RUN,
    Column("sequence", "int", "the comparison's number in the run, from 1"),
    *_essay_side("a"),
    *_essay_side("b"),
    Column("winner_id", "string", "wire id of the essay judged better (empty if failed)"),
    Column("winner_name", "string", "its display name"),
    Column("winner_position", "string", "`A` (shown first) or `B`"),
    Column("confidence", "float", "the judge's confidence, 1-5"),
    Column("justification", "string", "the judge's reason"),
    Column("provider", "string", "LLM provider"),
    Column("model", "string", "LLM model"),
    Column("tokens_prompt", "int", "prompt tokens"),
    Column("tokens_completion", "int", "completion tokens"),
    Column("tokens_total", "int", "all tokens"),
    Column("cost_usd", "float", "cost of this comparison, USD"),
    Column("response_time_ms", "int", "the provider's response time"),
    Column("status", "string", "`succeeded` or `failed`"),
    Column("error_code", "string", "why it failed (failed only)"),
    Column("failure_reason", "string", "the failure's detail (failed only)"),
    Column("prompt_hash", "string", "SHA-256 of the prompt the judge saw"),
    Column("started_at", "string", "ISO 8601 time the comparison started"),
    Column("completed_at", "string", "ISO 8601 time it completed"),
)

ESSAYS: tuple[Column, ...] = (
    RUN,
    Column("essay_id", "string", "the essay's wire id"),
    Column("display_name", "string", "its readable name"),
    Column("role", "string", "`anchor` or `student`"),
    Column("expert_grade", "string", "the anchor's expert grade (anchors only)"),
    Column("service_theta", "float", "θ as the CJ service reported it"),
    Column("runner_theta", "float", "the runner's θ (the fit that gave `se`)"),
    Column("se", "float", "standard error of `runner_theta`"),
    Column("rank", "int", "rank as the CJ service reported it, 1 = best"),
    Column("projected_grade", "string", "the projected grade"),
    Column("projected_grade_probability", "float", "the probability of `projected_grade`"),
    Column("grade_probabilities", "string", "every grade's probability, a JSON object"),
    Column("comparisons", "int", "successful comparisons the essay took part in"),
    Column("wins", "int", "of those, how many it won (when stored)"),
    Column("infit", "float", "infit mean square (when stored)"),
)

RUNS: tuple[Column, ...] = (
    RUN,
    Column("artefact", "string", "path of the artefact file"),
    Column("artefact_checksum", "string", "its `validation.artefact_checksum`"),
    Column("schema_version", "string", "the artefact's schema version"),
    Column("mode", "string", "`execute`, `anchor-align` or `dry-run`"),
    Column("batch_id", "string", "the human batch label"),
    Column("wire_batch_id", "string", "the batch id on the wire"),
    Column("generated_at", "string", "ISO 8601 time the artefact was written"),
    Column("grade_scale", "string", "the anchors' grade scale"),
    Column("inventory_hash", "string", "SHA-256 of the dataset's inventory"),
    Column("assignment_id", "string", "empty for a guest run"),
    Column("stack", "string", "`local`, `external` or `none`"),
    Column("judge_kind", "string", "`simulated`, `llm` or `none`"),
    Column("judge", "string", "the local stack's `--judge` (`simulated` or provider:model)"),
    Column("judge_mode", "string", "a real judge's `--judge-mode`: `live` or `batch`"),
    Column("judge_seed", "int", "the simulated judge's seed"),
    Column("judge_faults", "string", "the simulated judge's fault injection"),
    Column("judge_profile", "string", "the simulated judge's profile (`--judge-profile`)"),
    Column("judge_profile_sha256", "string", "SHA-256 of that profile's canonical JSON"),
    Column("pairing", "string", "the local stack's pairing design (`--pairing`)"),
    Column("target_precision", "float", "the adaptive design's stop (`--target-precision`)"),
    Column("llm_provider", "string", "`--llm-provider` (empty: the platform's default)"),
    Column("llm_model", "string", "`--llm-model` (empty: the platform's default)"),
    Column("judged_by", "string", "provider:model of the comparisons, `;`-separated"),
    Column("reasoning_effort", "string", "`--reasoning-effort`"),
    Column("output_verbosity", "string", "`--output-verbosity`"),
    Column("llm_temperature", "float", "`--llm-temperature`"),
    Column("llm_max_tokens", "int", "`--llm-max-tokens`"),
    Column("system_prompt_sha256", "string", "SHA-256 of `--system-prompt`'s text"),
    Column("rubric_sha256", "string", "SHA-256 of `--rubric`'s text"),
    Column("max_comparisons", "int", "`--max-comparisons`, the budget"),
    Column("completion_status", "string", "the batch's status as the run saw it"),
    Column("partial_data", "bool", "true when the run stopped before the batch ended"),
    Column("service_result_missing", "bool", "true: CJ's result never came; θ are the runner's"),
    Column("llm_provider_mode", "string", "`mock`, `real` or `unknown` (`--llm-provider-url`)"),
    Column("comparisons", "int", "comparison callbacks collected"),
    Column("comparisons_failed", "int", "of those, failed (when stored)"),
    Column("tau_b", "float", "Kendall's τ-b, anchors' grades against their θ"),
    Column("tau_b_low", "float", "τ-b interval, low end"),
    Column("tau_b_high", "float", "τ-b interval, high end"),
    Column("inversions", "int", "anchor pairs in the wrong order"),
    Column("anchors_never_won", "int", "anchors that won no comparison"),
    Column("ssr", "float", "scale separation reliability"),
    Column("split_half", "float", "split-half reliability"),
    Column("position_bias_share", "float", "share of wins by Essay A (when stored)"),
    Column("position_effect", "float", "first-position effect δ, logits (when stored)"),
    Column("position_effect_low", "float", "δ interval, low end"),
    Column("position_effect_high", "float", "δ interval, high end"),
    Column("cost_usd", "float", "total cost, USD"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "comparisons": COMPARISONS,
    "essays": ESSAYS,
    "runs": RUNS,
}
"""Table name → its columns, in order. The names are stable: ``analyse`` reads them."""
