"""The run artefact: schema, builder, checksum/manifest, atomic writer, verifier (SPEC §6).

``analysis`` runs :mod:`eng5_np.analysis` once per run, after the collected data is on disk,
and writes every figure into the artefact (``validation.analysis``, ``alignment``,
``bt_summary``, ``grade_projections``); readers never recompute them.

May import :mod:`eng5_np.analysis` (the figures it stores), :mod:`eng5_np.contracts`,
:mod:`eng5_np.dataset`, :mod:`eng5_np.request`, :mod:`eng5_np.reference`,
:mod:`eng5_np.primitives` and the top-level errors/settings/logs; never the modes, the
report or the local stack.
"""

from __future__ import annotations

from eng5_np.artefact.checksum import build_manifest, canonical_bytes, compute_checksum
from eng5_np.artefact.schema import load_schema, schema_version, validate_document
from eng5_np.artefact.verify import VerificationReport, verify_artefact
from eng5_np.artefact.writer import seal_and_write
from eng5_np.primitives.atomic import atomic_write_bytes

__all__ = [
    "VerificationReport",
    "atomic_write_bytes",
    "build_manifest",
    "canonical_bytes",
    "compute_checksum",
    "load_schema",
    "schema_version",
    "seal_and_write",
    "validate_document",
    "verify_artefact",
]
