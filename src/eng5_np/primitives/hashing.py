"""The text checksum used everywhere a text is identified: inventory, upload cache, anchors.

One definition, because the upload cache and the artefact's ``checksum`` fields must agree
byte for byte.
"""

from __future__ import annotations

import hashlib


def sha256_text(text: str) -> str:
    """SHA-256 hex digest of ``text`` encoded as UTF-8 (the checksum of what is uploaded)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
