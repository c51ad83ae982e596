"""The balanced pair planner and the content keys every pairing design works over (SPEC §7).

The ``balanced`` design (:mod:`eng5_np.localstack.designs.balanced`) is built on
:func:`plan_pairs`; the ``platform`` and ``adaptive`` designs live beside it in
:mod:`eng5_np.localstack.designs`.

Budget of one :func:`plan_pairs` call: at most the n(n−1)/2 distinct pairs, each once (the
``balanced`` design plans again for repeats). :func:`default_budget` is the ``balanced``
design's budget without ``metadata.max_comparisons``: enough comparisons for every essay to
take part in :data:`DEFAULT_COMPARISONS_PER_ESSAY` of them (n · 12 / 2, rounded up — each
comparison involves two essays; 10 per essay is the report's quality gate, SPEC §8), never
more than n(n−1)/2.

Greedy plan, one comparison per step:

1. the *focus* essay is the one with the fewest planned comparisons that still has an
   unused partner (random tie-break) — this keeps the counts balanced: after every step
   the counts differ by at most a small constant;
2. its partner is the essay with the fewest comparisons among its unused partners,
   preferring the kind of essay the focus needs: a student alternates between anchors
   and students (whichever it has met less, anchors on a tie), an anchor prefers
   students (anchors are there to place students on the scale). A preferred partner
   may have one comparison more than an unpreferred one;
3. which essay is shown as "Essay A" is a coin flip.

Every random draw comes from one generator seeded with ``seed``, and the essays are
sorted first, so the same essays, budget and seed give the same plan in any input
order, and another seed gives another plan.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from eng5_np.primitives.hashing import sha256_text

__all__ = [
    "DEFAULT_COMPARISONS_PER_ESSAY",
    "HasText",
    "PlannedPair",
    "content_key",
    "content_keys",
    "default_budget",
    "draw_key",
    "plan_pairs",
    "resolve_budget",
]

DEFAULT_COMPARISONS_PER_ESSAY: Final = 12
"""Comparisons per essay that the default budget aims for."""


@dataclass(frozen=True)
class PlannedPair:
    """One comparison to make: ``essay_a_id`` is shown first, as "Essay A"."""

    essay_a_id: str
    essay_b_id: str


def _all_pairs(essay_count: int) -> int:
    return essay_count * (essay_count - 1) // 2


def default_budget(essay_count: int) -> int:
    """min(all pairs, ⌈n · 10 / 2⌉): about 10 comparisons per essay."""
    wanted = math.ceil(essay_count * DEFAULT_COMPARISONS_PER_ESSAY / 2)
    return min(_all_pairs(essay_count), wanted)


def resolve_budget(essay_count: int, max_comparisons: int | None) -> int:
    """The budget for a batch: ``max_comparisons`` if given (capped at all pairs), else default."""
    if max_comparisons is None:
        return default_budget(essay_count)
    if max_comparisons <= 0:
        raise ValueError(f"max_comparisons must be positive, got {max_comparisons}")
    return min(_all_pairs(essay_count), max_comparisons)


def plan_pairs(
    essay_ids: Iterable[str],
    anchor_ids: Collection[str],
    *,
    budget: int | None = None,
    seed: int | str = 0,
) -> list[PlannedPair]:
    """Plan up to ``budget`` distinct pairs (default: :func:`default_budget`); see module doc."""
    essays = sorted(set(essay_ids))
    anchors = {essay_id for essay_id in essays if essay_id in anchor_ids}
    limit = default_budget(len(essays)) if budget is None else min(budget, _all_pairs(len(essays)))
    rng = random.Random(f"pairs:{seed}")
    counts = dict.fromkeys(essays, 0)
    anchors_met = dict.fromkeys(essays, 0)
    students_met = dict.fromkeys(essays, 0)
    partners = {essay_id: set(essays) - {essay_id} for essay_id in essays}
    plan: list[PlannedPair] = []

    while len(plan) < limit:
        candidates = [essay_id for essay_id in essays if partners[essay_id]]
        if not candidates:
            break
        focus = min(candidates, key=lambda essay_id: (counts[essay_id], rng.random()))
        # A student alternates between anchors and students; an anchor wants students.
        wants_anchor = focus not in anchors and anchors_met[focus] <= students_met[focus]
        partner = _choose_partner(partners[focus], counts, anchors, wants_anchor, rng)
        partners[focus].discard(partner)
        partners[partner].discard(focus)
        for essay_id, other in ((focus, partner), (partner, focus)):
            counts[essay_id] += 1
            if other in anchors:
                anchors_met[essay_id] += 1
            else:
                students_met[essay_id] += 1
        first, second = (focus, partner) if rng.random() < 0.5 else (partner, focus)
        plan.append(PlannedPair(essay_a_id=first, essay_b_id=second))
    return plan


def _choose_partner(
    options: Collection[str],
    counts: dict[str, int],
    anchors: Collection[str],
    wants_anchor: bool,
    rng: random.Random,
) -> str:
    """The least-compared option, counting an unwanted kind of essay as one comparison more."""
    best: tuple[int, float, str] | None = None
    for option in sorted(options):
        penalty = 0 if (option in anchors) == wants_anchor else 1
        key = (counts[option] + penalty, rng.random(), option)
        if best is None or key < best:
            best = key
    assert best is not None, "called with no options"
    return best[2]


class HasText(Protocol):
    """An essay as pair planning sees it: its text."""

    @property
    def text(self) -> str:
        """The essay's text."""
        ...


def content_key(texts: Iterable[str]) -> str:
    """A fingerprint of the batch's texts (not of its ids or batch id).

    Random draws are seeded with it, so the same dataset and judge seed give the same pairs
    and judgements in every run, although each run has its own batch id and essay ids.
    """
    digests = sorted(sha256_text(text) for text in texts)
    return sha256_text("\n".join(digests))[:16]


def draw_key(texts_key: str, draws: Counter[str]) -> str:
    """The key every random draw of this batch is seeded with.

    The first batch of a set of texts on a service draws from the texts alone, so the same
    dataset and seed give the same pairs and judgements on every fresh stack. A later batch of
    the same texts on the same service (a ``--repeats`` experiment) gets new draws, as a real
    judge samples anew each time; otherwise every repeat would be a copy of the first.
    """
    repeat = draws[texts_key]
    draws[texts_key] += 1
    return texts_key if repeat == 0 else f"{texts_key}#{repeat}"


def content_keys(essays: Mapping[str, HasText]) -> dict[str, str]:
    """Key made of the text → essay id, for every essay of the batch.

    Wire ids are opaque and new in every run (SPEC §3), so planning over them would give
    every run other pairs; planning over the texts gives the same dataset and seed the same
    pairs in every run. Identical texts are told apart by their order of appearance.
    """
    by_key: dict[str, str] = {}
    for essay_id, essay in essays.items():
        digest = sha256_text(essay.text)
        key, repeat = digest, 1
        while key in by_key:
            repeat += 1
            key = f"{digest}#{repeat}"
        by_key[key] = essay_id
    return by_key
