"""Two names per essay (SPEC §3, revised): an opaque wire id and a readable display name.

The **wire id** goes into ``essays_for_cj`` and comes back in every callback. The platform
stores ids in 36-character columns, treats them as global keys, and **shows them to the LLM
judge inside the comparison prompt** — so a wire id reveals nothing: no grade, no role word, no
file name. It is ``essay-`` and twelve hex digits of a SHA-256 over the run's wire batch id, the
role and the file stem: unique per run (re-salted on the rare collision), stable when the same
run is resumed, and different in every other run.

The **display name** is for people (reports, terminal): the file stem made readable, with a role
prefix (``anchor_`` / ``student_``, not repeated when the stem already starts with it) and grade
signs kept apart — ``C+`` becomes ``c_plus`` and ``C-`` becomes ``c_minus`` — unique within a
run. The artefact maps every wire id to its display name, role, grade and file.

Display names come from :func:`display_slug`: letters outside ASCII are transliterated
(``Åsa Öberg`` → ``asa_oberg``, ``Ωμέγα`` → ``omega``) with ``anyascii`` rather than dropped,
so a Swedish or Greek file name stays recognisable in plans and reports.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum

from anyascii import anyascii

MAX_ID_LENGTH = 36
MIN_ID_LENGTH = 3
ID_PATTERN = re.compile(r"^[a-z0-9_-]{3,36}$")
WIRE_ID_PREFIX = "essay-"
WIRE_ID_HEX_DIGITS = 12
MAX_DISPLAY_NAME_LENGTH = 48

_SIGN_PLUS = re.compile(r"(?<=[A-Za-z0-9])\+")
_SIGN_MINUS = re.compile(r"(?<=[A-Za-z])-(?=$|[_.\s])")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_SEPARATOR_RUN = re.compile(r"[_-]*_[_-]*")
"""A run of separators holding an underscore (``_-_`` from ``a – b``): one ``_``."""


class EssayRole(StrEnum):
    """Whether an essay is a graded anchor or a student essay."""

    ANCHOR = "anchor"
    STUDENT = "student"


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


def derive_wire_ids(
    keys: Iterable[tuple[EssayRole, str]], wire_batch_id: str
) -> dict[tuple[EssayRole, str], str]:
    """Map each (role, file stem) to an opaque wire id, unique within the run.

    Deterministic for one wire batch id (a resumed run finds the ids it published), and
    unrelated across runs. Nothing of the role or the stem can be read back from the id.
    """
    result: dict[tuple[EssayRole, str], str] = {}
    used: set[str] = set()
    for role, stem in keys:
        attempt = 0
        while True:
            material = f"{wire_batch_id}\n{role.value}\n{stem}\n{attempt}".encode()
            digest = hashlib.sha256(material).hexdigest()[:WIRE_ID_HEX_DIGITS]
            wire_id = f"{WIRE_ID_PREFIX}{digest}"
            if wire_id not in used:
                break
            attempt += 1
        if not ID_PATTERN.match(wire_id):  # pragma: no cover - guarded by construction
            raise ValueError(f"derived wire id {wire_id!r} is not safe")
        used.add(wire_id)
        result[(role, stem)] = wire_id
    return result


def derive_display_names(stems: Iterable[str], role: EssayRole) -> dict[str, str]:
    """Map each file stem to a readable display name, unique within the role.

    Stems whose names collide after slugging or truncation get a short hash of the original
    stem, so the mapping is deterministic and unique; the role prefix keeps anchors and
    students apart.
    """
    prefix = f"{role.value}_"
    room = MAX_DISPLAY_NAME_LENGTH - len(prefix)
    result: dict[str, str] = {}
    used: set[str] = set()
    for stem in stems:
        slug = display_slug(stem)
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
        result[stem] = f"{prefix}{body}"
    return result
