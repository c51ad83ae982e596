"""One artefact as rows of the three tidy tables (one row per observation).

Display names, roles and grades are joined onto every essay id, so no reader ever needs the
opaque ids to make sense of a row. Figures come from the artefact as stored
(:attr:`eng5_np.artefact.model.Artefact.figures`); one it does not record is None.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eng5_np.artefact.model import Artefact, Comparison, Essay

Row = dict[str, Any]


@dataclass
class TableRows:
    """The rows of the three tables (each row's keys are its table's column names, in order)."""

    comparisons: list[Row] = field(default_factory=list)
    essays: list[Row] = field(default_factory=list)
    runs: list[Row] = field(default_factory=list)

    def extend(self, other: TableRows) -> None:
        """Append another run's rows."""
        self.comparisons.extend(other.comparisons)
        self.essays.extend(other.essays)
        self.runs.extend(other.runs)

    def table(self, name: str) -> list[Row]:
        """The rows of the table called ``name``."""
        rows: list[Row] = getattr(self, name)
        return rows


def artefact_rows(artefact: Artefact, run: str) -> TableRows:
    """The comparisons, essays and run rows of one artefact, each tagged with ``run``."""
    essays = {essay.essay_id: essay for essay in artefact.essays}
    return TableRows(
        comparisons=[_comparison_row(run, essays, c) for c in artefact.comparisons],
        essays=[_essay_row(run, essay) for essay in artefact.essays],
        runs=[_run_row(artefact, run)],
    )


def _side(prefix: str, essay_id: str, essays: Mapping[str, Essay]) -> Row:
    essay = essays.get(essay_id)
    return {
        f"{prefix}_id": essay_id,
        f"{prefix}_name": essay.display_name if essay else essay_id,
        f"{prefix}_role": essay.role if essay else None,
        f"{prefix}_grade": essay.grade if essay else None,
    }


def _comparison_row(run: str, essays: Mapping[str, Essay], c: Comparison) -> Row:
    winner = essays.get(c.winner_id) if c.winner_id is not None else None
    return {
        "run": run,
        "sequence": c.sequence,
        **_side("essay_a", c.essay_a_id, essays),
        **_side("essay_b", c.essay_b_id, essays),
        "winner_id": c.winner_id,
        "winner_name": winner.display_name if winner else c.winner_id,
        "winner_position": c.winner_position,
        "confidence": c.confidence,
        "justification": c.justification,
        "provider": c.provider,
        "model": c.model,
        "tokens_prompt": c.tokens_prompt,
        "tokens_completion": c.tokens_completion,
        "tokens_total": c.tokens_total,
        "cost_usd": c.cost_usd,
        "response_time_ms": c.response_time_ms,
        "status": c.status,
        "error_code": c.error_code,
        "failure_reason": c.failure_reason,
        "prompt_hash": c.prompt_hash,
        "started_at": c.started_at,
        "completed_at": c.completed_at,
    }


def _essay_row(run: str, essay: Essay) -> Row:
    probabilities = dict(essay.grade_probabilities)
    projected = essay.projected_grade
    return {
        "run": run,
        "essay_id": essay.essay_id,
        "display_name": essay.display_name,
        "role": essay.role,
        "expert_grade": essay.grade,
        "service_theta": essay.service_theta,
        "runner_theta": essay.theta,
        "se": essay.standard_error,
        "rank": essay.rank,
        "projected_grade": projected,
        "projected_grade_probability": probabilities.get(projected) if projected else None,
        "grade_probabilities": json.dumps(probabilities, sort_keys=True) if probabilities else None,
        "comparisons": essay.comparisons,
        "wins": essay.wins,
        "infit": essay.infit,
    }


def _override_sha(metadata: Mapping[str, Any], name: str) -> str | None:
    entry = (metadata.get("overrides") or {}).get(name) or {}
    value = entry.get("sha256")
    return str(value) if value is not None else None


def _run_row(artefact: Artefact, run: str) -> Row:
    metadata = artefact.metadata
    options = artefact.options
    stack = metadata.get("stack") or {}
    profile = stack.get("judge_profile") or {}
    status = artefact.document["validation"]["runner_status"]
    observed = status.get("observed_events") or {}
    models = (artefact.document.get("costs") or {}).get("token_counts") or []
    figures = artefact.figures
    interval, effect = figures.tau_b_interval, figures.position_effect_interval
    return {
        "run": run,
        "artefact": str(artefact.path),
        "artefact_checksum": artefact.checksum,
        "schema_version": artefact.schema_version,
        "mode": artefact.mode,
        "batch_id": artefact.batch_id,
        "wire_batch_id": artefact.wire_batch_id,
        "generated_at": artefact.generated_at,
        "grade_scale": artefact.grade_scale,
        "inventory_hash": metadata.get("inventory_hash"),
        "assignment_id": metadata.get("assignment_id"),
        "stack": stack.get("kind"),
        "judge_kind": stack.get("judge"),
        "judge": options.get("judge"),
        "judge_mode": options.get("judge_mode"),
        "judge_seed": options.get("judge_seed"),
        "judge_faults": options.get("judge_faults"),
        "judge_profile": profile.get("name"),
        "judge_profile_sha256": profile.get("sha256"),
        "pairing": options.get("pairing"),
        "target_precision": options.get("target_precision"),
        "llm_provider": options.get("llm_provider"),
        "llm_model": options.get("llm_model"),
        "judged_by": ";".join(f"{m['provider']}:{m['model']}" for m in models) or None,
        "reasoning_effort": options.get("reasoning_effort"),
        "output_verbosity": options.get("output_verbosity"),
        "llm_temperature": options.get("llm_temperature"),
        "llm_max_tokens": options.get("llm_max_tokens"),
        "system_prompt_sha256": _override_sha(metadata, "system_prompt"),
        "rubric_sha256": _override_sha(metadata, "rubric"),
        "max_comparisons": options.get("max_comparisons"),
        "completion_status": status.get("completion_status"),
        "partial_data": status.get("partial_data"),
        "service_result_missing": status.get("service_result_missing"),
        "llm_provider_mode": (metadata.get("llm_provider_mode") or {}).get("mode"),
        "comparisons": observed.get("llm_comparisons"),
        "comparisons_failed": figures.comparisons_failed,
        "tau_b": figures.tau_b,
        "tau_b_low": interval[0] if interval else None,
        "tau_b_high": interval[1] if interval else None,
        "inversions": figures.inversions,
        "anchors_never_won": figures.anchors_never_won,
        "ssr": figures.ssr,
        "split_half": figures.split_half,
        "position_bias_share": figures.position_bias_share,
        "position_effect": figures.position_effect,
        "position_effect_low": effect[0] if effect else None,
        "position_effect_high": effect[1] if effect else None,
        "cost_usd": figures.cost_usd,
    }
