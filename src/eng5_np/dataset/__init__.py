"""Dataset inventory: files, extracted text, anchor grades and essay ids (SPEC §3)."""

from __future__ import annotations

from eng5_np.dataset.extract import ExtractionError, extract_text
from eng5_np.dataset.ids import EssayRole, derive_essay_ids, run_suffix
from eng5_np.dataset.inventory import EssayFile, Inventory, SourceDocument, build_inventory

__all__ = [
    "EssayFile",
    "EssayRole",
    "ExtractionError",
    "Inventory",
    "SourceDocument",
    "build_inventory",
    "derive_essay_ids",
    "extract_text",
    "run_suffix",
]
