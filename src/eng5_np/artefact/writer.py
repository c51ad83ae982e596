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


def seal_and_write(
    path: Path,
    document: dict[str, Any],
    *,
    validate: bool = True,
    comparisons_json: bytes | None = None,
) -> str:
    """Set the checksum, validate against the schema, and write atomically; return the checksum.

    ``validate=False`` is for checkpoints whose new records were already validated one by one;
    the final artefact is always written with ``validate=True``.

    ``comparisons_json``: ``canonical_list_bytes(document["llm_comparisons"])``, made once by a
    caller that writes the same records more than once (the final write's data-only and
    analysed documents): the records are then not serialised again; the bytes written are the
    same as without it.

    The file is the canonical serialisation itself (sorted keys, compact), so it is produced
    once: hashed with the zero checksum in place, then that one field is filled in. Inside
    JSON strings quotes are escaped, so the zero-checksum key/value text can only match the
    field itself.
    """
    validation = document["validation"]
    validation["artefact_checksum"] = ZERO_CHECKSUM
    try:
        if comparisons_json is None:
            canonical = canonical_bytes(document)
        else:
            canonical = _spliced(document, comparisons_json)
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


_EMPTY_COMPARISONS = b'"llm_comparisons":[]'


def canonical_list_bytes(records: list[dict[str, Any]]) -> bytes:
    """The canonical serialisation of one list (as it appears inside the canonical document)."""
    return canonical_bytes(records)


def _spliced(document: dict[str, Any], comparisons_json: bytes) -> bytes:
    """``canonical_bytes(document)`` with the comparison records already serialised: the
    document is serialised with an empty list in their place, then the list's bytes go in.
    The canonical form is compositional (sorted keys, fixed separators), and quotes inside
    strings are escaped, so the empty list's key/value text can only be that field."""
    records = document["llm_comparisons"]
    document["llm_comparisons"] = []
    try:
        skeleton = canonical_bytes(document)
    finally:
        document["llm_comparisons"] = records
    if skeleton.count(_EMPTY_COMPARISONS) != 1:
        return canonical_bytes(document)  # a second such key somewhere: serialise it all
    return skeleton.replace(_EMPTY_COMPARISONS, b'"llm_comparisons":' + comparisons_json, 1)


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
