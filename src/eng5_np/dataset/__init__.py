"""Dataset inventory: files, extracted text, anchor grades and essay ids (SPEC §3).

May import :mod:`eng5_np.reference`, :mod:`eng5_np.primitives` and the top-level errors.
"""

from __future__ import annotations

from eng5_np.dataset.extract import ExtractionError, extract_text
from eng5_np.dataset.ids import EssayRole, derive_display_names, derive_wire_ids
from eng5_np.dataset.inventory import EssayFile, Inventory, SourceDocument, build_inventory

__all__ = [
    "EssayFile",
    "EssayRole",
    "ExtractionError",
    "Inventory",
    "SourceDocument",
    "build_inventory",
    "derive_display_names",
    "derive_wire_ids",
    "extract_text",
]
