"""The inputs of an anchor-align run (SPEC §12): the dataset's anchors only, maybe by grade.

An anchor-align run judges anchors as ordinary essays in a guest batch, so students are not
read into the request at all, and problems of the student folder (unreadable files, an empty
or missing folder) do not block it: an anchors-only dataset is a valid input for this mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from eng5_np.dataset.inventory import STUDENT_DIR, Inventory
from eng5_np.errors import UsageError

MIN_ANCHORS = 2
"""A comparative judgement needs at least two essays."""


def parse_anchor_grades(text: str) -> tuple[str, ...]:
    """``"D-, E+,E-"`` → ``("D-", "E+", "E-")``; empty items are ignored."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def anchors_only(inventory: Inventory, grades: Sequence[str] | None) -> Inventory:
    """The inventory with no students and, when ``grades`` is given, only those grades' anchors.

    Raises :class:`UsageError` (exit 2) for a grade not on the scale (naming it and listing the
    scale), a grade no anchor of the dataset has, or fewer than two anchors left.
    """
    scale = inventory.grade_scale
    anchors = list(inventory.anchors)
    if grades:
        wanted: list[str] = []
        for grade in grades:
            if not scale.contains(grade):
                raise UsageError(
                    f"--anchor-grades: {grade!r} is not a grade of {scale.name.value} "
                    f"(its grades: {','.join(scale.grades)})",
                    advice="Pass grades of the chosen --grade-scale, comma-separated.",
                )
            wanted.append(scale.normalise(grade))
        present = {a.grade for a in anchors}
        absent = [g for g in wanted if g not in present]
        if absent:
            have = ",".join(g for g in scale.grades if g in present) or "none"
            raise UsageError(
                f"--anchor-grades: the dataset has no anchor of grade {', '.join(absent)} "
                f"(anchor grades it has: {have})",
                advice="Leave those grades out, or add their anchors to anchors.csv.",
            )
        anchors = [a for a in anchors if a.grade in set(wanted)]
    if len(anchors) < MIN_ANCHORS and not inventory.problems:
        raise UsageError(
            f"anchor-align needs at least {MIN_ANCHORS} anchors, the selection has {len(anchors)}",
            advice="Choose more grades with --anchor-grades, or leave it out for every anchor.",
        )
    problems = [p for p in inventory.problems if not p.startswith(f"{STUDENT_DIR}/")]
    return dataclasses.replace(inventory, anchors=anchors, students=[], problems=problems)
