"""Essay ids derived from file names (SPEC §3).

The platform stores essay ids in 36-character columns and treats them as global keys, so an
id is lower-case ``[a-z0-9_-]``, 3–36 characters, carries a role prefix (``anchor_`` or
``student_``) so CJ can tell anchors from students, and ends in a short run-specific suffix
so two runs never share an id. Grade signs stay readable: ``C+`` becomes ``c_plus`` and
``C-`` becomes ``c_minus``, so they cannot collide.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum

MAX_ID_LENGTH = 36
MIN_ID_LENGTH = 3
SUFFIX_LENGTH = 6
ID_PATTERN = re.compile(r"^[a-z0-9_-]{3,36}$")

_SIGN_PLUS = re.compile(r"(?<=[A-Za-z0-9])\+")
_SIGN_MINUS = re.compile(r"(?<=[A-Za-z])-(?=$|[_.\s])")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_REPEATS = re.compile(r"_{2,}")


class EssayRole(StrEnum):
    """Whether an essay is a graded anchor or a student essay."""

    ANCHOR = "anchor"
    STUDENT = "student"


def run_suffix(wire_batch_id: str) -> str:
    """The short suffix shared by every essay id of one run."""
    return hashlib.sha256(wire_batch_id.encode("utf-8")).hexdigest()[:SUFFIX_LENGTH]


def slugify_stem(stem: str) -> str:
    """Turn a file stem into the readable middle part of an id (may be empty)."""
    text = _SIGN_PLUS.sub("_plus", stem)
    text = _SIGN_MINUS.sub("_minus", text)
    text = _UNSAFE.sub("_", text.lower())
    return _REPEATS.sub("_", text).strip("_-")


def derive_essay_ids(stems: Iterable[str], role: EssayRole, suffix: str) -> dict[str, str]:
    """Map each file stem to a unique, safe essay id for this run.

    Stems whose slugs collide after truncation get a short hash of the original stem, so the
    mapping is deterministic and unique within the role; the role prefix keeps anchors and
    students apart.
    """
    prefix = f"{role.value}_"
    room = MAX_ID_LENGTH - len(prefix) - 1 - len(suffix)
    result: dict[str, str] = {}
    used: set[str] = set()
    for stem in stems:
        slug = slugify_stem(stem)
        if slug.startswith(role.value):
            slug = slug[len(role.value) :].lstrip("_-")
        body = slug[:room].rstrip("_-")
        attempt = 0
        # A tagged body can itself equal another file's plain body, so re-tag until unique.
        while not body or body in used:
            salt = f"#{attempt}" if attempt else ""
            tag = hashlib.sha256(f"{stem}{salt}".encode()).hexdigest()[:5]
            body = f"{slug[: max(room - 6, 0)].rstrip('_-')}_{tag}".lstrip("_")
            attempt += 1
        used.add(body)
        essay_id = f"{prefix}{body}-{suffix}"
        if not ID_PATTERN.match(essay_id):  # pragma: no cover - guarded by construction
            raise ValueError(f"derived essay id {essay_id!r} is not safe")
        result[stem] = essay_id
    return result
