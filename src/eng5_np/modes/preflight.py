"""What execute checks before the first upload: the model manifest and, for an assignment run,
the assignment on the CJ service (SPEC §11.1–§11.3, §11.5).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eng5_np.admin import AssignmentContext, CJAdminClient, assignment_preflight
from eng5_np.admin.models import AssessmentInstructions, RegisteredAnchor
from eng5_np.errors import UsageError
from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.primitives.redaction import redact_url
from eng5_np.reference.llm_models import (
    ModelManifest,
    fetch_live_manifest,
    load_manifest,
    validate_override,
)
from eng5_np.reference.provider_mode import ProviderMode, probe_provider_mode
from eng5_np.settings import RunSettings

ASSIGNMENT_FILE = Path("requests") / "assignment.json"
"""The assignment as the preflight read it: what CJ was going to use, kept with the request."""


@dataclass(frozen=True)
class ModelCheck:
    """The manifest the LLM override was checked against, and what it said."""

    source: str
    warnings: list[str]
    provider_mode: ProviderMode | None = None
    """With ``--llm-provider-url``: whether that LLM Provider runs in mock mode."""


async def check_model(settings: RunSettings) -> ModelCheck:
    """Validate ``--llm-model`` against the live manifest (with ``--llm-provider-url``) or the
    shipped one; unknown model → exit 2, unreachable LLM Provider → exit 3.

    With ``--llm-provider-url`` the LLM Provider is also asked whether it runs in mock mode
    (:mod:`eng5_np.reference.provider_mode`; never fails the run) and a mock one is warned of.
    """
    manifest: ModelManifest
    mode: ProviderMode | None = None
    if settings.llm_provider_url is not None:
        manifest = await fetch_live_manifest(settings.llm_provider_url)
        source = f"live: {redact_url(settings.llm_provider_url)}/api/v1/models"
        mode = await probe_provider_mode(settings.llm_provider_url)
    else:
        manifest = load_manifest()
        source = "shipped: eng5_np/data/llm_models.json"
    _, warnings = validate_override(settings.llm_provider, settings.llm_model, manifest)
    if mode is not None and mode.mode == "mock":
        warnings = [*warnings, mode.describe()]
    return ModelCheck(source, warnings, mode)


async def check_assignment(settings: RunSettings) -> AssignmentContext | None:
    """The assignment preflight of an assignment run (None for a guest run)."""
    if settings.assignment_id is None:
        return None
    if settings.cj_service_url is None:
        raise UsageError(
            "--assignment-id needs the CJ service's HTTP API to check the assignment",
            advice="Pass --cj-service-url (or set CJ_SERVICE_URL), or leave out --assignment-id "
            "for a guest run.",
        )
    token = settings.admin_credentials.admin_token
    if token is None:
        raise UsageError(
            "--assignment-id needs an admin token for the CJ admin API: CJ_ADMIN_TOKEN is not set",
            advice="Export CJ_ADMIN_TOKEN with a token whose payload has 'admin' in its roles.",
        )
    async with CJAdminClient(settings.cj_service_url, token) as client:
        await client.health()
        return await assignment_preflight(
            client,
            settings.assignment_id,
            settings.grade_scale,
            rubric_override=settings.rubric_file is not None,
        )


def save_assignment(run_dir: Path, context: AssignmentContext) -> None:
    """Keep the assignment as read, so a resumed run maps CJ's anchors without asking again."""
    body = {
        "assignment_id": context.assignment_id,
        "instructions": context.instructions.model_dump(mode="json"),
        "anchors": [anchor.model_dump(mode="json") for anchor in context.anchors],
        "warnings": list(context.warnings),
    }
    atomic_write_bytes(run_dir / ASSIGNMENT_FILE, json.dumps(body, indent=2).encode("utf-8"))


def load_saved_assignment(run_dir: Path) -> AssignmentContext | None:
    """The assignment saved by the run that published this batch, if any."""
    path = run_dir / ASSIGNMENT_FILE
    if not path.is_file():
        return None
    body = json.loads(path.read_bytes())
    return AssignmentContext(
        assignment_id=body["assignment_id"],
        instructions=AssessmentInstructions.model_validate(body["instructions"]),
        anchors=tuple(RegisteredAnchor.model_validate(a) for a in body["anchors"]),
        warnings=tuple(body.get("warnings", [])),
    )
