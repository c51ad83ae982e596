"""Artefact checksum and data-file manifest (SPEC §6.4).

The checksum is defined once, here: the SHA-256 of the artefact serialised canonically —
``json.dumps(artefact, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as
UTF-8 — with ``validation.artefact_checksum`` set to 64 zeros. How the file is indented on
disk does not matter; what it parses to does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

ZERO_CHECKSUM = "0" * 64
MANIFEST_FOLDERS = ("requests", "events")
_CHUNK = 1 << 20


def canonical_bytes(document: dict[str, Any] | list[Any]) -> bytes:
    """The canonical serialisation used for checksums (of a document, or of one list in it)."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_checksum(document: dict[str, Any]) -> str:
    """SHA-256 of the artefact with its own checksum field zeroed (does not modify it)."""
    validation = document.get("validation")
    if isinstance(validation, dict):
        # Shallow copies: only the checksum field differs, nothing large is duplicated.
        document = {**document, "validation": {**validation, "artefact_checksum": ZERO_CHECKSUM}}
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size in bytes of a file, streamed."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def build_manifest(run_dir: Path) -> list[dict[str, Any]]:
    """Every data file under ``requests/`` and ``events/`` of a run folder, sorted by path."""
    entries: list[dict[str, Any]] = []
    for folder in MANIFEST_FOLDERS:
        base = run_dir / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            if path.name.endswith(".tmp"):
                continue
            sha, size = file_sha256(path)
            entries.append(
                {"path": path.relative_to(run_dir).as_posix(), "sha256": sha, "bytes": size}
            )
    return entries
