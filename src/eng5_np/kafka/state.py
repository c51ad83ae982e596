"""The collector's state file (SPEC §5.5): what a re-run needs to resume exactly once.

``state.json`` records, for the event files it covers, their byte lengths, and for every
partition of the callback topics the next offset to read. It is written atomically and only
after those event files were flushed and fsynced, so on resume the runner truncates each event
file to the recorded length (dropping anything appended after the last state write) and seeks
every partition to the recorded offset: the dropped events are read again and appended once.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eng5_np.errors import UsageError
from eng5_np.primitives.atomic import atomic_write_bytes

STATE_FILE = "state.json"


class RequestPosition(BaseModel):
    """Where the request landed on the broker."""

    topic: str
    partition: int
    offset: int
    published_at: str


class CollectorState(BaseModel):
    """Everything needed to resume a run in the same folder."""

    model_config = ConfigDict(extra="ignore")

    batch_label: str
    wire_batch_id: str
    request_published: bool = False
    publishing_from: dict[str, int] | None = None
    """Set just before publishing: request-topic partition → end offset at that moment."""
    request: RequestPosition | None = None
    republished: list[RequestPosition] = Field(default_factory=list)
    """Where ``--republish`` published the same request envelope again, in order."""
    offsets: dict[str, dict[str, int]] = Field(default_factory=dict)
    """topic → partition (as str, JSON keys) → next offset to read."""
    event_file_sizes: dict[str, int] = Field(default_factory=dict)
    """events/<name> → bytes covered by these offsets."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Counters that are not recomputable from the event files (foreign, duplicates)."""
    finished: bool = False

    def offset_for(self, topic: str, partition: int) -> int | None:
        """The saved next offset of a partition, if any."""
        return self.offsets.get(topic, {}).get(str(partition))


def load_state(run_dir: Path) -> CollectorState | None:
    """The saved state of a run folder, or None when there is none."""
    path = run_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        return CollectorState.model_validate(json.loads(path.read_bytes()))
    except (ValueError, ValidationError) as exc:
        raise UsageError(
            f"{path} is not a valid runner state file ({str(exc).splitlines()[0]})",
            advice="Use a new --output-dir, or remove state.json to start this folder afresh.",
        ) from None


def save_state(run_dir: Path, state: CollectorState) -> None:
    """Write the state atomically."""
    atomic_write_bytes(run_dir / STATE_FILE, state.model_dump_json(indent=2).encode("utf-8"))
