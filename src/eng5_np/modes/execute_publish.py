"""The execute run's request on the broker: published once (an interrupted run that already
published is found again, never doubled), published again on ``--republish``, and the storage
ids a resumed run reads back from the request it saved (SPEC §5.5, §11.6).
"""

from __future__ import annotations

import json
from pathlib import Path

from eng5_np.contracts import CJ_REQUEST_TOPIC
from eng5_np.dataset.inventory import Inventory
from eng5_np.errors import UsageError
from eng5_np.kafka.publisher import find_published_request, publish_request, request_topic_ends
from eng5_np.kafka.state import CollectorState, RequestPosition, save_state
from eng5_np.logs import get_logger
from eng5_np.settings import RunSettings

log = get_logger(__name__)

REQUEST_FILE = Path("requests") / "els_cj_assessment_request.json"
"""The exact request envelope, as published (``--republish`` publishes it again)."""


async def publish_once(
    settings: RunSettings, run_dir: Path, state: CollectorState, value: bytes
) -> RequestPosition:
    """Publish the request unless an earlier, interrupted run of this batch already did."""
    if state.publishing_from is not None:
        found = await find_published_request(
            settings, CJ_REQUEST_TOPIC, state.wire_batch_id, state.publishing_from
        )
        if found is not None:
            log.info("execute.request_found", offset=found.offset, partition=found.partition)
            return found
    state.publishing_from = await request_topic_ends(settings, CJ_REQUEST_TOPIC)
    save_state(run_dir, state)
    return await publish_request(settings, CJ_REQUEST_TOPIC, state.wire_batch_id, value)


async def republish(settings: RunSettings, run_dir: Path, state: CollectorState) -> RequestPosition:
    """``--republish``: publish the saved request envelope again, byte for byte, and record
    where (``state.republished``, the artefact's ``metadata.request_republished``).

    For a request the CJ service never saw (its consumer joined after the publish, SPEC
    §11.6). The collector's positions are already fixed, so no callback can slip past.
    """
    path = run_dir / REQUEST_FILE
    try:
        value = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"--republish: {path} cannot be read ({type(exc).__name__})",
            advice="Restore the run folder, or start a new run in another --output-dir.",
        ) from None
    position = await publish_request(settings, CJ_REQUEST_TOPIC, state.wire_batch_id, value)
    state.republished.append(position)
    save_state(run_dir, state)
    log.info("execute.republished", **position.model_dump())
    return position


def storage_ids_from_request(run_dir: Path, inventory: Inventory) -> dict[str, str]:
    """On resume, the storage ids are the ones in the request that was published."""
    path = run_dir / REQUEST_FILE
    try:
        data = json.loads(path.read_bytes())["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(
            f"{path} is missing or unreadable ({type(exc).__name__}) but state.json says the "
            "request was published",
            advice="Restore the run folder, or start a new run in another --output-dir.",
        ) from None
    by_essay = {e["essay_id"]: e["text_storage_id"] for e in data["essays_for_cj"]}
    ids = {e.checksum: by_essay[e.essay_id] for e in inventory.essays if e.essay_id in by_essay}
    prompt_ref = data.get("student_prompt_ref") or {}
    prompt_id = prompt_ref.get("references", {}).get("student_prompt_text", {}).get("storage_id")
    if prompt_id and inventory.prompt is not None:
        ids[inventory.prompt.checksum] = prompt_id
    return ids
