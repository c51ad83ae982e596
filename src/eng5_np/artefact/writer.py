"""Atomic, schema-checked artefact writes (SPEC §5.6, §6.1, §10).

A reader never sees a half-written artefact: the document is validated, serialised to a
temporary file in the same folder, flushed and fsynced, then renamed over the old file, and
the folder is fsynced so the rename itself survives a crash.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import structlog

from eng5_np.artefact.checksum import ZERO_CHECKSUM, canonical_bytes
from eng5_np.artefact.schema import validate_document
from eng5_np.primitives.atomic import atomic_write_bytes

log = structlog.get_logger(__name__)


def seal_and_write(path: Path, document: dict[str, Any], *, validate: bool = True) -> str:
    """Set the checksum, validate against the schema, and write atomically; return the checksum.

    ``validate=False`` is for checkpoints whose new records were already validated one by one;
    the final artefact is always written with ``validate=True``.

    The file is the canonical serialisation itself (sorted keys, compact), so it is produced
    once: hashed with the zero checksum in place, then that one field is filled in. Inside
    JSON strings quotes are escaped, so the zero-checksum key/value text can only match the
    field itself.
    """
    validation = document["validation"]
    validation["artefact_checksum"] = ZERO_CHECKSUM
    try:
        canonical = canonical_bytes(document)
    except ValueError:
        # JSON has no inf/nan. Inputs are screened for them (contracts.wire), so one here came
        # from arithmetic; writing null keeps the artefact writable, and the schema check
        # below still refuses a null where a number is required.
        replaced = replace_non_finite(document)
        log.error("artefact.non_finite_replaced", paths=replaced, artefact=str(path))
        canonical = canonical_bytes(document)
    checksum = hashlib.sha256(canonical).hexdigest()
    validation["artefact_checksum"] = checksum
    if validate:
        validate_document(document)
    zero_field = f'"artefact_checksum":"{ZERO_CHECKSUM}"'.encode()
    if canonical.count(zero_field) != 1:  # pragma: no cover - guarded by the schema's key
        raise ValueError("the artefact's checksum field is not unique in its serialisation")
    payload = canonical.replace(zero_field, f'"artefact_checksum":"{checksum}"'.encode(), 1)
    atomic_write_bytes(path, payload + b"\n")
    return checksum


def replace_non_finite(node: Any, path: str = "") -> list[str]:
    """Replace every inf/nan float inside ``node`` (dicts and lists) with None; return paths."""
    replaced: list[str] = []
    items: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        where = f"{path}/{key}"
        if isinstance(value, float) and not math.isfinite(value):
            node[key] = None
            replaced.append(where)
        else:
            replaced.extend(replace_non_finite(value, where))
    return replaced
