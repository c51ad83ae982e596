"""Essay ids derived from file names (SPEC §3).

The platform stores essay ids in 36-character columns and treats them as global keys, so an
id is lower-case ``[a-z0-9_-]``, 3–36 characters, carries a role prefix (``anchor_`` or
``student_``) so CJ can tell anchors from students, and ends in a short run-specific suffix
so two runs never share an id. Grade signs stay readable: ``C+`` becomes ``c_plus`` and
``C-`` becomes ``c_minus``, so they cannot collide.

Names shown to people come from :func:`display_slug`: letters outside ASCII are transliterated
(``Åsa Öberg`` → ``asa_oberg``, ``Ωμέγα`` → ``omega``) with ``anyascii`` rather than dropped,
so a Swedish or Greek file name stays recognisable in ids, plans and reports.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum

from anyascii import anyascii

MAX_ID_LENGTH = 36
MIN_ID_LENGTH = 3
SUFFIX_LENGTH = 6
ID_PATTERN = re.compile(r"^[a-z0-9_-]{3,36}$")

_SIGN_PLUS = re.compile(r"(?<=[A-Za-z0-9])\+")
_SIGN_MINUS = re.compile(r"(?<=[A-Za-z])-(?=$|[_.\s])")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_SEPARATOR_RUN = re.compile(r"[_-]*_[_-]*")
"""A run of separators holding an underscore (``_-_`` from ``a – b``): one ``_``."""


class EssayRole(StrEnum):
    """Whether an essay is a graded anchor or a student essay."""

    ANCHOR = "anchor"
    STUDENT = "student"


def run_suffix(wire_batch_id: str) -> str:
    """The short suffix shared by every essay id of one run."""
    return hashlib.sha256(wire_batch_id.encode("utf-8")).hexdigest()[:SUFFIX_LENGTH]


def display_slug(stem: str) -> str:
    """A file stem as a lower-case ASCII name for people (``Åsa Öberg essay (1)`` →
    ``asa_oberg_essay_1``); may be empty when the stem has nothing readable in it.

    Transliteration comes before the sign rules so a grade sign next to a non-ASCII letter
    is still recognised; whatever is not ``[a-z0-9_-]`` afterwards becomes one ``_``.
    """
    text = anyascii(stem)
    text = _SIGN_PLUS.sub("_plus", text)
    text = _SIGN_MINUS.sub("_minus", text)
    text = _UNSAFE.sub("_", text.lower())
    return _SEPARATOR_RUN.sub("_", text).strip("_-")


def slugify_stem(stem: str) -> str:
    """Turn a file stem into the readable middle part of an id (may be empty)."""
    return display_slug(stem)


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
