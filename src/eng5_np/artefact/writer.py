"""Atomic, schema-checked artefact writes (SPEC §5.6, §6.1, §10).

A reader never sees a half-written artefact: the document is validated, serialised to a
temporary file in the same folder, flushed and fsynced, then renamed over the old file, and
the folder is fsynced so the rename itself survives a crash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from eng5_np.artefact.checksum import compute_checksum
from eng5_np.artefact.schema import validate_document


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` atomically (temp file + fsync + rename + dir fsync)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        # A failed write (disk full, target in the way, Ctrl-C) must not leave debris behind.
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename in it is durable (no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def seal_and_write(path: Path, document: dict[str, Any], *, validate: bool = True) -> str:
    """Set the checksum, validate against the schema, and write atomically; return the checksum.

    ``validate=False`` is for checkpoints whose new records were already validated one by one;
    the final artefact is always written with ``validate=True``.
    """
    checksum = compute_checksum(document)
    document["validation"]["artefact_checksum"] = checksum
    if validate:
        validate_document(document)
    # Compact on disk: indenting a 100,000-comparison artefact doubles its write time and
    # size; `jq . assessment_run.execute.json` shows it indented.
    payload = json.dumps(
        document, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")
    atomic_write_bytes(path, payload + b"\n")
    return checksum
