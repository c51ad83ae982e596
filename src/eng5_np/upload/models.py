"""What goes into and comes out of an upload run (SPEC §5.3): pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from eng5_np.primitives.hashing import sha256_text as text_checksum

__all__ = ["UploadFailure", "UploadItem", "UploadOutcome", "UploadProgress", "text_checksum"]


@dataclass(frozen=True)
class UploadItem:
    """One text to upload; ``checksum`` must be :func:`text_checksum` of ``text``."""

    checksum: str
    label: str
    """What messages call it, e.g. ``student_essays/student_03.txt``."""
    text: str = field(repr=False)

    def __post_init__(self) -> None:
        # The checksum keys a cache shared across runs: a wrong one would hand out another
        # essay's storage id, so it is checked here rather than trusted.
        if text_checksum(self.text) != self.checksum:
            raise ValueError(f"checksum of {self.label} does not match its text")

    @classmethod
    def from_text(cls, label: str, text: str) -> UploadItem:
        """An item with its checksum computed from ``text``."""
        return cls(checksum=text_checksum(text), label=label, text=text)


@dataclass
class UploadFailure:
    """A text that has no storage id, and why."""

    label: str
    reason: str


@dataclass
class UploadOutcome:
    """What :func:`upload_texts` did; every item falls in exactly one count or in ``failures``.

    ``uploaded + from_cache + deduplicated + (distinct texts among failures) == len(items)``.
    """

    storage_ids: dict[str, str]
    """checksum → storage id for every text that has one."""
    uploaded: int
    """Distinct texts stored by a POST in this call."""
    from_cache: int
    """Distinct texts whose storage id came from the cache."""
    deduplicated: int
    """Items whose text equals an earlier item's; they share its outcome."""
    failures: list[UploadFailure]
    """One entry per item (every label) without a storage id."""


@dataclass(frozen=True)
class UploadProgress:
    """Progress in items: reported after each item (or group of identical items) is settled."""

    done: int
    """Items settled so far (uploaded, cached, duplicate or failed)."""
    total: int
    """All items of the call."""
    failed: int
    """Items without a storage id so far."""
    from_cache: int
    """Distinct texts taken from the cache so far (as in :class:`UploadOutcome`)."""
