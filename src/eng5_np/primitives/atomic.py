"""Atomic file replacement: readers see the old file or the new one, never half of one.

Used for the artefact, the state file and the upload cache. The temporary file lives in the
target's folder (so the rename is atomic), has a unique name (so concurrent runs sharing a
folder, like the upload cache, never collide), is fsynced before the rename, and the folder
is fsynced after it so the rename survives a crash.

Files are created with the process umask (as ``open()`` would), not ``mkstemp``'s 0600:
artefacts and reports are made to be shared. A process killed between creating and renaming
the temporary file leaves it behind; :func:`remove_stale_temp_files` clears such debris when
the next run of that folder starts.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE_MODE = 0o666
"""Before the umask, like ``open(path, "w")``: a 022 umask gives 0644."""
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{6,16}\.tmp$")


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` atomically (temp file + fsync + rename + dir fsync)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_path = _create_temp_file(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        temp_path.replace(path)
    except BaseException:
        # A failed write (disk full, target in the way, Ctrl-C) must not leave debris behind.
        temp_path.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _create_temp_file(path: Path) -> tuple[int, Path]:
    """A new, uniquely named ``.<name>.<random>.tmp`` beside ``path``, opened for writing."""
    while True:
        # A random name and O_EXCL: concurrent writers sharing a folder never collide.
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            return os.open(candidate, _CREATE_FLAGS, _NEW_FILE_MODE), candidate
        except FileExistsError:
            continue


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the temporary files killed writers left in ``folder``; return what was removed.

    Matches this module's names (and ``mkstemp``'s, used before): ``.<name>.<random>.tmp``.
    Only call this where nobody else writes at the same time (a run folder belongs to one run
    at a time); never on the upload cache, which concurrent runs share.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for debris in folder.iterdir():
        if not _TEMP_NAME.match(debris.name) or not debris.is_file():
            continue
        try:
            debris.unlink()
        except FileNotFoundError:
            continue
        removed.append(debris)
    return removed


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename in it is durable (no-op where unsupported)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
