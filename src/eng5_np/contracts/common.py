"""Shared building blocks of the wire contracts (SPEC §4.3, §4.5).

Extra fields: every model uses ``extra="ignore"``. Receivers must accept fields
they do not know (SPEC §4); ignoring them, rather than keeping them with
``extra="allow"``, means a model the runner re-serialises — a request it sends,
a callback it hydrates into the artefact — emits exactly the documented field
names and nothing untyped. The raw message bytes remain the record of what
arrived.

Datetimes: wire datetimes are ISO-8601 with a timezone. A timestamp that arrives
without an offset is read as UTC instead of rejecting the whole message — losing
a paid-for comparison over a missing ``Z`` helps nobody — and from then on it
serialises with its offset, so every datetime leaving the runner is tz-aware.

Models are frozen: contracts are values; derive changed copies with
``model_copy(update=...)``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from eng5_np.contracts.enums import ProcessingStage


def utc_now() -> datetime:
    """The current time as a tz-aware UTC datetime."""
    return datetime.now(UTC)


def _assume_utc(value: datetime) -> datetime:
    """Attach UTC to a naive datetime; keep an aware one (and its offset) unchanged."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


WireDatetime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A tz-aware datetime on the wire; naive input is read as UTC (see module docstring)."""


class WireModel(BaseModel):
    """Base of every contract model: frozen, unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class BaseEventPayload(WireModel):
    """Fields every platform event payload starts with (SPEC §4.3)."""

    event_name: str = Field(description="Name of the event, fixed per payload type.")
    entity_id: str | None = Field(default=None, description="Id of the entity the event is about.")
    entity_type: str | None = Field(default=None, description="Kind of entity, e.g. `batch`.")
    parent_id: str | None = Field(default=None, description="Id of the entity's parent.")
    timestamp: WireDatetime = Field(
        default_factory=utc_now, description="When the event was created."
    )


class SystemProcessingMetadata(WireModel):
    """Processing state of an entity as the platform tracks it (SPEC §4.3)."""

    entity_id: str = Field(description="Id of the entity being processed.")
    entity_type: str = Field(description="Kind of entity, e.g. `batch`.")
    parent_id: str | None = Field(default=None, description="Id of the entity's parent.")
    timestamp: WireDatetime = Field(
        default_factory=utc_now, description="When this metadata was written."
    )
    processing_stage: ProcessingStage | None = Field(
        default=None, description="Where the entity is in its lifecycle."
    )
    started_at: WireDatetime | None = Field(default=None, description="When processing began.")
    completed_at: WireDatetime | None = Field(default=None, description="When processing ended.")
    event: str | None = Field(default=None, description="Event name this metadata belongs to.")
    error_info: dict[str, Any] = Field(
        default_factory=dict, description="Why processing failed; empty when it did not."
    )

    def error_summary(self) -> str | None:
        """A one-line human reason from ``error_info``, or None when it is empty."""
        if not self.error_info:
            return None
        parts: list[str] = []
        for key in ("error_code", "error_type", "reason", "message", "error_message", "error"):
            value = self.error_info.get(key)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
        if parts:
            return ": ".join(parts)
        return json.dumps(self.error_info, sort_keys=True, default=str)


class ErrorDetail(WireModel):
    """Structured error carried by a failed comparison callback (SPEC §4.5)."""

    error_code: str = Field(
        description="Error code as sent, e.g. `RATE_LIMIT`; codes come from several enums."
    )
    message: str = Field(description="Human-readable error message.")
    correlation_id: UUID = Field(description="Correlation id of the failed operation.")
    timestamp: WireDatetime = Field(description="When the error occurred.")
    service: str = Field(description="Service that raised the error.")
    operation: str = Field(description="Operation that failed.")
    details: dict[str, Any] = Field(default_factory=dict, description="Extra error context.")
    stack_trace: str | None = Field(default=None, description="Stack trace, if captured.")
    trace_id: str | None = Field(default=None, description="Distributed trace id, if any.")
    span_id: str | None = Field(default=None, description="Distributed span id, if any.")
