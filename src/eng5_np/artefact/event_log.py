"""Append-only event files of a run folder (SPEC §2): ``events/*.jsonl``, one event per line.

Appends are buffered and handed to the OS by ``flush`` after every batch the collector polls
(and by ``sync``), so a crash of the runner loses at most the batch being applied — which the
state file does not cover yet, so it is read again; ``sync`` fsyncs all files before the
state file claims them (a crash of the machine loses nothing the state covers).
``truncate_to`` cuts files back to the lengths a state recorded, dropping lines appended
after it — those events are read from the broker again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

EVENTS_DIR = "events"
COMPARISONS = "comparisons.jsonl"
ASSESSMENT_RESULTS = "assessment_results.jsonl"
COMPLETIONS = "completions.jsonl"
FAILURES = "failures.jsonl"
REJECTED = "rejected.jsonl"
EVENT_FILES = (COMPARISONS, ASSESSMENT_RESULTS, COMPLETIONS, FAILURES, REJECTED)


def one_line(raw: bytes) -> bytes:
    """``raw`` JSON as a single line (re-serialised compactly only if it spans lines)."""
    if b"\n" not in raw and b"\r" not in raw:
        return raw
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()
    except ValueError:
        return raw.replace(b"\r", b"\\r").replace(b"\n", b"\\n")


class EventLog:
    """The run's event files, opened for appending."""

    def __init__(self, run_dir: Path) -> None:
        self.directory = run_dir / EVENTS_DIR
        self.directory.mkdir(parents=True, exist_ok=True)
        self._handles: dict[str, BinaryIO] = {}

    def _handle(self, name: str) -> BinaryIO:
        handle = self._handles.get(name)
        if handle is None:
            handle = (self.directory / name).open("ab")
            self._handles[name] = handle
        return handle

    def append(self, name: str, line: bytes) -> None:
        """Append one line (without its newline); ``flush`` hands it to the OS."""
        handle = self._handles.get(name) or self._handle(name)
        handle.write(line + b"\n")  # one buffered write per line: half the calls per event

    def flush(self) -> None:
        """Hand everything appended so far to the OS (no fsync)."""
        for handle in self._handles.values():
            handle.flush()

    def sync(self) -> None:
        """fsync every open event file."""
        for handle in self._handles.values():
            handle.flush()
            os.fsync(handle.fileno())

    def sizes(self) -> dict[str, int]:
        """Current byte length of every event file that exists."""
        return {
            name: (self.directory / name).stat().st_size
            for name in EVENT_FILES
            if (self.directory / name).exists()
        }

    def truncate_to(self, sizes: dict[str, int]) -> None:
        """Cut every event file back to ``sizes`` (files not listed are emptied)."""
        self.close()
        for name in EVENT_FILES:
            path = self.directory / name
            if path.exists():
                keep = sizes.get(name, 0)
                if path.stat().st_size > keep:
                    with path.open("r+b") as handle:
                        handle.truncate(keep)

    def lines(self, name: str) -> Iterator[bytes]:
        """The lines of one event file, without newlines (for replay on resume)."""
        path = self.directory / name
        if not path.exists():
            return
        with path.open("rb") as handle:
            for line in handle:
                stripped = line.rstrip(b"\n")
                if stripped:
                    yield stripped

    def close(self) -> None:
        """Flush and close every open file."""
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
