"""The envelope that wraps every platform message (SPEC §4.2)."""

from __future__ import annotations

import functools
from typing import Any, Final, Generic, TypeVar, cast
from uuid import UUID, uuid4

from pydantic import BaseModel, Field

from eng5_np.contracts.common import WireDatetime, WireModel, utc_now

RUNNER_SOURCE_SERVICE: Final = "eng5_np_batch_runner"
"""``source_service`` of every envelope the runner sends."""

PayloadT = TypeVar("PayloadT", bound=BaseModel)


class EventEnvelope(WireModel, Generic[PayloadT]):
    """One Kafka message value: routing metadata around a typed payload in ``data``."""

    event_id: UUID = Field(default_factory=uuid4, description="Unique id of this message.")
    event_type: str = Field(
        description="Event type; senders use the topic name, receivers must not route on it."
    )
    event_timestamp: WireDatetime = Field(
        default_factory=utc_now, description="When the message was created (tz-aware)."
    )
    source_service: str = Field(description="Service that produced the message.")
    schema_version: int = Field(default=1, description="Envelope schema version.")
    correlation_id: UUID = Field(description="Correlation id tying related messages together.")
    data_schema_uri: str | None = Field(default=None, description="URI of the payload's schema.")
    data: PayloadT = Field(description="The event payload.")
    metadata: dict[str, Any] | None = Field(
        default=None, description="Free-form hints, e.g. `batch_label`, `runner_mode`."
    )


def envelope_model(payload_type: type[PayloadT]) -> type[EventEnvelope[PayloadT]]:
    """The envelope class parametrised with ``payload_type`` (``EventEnvelope[payload_type]``)."""
    return cast("type[EventEnvelope[PayloadT]]", _parametrised(payload_type))


@functools.cache
def _parametrised(payload_type: type[BaseModel]) -> type[BaseModel]:
    # pydantic caches parametrised classes too, but its lookup costs ~8 µs per message on the
    # collector's hot path; mypy cannot check subscripting a generic with a runtime type.
    return cast("type[BaseModel]", EventEnvelope.__class_getitem__(payload_type))


def build_envelope(
    payload: PayloadT,
    *,
    event_type: str,
    correlation_id: UUID,
    source_service: str = RUNNER_SOURCE_SERVICE,
    metadata: dict[str, Any] | None = None,
    data_schema_uri: str | None = None,
) -> EventEnvelope[PayloadT]:
    """Wrap ``payload`` in a new envelope with a fresh ``event_id`` and a UTC timestamp now."""
    return envelope_model(type(payload))(
        event_id=uuid4(),
        event_type=event_type,
        event_timestamp=utc_now(),
        source_service=source_service,
        correlation_id=correlation_id,
        data_schema_uri=data_schema_uri,
        data=payload,
        metadata=metadata,
    )
