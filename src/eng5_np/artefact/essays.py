"""Who each essay id in a run is: display name, anchor or student, expert grade (SPEC §3, §11.3).

Essay ids on the wire are opaque. An artefact says who they are in two places: ``inputs``
(the dataset's essays, by wire id, with display names and anchor grades) and, for assignment
runs, ``metadata.assignment.registered_anchors`` (the platform's own anchors, which come back as
``ANCHOR_<id>_<hex>``). :class:`EssayDirectory` reads both, so every consumer — result blocks,
checks, reports — resolves an id the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PLATFORM_ANCHOR_ID = re.compile(r"^ANCHOR_(\d+)_[0-9A-Za-z]+$")
"""How CJ names the registered anchors it adds to an assignment batch (SPEC §11.3)."""


@dataclass(frozen=True)
class EssayInfo:
    """What the runner knows about one essay id."""

    display_name: str
    is_anchor: bool
    grade: str | None = None
    """The expert grade of an anchor (None for students)."""


@dataclass(frozen=True)
class EssayDirectory:
    """Essay id → :class:`EssayInfo`, including the platform's ``ANCHOR_<id>_<hex>`` ids."""

    essays: dict[str, EssayInfo] = field(default_factory=dict)
    platform_anchors: dict[int, EssayInfo] = field(default_factory=dict)

    @classmethod
    def from_artefact(cls, artefact: Mapping[str, Any]) -> EssayDirectory:
        """Read the directory from an artefact's ``inputs`` and ``metadata.assignment``."""
        inputs = artefact["inputs"]
        essays: dict[str, EssayInfo] = {}
        for anchor in inputs["anchors"]:
            if anchor.get("sent", True):
                essays[anchor["anchor_id"]] = EssayInfo(
                    anchor.get("display_name") or anchor["anchor_id"], True, anchor["grade"] or None
                )
        for student in inputs["students"]:
            essays[student["essay_id"]] = EssayInfo(
                student.get("display_name") or student["essay_id"], False
            )
        assignment = artefact["metadata"].get("assignment") or {}
        platform = {
            int(entry["anchor_id"]): EssayInfo(
                entry.get("anchor_label") or f"anchor {entry['anchor_id']}",
                True,
                entry.get("grade"),
            )
            for entry in assignment.get("registered_anchors", [])
        }
        return cls(essays, platform)

    def lookup(self, essay_id: str) -> EssayInfo | None:
        """Who ``essay_id`` is, or None when the run never named it."""
        info = self.essays.get(essay_id)
        if info is not None:
            return info
        match = PLATFORM_ANCHOR_ID.match(essay_id)
        return self.platform_anchors.get(int(match.group(1))) if match else None

    def display_name(self, essay_id: str) -> str:
        """The name to show people: the display name, else the id itself."""
        info = self.lookup(essay_id)
        return info.display_name if info is not None else essay_id

    def anchor_grades(self, essay_ids: Iterable[str]) -> dict[str, str]:
        """Of ``essay_ids``, the anchors with a known grade → that grade."""
        grades: dict[str, str] = {}
        for essay_id in essay_ids:
            info = self.lookup(essay_id)
            if info is not None and info.is_anchor and info.grade:
                grades[essay_id] = info.grade
        return grades
