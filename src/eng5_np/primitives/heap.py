"""Keep Python's cyclic garbage collector off what a run holds for its whole life.

Collecting 20,000 callbacks allocates millions of short-lived objects, and every so often the
collector's full pass walks *every* tracked object — the imported modules, the settings, the
inventory, the broker client — although none of them can become garbage while the run lasts.
:func:`frozen_heap` moves the objects alive on entry into the permanent generation
(:func:`gc.freeze`) so those passes skip them, and gives them back on exit. Objects created
inside are collected as usual. Measured with ``python benchmarks/bench_collect.py`` (20,000
callbacks, a shared 2-core machine at load ≈ 6), freeze off then on, twice: hydrating took
2.06 s / 1.72 s and 2.19 s / 2.06 s; the final write's change drowned in the machine's noise
(3.16 s / 3.07 s, 2.33 s / 3.12 s) — see ``benchmarks/README.md``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects alive now for the block (not nestable: the exit unfreezes all)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
