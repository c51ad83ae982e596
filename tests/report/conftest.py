"""Hand-built, schema-valid artefacts with known comparisons, for the report tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from eng5_np.analysis import IntervalSettings
from eng5_np.artefact.analysis import analyse_document, analyse_run, no_analysis
from eng5_np.artefact.essays import EssayDirectory
from eng5_np.modes.dry_run import DRY_RUN_REASON
from eng5_np.reference.grades import get_scale

ArtefactFactory = Callable[..., dict[str, Any]]
"""``build_artefact(comparisons, anchors=…, students=…, …)`` → an artefact dict.

``comparisons`` are ``(essay_a, essay_b, winner)`` triples; ``winner=None`` makes a failed
comparison (error code ``RATE_LIMIT`` unless the triple has a fourth item, the code). The
artefact holds its analysis as the runner writes it (``analysed=False``: the raw data only,
as an artefact written before the figures were stored; ``runner_summary=True``: a
``bt_summary`` from the runner's fit alone, as when the service's result never came).
Test modules re-declare this alias: importing ``conftest`` by name is ambiguous.
"""

FAST_BOOTSTRAP = IntervalSettings(draws=1000, seed=1)
"""A small bootstrap: the report tests check rendering, not the interval's coverage."""
WIRE_BATCH_ID = "0b5e6a5c-8f55-4f39-9e0c-0d3b9a1c2e41"
STAMP = "2026-01-05T10:00:00+00:00"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _comparison(sequence: int, triple: Sequence[str | None]) -> dict[str, Any]:
    essay_a, essay_b, winner = triple[0], triple[1], triple[2]
    assert essay_a is not None
    assert essay_b is not None
    record: dict[str, Any] = {
        "sequence": sequence,
        "request_id": f"req-{sequence}",
        "correlation_id": f"00000000-0000-4000-8000-{sequence:012d}",
        "essay_a_id": essay_a,
        "essay_b_id": essay_b,
        "prompt_hash": _sha(f"{essay_a}|{essay_b}"),
        "provider": "mock",
        "model": "simulated-judge-v1" if winner else "unknown",
        "tokens_prompt": 1000 if winner else 0,
        "tokens_completion": 100 if winner else 0,
        "cost_usd": 0.001 if winner else 0.0,
        "started_at": STAMP,
        "completed_at": STAMP,
    }
    if winner is None:
        code = triple[3] if len(triple) > 3 and triple[3] else "RATE_LIMIT"
        record.update(
            status="failed",
            winner_id=None,
            loser_id=None,
            error_code=code,
            failure_reason=f"simulated {code}",
        )
    else:
        record.update(
            status="succeeded",
            winner_id=winner,
            loser_id=essay_b if winner == essay_a else essay_a,
            confidence=4.0,
            justification=f"{winner} argues better.",
        )
    return record


def _build(
    comparisons: Sequence[Sequence[str | None]],
    *,
    anchors: Mapping[str, str] | None = None,
    students: Sequence[str] = (),
    bt_summary: Sequence[Mapping[str, Any]] = (),
    grade_projections: Sequence[Mapping[str, Any]] = (),
    mode: str = "execute",
    judge: str = "simulated",
    partial: bool = False,
    stop_reason: str | None = None,
    failed_reason: str | None = None,
    analysed: bool = True,
    runner_summary: bool = False,
) -> dict[str, Any]:
    document = _raw(
        comparisons,
        anchors=anchors,
        students=students,
        bt_summary=bt_summary,
        grade_projections=grade_projections,
        mode=mode,
        judge=judge,
        partial=partial,
        stop_reason=stop_reason,
        failed_reason=failed_reason,
    )
    if runner_summary:
        # As when the service's result never came (issue 14): bt_summary from the runner alone.
        ids = [*(anchors or {"anchor_x": "C+"}), *(students or ["student_x"])]
        document["bt_summary"] = analyse_run(
            None,
            document["llm_comparisons"],
            EssayDirectory.from_artefact(document),
            get_scale(document["metadata"]["grade_scale"]),
            service_grades=False,
            result_never_came=ids,
        ).bt_summary
    if analysed and mode == "dry-run":
        document["validation"]["analysis"] = no_analysis(DRY_RUN_REASON)
    elif analysed:
        # As the runner writes it: every figure computed once, stored in the artefact.
        block, alignment = analyse_document(document, FAST_BOOTSTRAP)
        document["validation"]["analysis"] = block
        if alignment is not None:
            document["alignment"] = alignment
    return document


