"""Reads public CloudEvents (structured JSON) into typed inbound events.

The dossier topic carries dossier events (aggregate = dossier id, `sequence` = dossier version); the catalogue
topic carries `ProcedureChanged` (aggregate = procedure code, `sequence` = procedure version). Anything that
cannot be read into one of those is an `UnreadableEventError`: the caller dead-letters it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from tthc.contracts import catalog_v1, dossier_v1
from tthc.contracts.envelope import CloudEvent, EventData


class Stream(StrEnum):
    """The upstream aggregate family an event belongs to (one tracking namespace each)."""

    DOSSIER = "dossier"
    PROCEDURE = "procedure"


class UnreadableEventError(ValueError):
    """A message that is not a public event this service understands (bad JSON, unknown type, bad fields)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a message was read: topic, partition, offset and the upstream notification id (if given)."""

    topic: str = ""
    partition: int = -1
    offset: int = -1
    notification_id: int | None = None


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One public event with its typed payload, ready for the projection."""

    stream: Stream
    aggregate_id: str
    sequence: int
    event_id: str
    envelope: CloudEvent[Any]
    position: Position = Position()

    @property
    def data(self) -> EventData:
        """The typed payload (a `dossier_v1` event or `catalog_v1.ProcedureChanged`)."""
        data: EventData = self.envelope.data
        return data

    def to_json(self) -> str:
        """The CloudEvent as JSON (what `decode` reads back)."""
        return self.envelope.model_dump_json()


_TYPES: dict[str, tuple[Stream, type[EventData]]] = {
    **{name: (Stream.DOSSIER, cls) for name, cls in dossier_v1.EVENT_TYPES.items()},
    **{name: (Stream.PROCEDURE, cls) for name, cls in catalog_v1.EVENT_TYPES.items()},
}


def decode(value: bytes | str, position: Position = Position()) -> InboundEvent:
    """Parses one CloudEvent.

    Raises:
        UnreadableEventError: not JSON, not a CloudEvent, an unknown `type`, or a payload that does not fit.
    """
    try:
        document = json.loads(value)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UnreadableEventError(f"not JSON: {error}") from error
    event_type = document.get("type") if isinstance(document, dict) else None
    known = _TYPES.get(event_type) if isinstance(event_type, str) else None
    if known is None:
        raise UnreadableEventError(f"unknown event type {event_type!r}")
    stream, data_class = known
    try:
        envelope: CloudEvent[Any] = CloudEvent[data_class].model_validate(document)  # type: ignore[valid-type]
    except ValidationError as error:
        raise UnreadableEventError(f"{event_type}: {_first_error(error)}") from error
    aggregate_id = _aggregate_id(stream, envelope.data)
    return InboundEvent(stream, aggregate_id, envelope.sequence, envelope.id, envelope, position)


def from_envelope(envelope: CloudEvent[Any], position: Position = Position()) -> InboundEvent:
    """An inbound event from an envelope built in-process (round-trips through JSON, as on the wire)."""
    return decode(envelope.model_dump_json(), position)


def _aggregate_id(stream: Stream, data: EventData) -> str:
    if stream is Stream.DOSSIER:
        return str(data.dossier_id)  # type: ignore[attr-defined]
    return str(data.procedure.code)  # type: ignore[attr-defined]


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])
