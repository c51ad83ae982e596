"""Admin actions on the CJ service (SPEC §11.2), each read back: set an assignment up, register
the dataset's anchors, list them. Used by ``eng5-runner assignment|anchors`` and by a
``--local-stack --assignment-id`` rehearsal, which prepares its assignment the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from eng5_np.admin import CJAdminClient, ContextOrigin, register_anchors, setup_assignment
from eng5_np.admin.models import AnchorList, AssessmentInstructions, RegisteredAnchor
from eng5_np.dataset.inventory import Inventory
from eng5_np.errors import UsageError
from eng5_np.logs import get_logger
from eng5_np.modes.common import load_inventory, new_wire_batch_id
from eng5_np.settings import RunSettings
from eng5_np.upload import UploadCache, UploadItem, check_reachable, upload_texts

log = get_logger(__name__)
MIN_ANCHOR_TEXT_CHARS = 100
"""The platform refuses to register an anchor text shorter than this (SPEC §11.2)."""


@dataclass(frozen=True)
class SetupResult:
    """The instructions as stored, and the prompt's storage id."""

    instructions: AssessmentInstructions
    prompt_storage_id: str


def _admin_client(settings: RunSettings) -> CJAdminClient:
    if settings.cj_service_url is None:
        raise UsageError(
            "the CJ service's HTTP API address is not set",
            advice="Pass --cj-service-url or set CJ_SERVICE_URL.",
        )
    token = settings.admin_credentials.admin_token
    if token is None:
        raise UsageError(
            "CJ_ADMIN_TOKEN is not set: the CJ admin API needs a bearer token",
            advice="Export CJ_ADMIN_TOKEN with a token whose payload has 'admin' in its roles.",
        )
    return CJAdminClient(settings.cj_service_url, token)


def _assignment_id(settings: RunSettings) -> str:
    if settings.assignment_id is None:
        raise UsageError("--assignment-id is required for this action")
    return settings.assignment_id


def _usable_inventory(settings: RunSettings) -> Inventory:
    inventory = load_inventory(settings, new_wire_batch_id())
    inventory.require_usable()
    return inventory


async def run_assignment_setup(
    settings: RunSettings, context_origin: ContextOrigin = ContextOrigin.RESEARCH_EXPERIMENT
) -> SetupResult:
    """Upload the dataset's prompt, upsert the assignment's instructions, read them back."""
    inventory = _usable_inventory(settings)
    async with _admin_client(settings) as client:
        await client.health()
        return await _set_up(client, settings, inventory, context_origin)


async def run_anchor_registration(settings: RunSettings) -> list[RegisteredAnchor]:
    """Register every dataset anchor (label = display name) and read the list back."""
    inventory = _usable_inventory(settings)
    async with _admin_client(settings) as client:
        await client.health()
        return await _register(client, settings, inventory)


async def _set_up(
    client: CJAdminClient,
    settings: RunSettings,
    inventory: Inventory,
    context_origin: ContextOrigin,
) -> SetupResult:
    assignment_id = _assignment_id(settings)
    assert inventory.instructions is not None
    assert inventory.prompt is not None
    await check_reachable(settings.content_service_url)
    uploaded = await upload_texts(
        [
            UploadItem(
                inventory.prompt.checksum,
                inventory.prompt.source_path,
                inventory.prompt.content,
            )
        ],
        url=settings.content_service_url,
        concurrency=1,
        cache=UploadCache(
            settings.upload_cache_dir or UploadCache.default_dir(),
            settings.content_service_url,
        ),
        force_reupload=settings.force_reupload,
    )
    if uploaded.failures:
        raise UsageError(
            f"the prompt could not be uploaded: {uploaded.failures[0].reason}",
            advice="Check the Content Service (scripts/preflight.sh) and try again.",
        )
    prompt_storage_id = uploaded.storage_ids[inventory.prompt.checksum]
    stored = await setup_assignment(
        client,
        assignment_id=assignment_id,
        instructions_text=inventory.instructions.content,
        grade_scale=settings.grade_scale,
        context_origin=context_origin,
        student_prompt_storage_id=prompt_storage_id,
    )
    log.info("admin.assignment_setup", assignment_id=assignment_id, grade_scale=stored.grade_scale)
    return SetupResult(stored, prompt_storage_id)


async def _register(
    client: CJAdminClient, settings: RunSettings, inventory: Inventory
) -> list[RegisteredAnchor]:
    assignment_id = _assignment_id(settings)
    short = [a.source_path for a in inventory.anchors if len(a.text) < MIN_ANCHOR_TEXT_CHARS]
    if short:
        raise UsageError(
            f"{short[0]}: anchor text shorter than {MIN_ANCHOR_TEXT_CHARS} characters; the "
            "platform refuses to register it",
            advice="Use the full anchor essay text.",
        )
    registered = await register_anchors(client, assignment_id, inventory.anchors)
    log.info("admin.anchors_registered", assignment_id=assignment_id, count=len(registered))
    return registered


async def run_anchor_listing(settings: RunSettings) -> AnchorList | None:
    """The assignment's registered anchors (None when it has no instructions)."""
    assignment_id = _assignment_id(settings)
    async with _admin_client(settings) as client:
        return await client.list_anchors(assignment_id)


async def prepare_assignment(settings: RunSettings) -> list[RegisteredAnchor]:
    """Set the assignment up and register the dataset's anchors (both read back): one
    inventory, one session and one health check for both."""
    inventory = _usable_inventory(settings)
    async with _admin_client(settings) as client:
        await client.health()
        await _set_up(client, settings, inventory, ContextOrigin.RESEARCH_EXPERIMENT)
        return await _register(client, settings, inventory)