def _raw(
    comparisons: Sequence[Sequence[str | None]],
    *,
    anchors: Mapping[str, str] | None,
    students: Sequence[str],
    bt_summary: Sequence[Mapping[str, Any]],
    grade_projections: Sequence[Mapping[str, Any]],
    mode: str,
    judge: str,
    partial: bool,
    stop_reason: str | None,
    failed_reason: str | None,
) -> dict[str, Any]:
    anchor_grades = dict(anchors or {"anchor_x": "C+"})
    student_ids = list(students) or ["student_x"]
    records = [_comparison(i, triple) for i, triple in enumerate(comparisons, start=1)]

    def essay_file(essay_id: str) -> dict[str, Any]:
        return {
            "file_name": f"{essay_id}.txt",
            "source_path": f"essays/{essay_id}.txt",
            "checksum": _sha(essay_id),
            "file_sha256": _sha(essay_id),
            "file_bytes": 100,
        }

    document = {"source_path": "prompt.md", "checksum": _sha("prompt"), "content": "Write."}
    status: dict[str, Any] = {
        "mode": mode,
        "partial_data": partial,
        "timeout_seconds": None if mode == "dry-run" else 60.0,
        "observed_events": {
            "llm_comparisons": len(records),
            "assessment_results": 1 if bt_summary else 0,
            "completions": 1 if bt_summary else 0,
            "rejected": 0,
            "duplicates": 0,
        },
    }
    if stop_reason is not None:
        status["stop_reason"] = stop_reason
    if failed_reason is not None:
        status["failed"] = {"reason": failed_reason, "source": "failure event"}
    return {
        "schema_version": "1.0.0",
        "metadata": {
            "assignment_id": "assignment-1",
            "course_id": "00000000-0000-4000-8000-0000000e5c01",
            "grade_scale": "eng5_np_legacy_9_step",
            "runner_version": "0.1.0",
            "git_sha": "unknown",
            "git_dirty": None,
            "generated_at": STAMP,
            "runner_mode": mode,
            "batch_id": "report-test",
            "wire_batch_id": WIRE_BATCH_ID,
            "course_code": "ENG5",
            "language": "en",
            "llm_config_overrides": None,
            "options": {
                "max_comparisons": 40,
                "kafka_bootstrap": "secret-host.internal:9092",
                "content_service_url": "http://secret-host.internal:8001/v1/content",
            },
            "package_versions": {},
            "inventory_hash": _sha("inventory"),
            "dataset_dir": "/data",
            "stack": {
                "kind": "local"
                if judge == "simulated"
                else ("none" if judge == "none" else "external"),
                "judge": judge,
                "description": f"test stack ({judge} judge)",
            },
        },
        "inputs": {
            "instructions": {**document, "source_path": "instructions.md"},
            "prompt_reference": document,
            "anchors": [
                {"anchor_id": anchor_id, "grade": grade, **essay_file(anchor_id)}
                for anchor_id, grade in anchor_grades.items()
            ],
            "students": [{"essay_id": s, **essay_file(s)} for s in student_ids],
        },
        "llm_comparisons": records,
        "bt_summary": [dict(entry) for entry in bt_summary],
        "grade_projections": [dict(entry) for entry in grade_projections],
        "costs": {
            "total_usd": round(sum(r["cost_usd"] for r in records), 6),
            "token_counts": [
                {
                    "provider": "mock",
                    "model": "simulated-judge-v1",
                    "prompt_tokens": sum(r["tokens_prompt"] for r in records),
                    "completion_tokens": sum(r["tokens_completion"] for r in records),
                    "usd": round(sum(r["cost_usd"] for r in records), 6),
                }
            ]
            if records
            else [],
        },
        "validation": {
            "artefact_checksum": "0" * 64,
            "manifest": [],
            "cli_environment": {"python": "3.11", "os": "Linux", "runner_version": "0.1.0"},
            "runner_status": status,
        },
    }


@pytest.fixture
def build_artefact() -> ArtefactFactory:
    """The factory of hand-built artefacts (see ``ArtefactFactory``)."""
    return _build
