"""The durable upload cache (SPEC §2, §5.3): checksum → storage id, one file per Content Service.

The Content Service hands out a new storage id for every upload, even of identical bytes
(SPEC §4.9), so this cache is what keeps re-runs from uploading unchanged essays again. It
lives outside the run folder so every run shares it. The cache is an optimisation: nothing
about it (a missing, corrupt or unwritable file) may stop a run, so problems are logged as
warnings and the run continues without it.

File layout: ``<cache_dir>/uploads-<sha256(url)[:16]>.json`` holding
``{"version": 1, "content_service_url": url, "entries": {checksum: storage_id}}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import structlog

from eng5_np.primitives.atomic import atomic_write_bytes
from eng5_np.primitives.redaction import redact_url

__all__ = ["CACHE_DIR_ENV", "UploadCache", "normalise_url"]

CACHE_DIR_ENV = "ENG5_UPLOAD_CACHE_DIR"
CACHE_FORMAT_VERSION = 1
_APP_CACHE_SUBDIR = Path("eng5-runner") / "uploads"
_CHECKSUM = re.compile(r"[0-9a-f]{64}")

logger = structlog.get_logger(__name__)


def normalise_url(url: str) -> str:
    """The URL as it scopes a cache: no credentials, no surrounding blanks, no trailing ``/``.

    The file records this URL, so a password in it would be written to disk; the same service
    reached with other credentials hands out the same storage ids, so they do not scope.
    """
    return redact_url(url.strip()).rstrip("/")


class UploadCache:
    """A disk-backed map checksum → storage id, scoped to one Content Service URL."""

    def __init__(self, cache_dir: Path, content_service_url: str) -> None:
        self.content_service_url = normalise_url(content_service_url)
        url_digest = hashlib.sha256(self.content_service_url.encode("utf-8")).hexdigest()
        self.path = cache_dir / f"uploads-{url_digest[:16]}.json"
        self._entries: dict[str, str] = self._read_entries(warn=True)
        self._unsaved = 0

    @classmethod
    def default_dir(cls) -> Path:
        """``$ENG5_UPLOAD_CACHE_DIR``, else ``eng5-runner/uploads`` in the XDG user cache dir."""
        explicit = os.environ.get(CACHE_DIR_ENV)
        if explicit:
            return Path(explicit).expanduser()
        xdg = os.environ.get("XDG_CACHE_HOME")
        # The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        if xdg and Path(xdg).is_absolute():
            return Path(xdg) / _APP_CACHE_SUBDIR
        return Path.home() / ".cache" / _APP_CACHE_SUBDIR

    def get(self, checksum: str) -> str | None:
        """The storage id recorded for ``checksum``, or None."""
        return self._entries.get(checksum)

    def put(self, checksum: str, storage_id: str) -> None:
        """Record ``storage_id`` for ``checksum`` (in memory until :meth:`save`)."""
        if self._entries.get(checksum) != storage_id:
            self._entries[checksum] = storage_id
            self._unsaved += 1

    @property
    def unsaved(self) -> int:
        """How many entries changed since the last successful save."""
        return self._unsaved

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, checksum: object) -> bool:
        return checksum in self._entries

    def save(self) -> None:
        """Write the cache atomically (temp file, fsync, rename); on failure log and go on.

        Entries another process saved for the same URL meanwhile are kept (ours win on a
        clash), so two runs sharing the cache do not erase each other's work.
        """
        merged = {**self._read_entries(warn=False), **self._entries}
        document = {
            "version": CACHE_FORMAT_VERSION,
            "content_service_url": self.content_service_url,
            "entries": merged,
        }
        try:
            atomic_write_bytes(
                self.path, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()
            )
        except OSError as error:
            logger.warning(
                "upload_cache_not_saved", path=str(self.path), error=str(error), entries=len(merged)
            )
            return
        self._entries = merged
        self._unsaved = 0

    def _read_entries(self, *, warn: bool) -> dict[str, str]:
        """The valid entries of the file on disk for this URL; ``{}`` if there are none."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as error:
            if warn:
                logger.warning("upload_cache_unreadable", path=str(self.path), error=str(error))
            return {}
        try:
            document = json.loads(raw)
        except ValueError as error:
            if warn:
                logger.warning(
                    "upload_cache_corrupt_ignored", path=str(self.path), error=str(error)
                )
            return {}
        if not isinstance(document, dict) or not isinstance(document.get("entries"), dict):
            if warn:
                logger.warning(
                    "upload_cache_corrupt_ignored",
                    path=str(self.path),
                    error="not an object with an 'entries' object",
                )
            return {}
        recorded_url = document.get("content_service_url")
        if not isinstance(recorded_url, str) or normalise_url(recorded_url) != (
            self.content_service_url
        ):
            # A digest-prefix clash or a hand-copied file: ids from another service are useless.
            if warn:
                logger.warning(
                    "upload_cache_other_url_ignored",
                    path=str(self.path),
                    recorded_url=str(recorded_url),
                    content_service_url=self.content_service_url,
                )
            return {}
        entries = {
            checksum: storage_id
            for checksum, storage_id in document["entries"].items()
            if isinstance(checksum, str)
            and _CHECKSUM.fullmatch(checksum)
            and isinstance(storage_id, str)
            and storage_id
        }
        if warn and len(entries) != len(document["entries"]):
            logger.warning(
                "upload_cache_bad_entries_ignored",
                path=str(self.path),
                ignored=len(document["entries"]) - len(entries),
            )
        return entries
