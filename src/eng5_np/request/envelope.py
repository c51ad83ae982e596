"""Compose the CJ assessment request envelope (SPEC §4.4, §4.9) from uploaded inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eng5_np.contracts import (
    CJ_REQUEST_EVENT_NAME,
    CJ_REQUEST_TOPIC,
    ELSCJAssessmentRequestV1,
    EssayProcessingInputRefV1,
    EventEnvelope,
    LLMConfigOverrides,
    ProcessingStage,
    StudentPromptRef,
    SystemProcessingMetadata,
    build_envelope,
    utc_now,
)
from eng5_np.dataset.inventory import EssayFile
from eng5_np.request.budget import requested_max_comparisons
from eng5_np.settings import RunSettings


def compose_request(
    settings: RunSettings,
    *,
    wire_batch_id: str,
    essays: Sequence[EssayFile],
    storage_ids: dict[str, str],
    prompt_storage_id: str | None,
    prompt_path: str,
    llm_overrides: dict[str, Any] | None,
) -> EventEnvelope[ELSCJAssessmentRequestV1]:
    """The request envelope; every essay must already have a storage id (keyed by checksum).

    ``essays`` is what CJ is to rank: anchors and students in a guest run, students only in an
    assignment run (CJ adds the assignment's registered anchors itself, SPEC §11.1).
    """
    missing = [e.source_path for e in essays if e.checksum not in storage_ids]
    if missing:
        raise ValueError(f"essays without storage ids cannot be requested: {missing}")
    now = utc_now()
    payload = ELSCJAssessmentRequestV1(
        entity_id=wire_batch_id,
        entity_type="batch",
        parent_id=settings.wire_assignment_id,
        timestamp=now,
        system_metadata=SystemProcessingMetadata(
            entity_id=wire_batch_id,
            entity_type="batch",
            parent_id=settings.wire_assignment_id,
            timestamp=now,
            processing_stage=ProcessingStage.PENDING,
            event=CJ_REQUEST_EVENT_NAME,
        ),
        # Sorted by the opaque wire id, so not even the order tells anchors from students.
        essays_for_cj=[
            EssayProcessingInputRefV1(essay_id=e.essay_id, text_storage_id=storage_ids[e.checksum])
            for e in sorted(essays, key=lambda essay: essay.essay_id)
        ],
        language=settings.language,
        course_code=settings.course_code,
        student_prompt_ref=(
            StudentPromptRef.for_storage_id(prompt_storage_id, prompt_path)
            if prompt_storage_id
            else None
        ),
        llm_config_overrides=(
            LLMConfigOverrides.model_validate(llm_overrides) if llm_overrides else None
        ),
        assignment_id=settings.wire_assignment_id,
        user_id=settings.user_id,
        org_id=settings.org_id,
    )
    metadata: dict[str, Any] = {
        "batch_label": settings.batch_id,
        "runner_mode": settings.mode.value,
        "grade_scale": settings.grade_scale.value,
    }
    max_comparisons = requested_max_comparisons(settings, len(essays))
    if max_comparisons is not None:
        metadata["max_comparisons"] = max_comparisons
    if settings.llm_batching_mode is not None:
        metadata["llm_batching_mode_hint"] = settings.llm_batching_mode.value
    return build_envelope(
        payload,
        event_type=CJ_REQUEST_TOPIC,
        correlation_id=UUID(wire_batch_id),
        metadata=metadata,
    )
