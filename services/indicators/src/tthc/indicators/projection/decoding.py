"""Reads public CloudEvents (structured JSON) into typed inbound events.

The dossier topic carries dossier events (aggregate = dossier id, `sequence` = dossier version), read into
this service's own read models (`inbound`: the fields the index uses); the catalogue topic carries
`ProcedureChanged` (aggregate = procedure code, `sequence` = procedure version). Anything that cannot be read
into one of those is an `UnreadableEventError`: the caller dead-letters it.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any, Final, NamedTuple

from pydantic import TypeAdapter, ValidationError
from pydantic_core import CoreConfig, SchemaValidator

from tthc.contracts import catalog_v1
from tthc.contracts.envelope import CloudEvent
from tthc.indicators.projection import inbound
from tthc.indicators.projection.inbound import Envelope


class Stream(StrEnum):
    """The upstream aggregate family an event belongs to (one tracking namespace each)."""

    DOSSIER = "dossier"
    PROCEDURE = "procedure"


class UnreadableEventError(ValueError):
    """A message that is not a public event this service understands (bad JSON, unknown type, bad fields)."""


class Position(NamedTuple):
    """Where a message was read: topic, partition, offset and the upstream notification id (if given).

    A named tuple, like `InboundEvent`: a replay makes one per record, and a tuple is built several times
    faster than a frozen dataclass."""

    topic: str = ""
    partition: int = -1
    offset: int = -1
    notification_id: int | None = None


NOWHERE = Position()
"""The position of an event not read from Kafka (built in-process)."""


class InboundEvent(NamedTuple):
    """One public event with its typed payload and the message it was read from, ready for the projection
    (an immutable named tuple)."""

    stream: Stream
    aggregate_id: str
    sequence: int
    event_id: str
    envelope: Envelope[Any]
    """The envelope as read: a typed dictionary (`inbound.Envelope`), to be treated as read-only."""
    position: Position = NOWHERE
    message: bytes | str = b""
    """The message as received (what a parked event stores and a dead letter carries)."""

    @property
    def type(self) -> str:
        """The CloudEvents `type` (which read model `data` is)."""
        event_type: str = self.envelope["type"]
        return event_type

    @property
    def data(self) -> inbound.DossierEvent | catalog_v1.ProcedureChanged:
        """The typed payload (an `inbound` dossier event or `catalog_v1.ProcedureChanged`)."""
        data: inbound.DossierEvent | catalog_v1.ProcedureChanged = self.envelope["data"]
        return data

    def to_json(self) -> str:
        """The message as JSON text (what `decode` reads back)."""
        message = self.message
        return message if isinstance(message, str) else message.decode()


_TYPES: dict[str, tuple[Stream, TypeAdapter[Envelope[Any]]]] = {
    **{name: (Stream.DOSSIER, TypeAdapter(Envelope[cls])) for name, cls in inbound.EVENT_TYPES.items()},  # type: ignore[valid-type]
    **{name: (Stream.PROCEDURE, TypeAdapter(Envelope[cls])) for name, cls in catalog_v1.EVENT_TYPES.items()},  # type: ignore[valid-type]
}

_UNCACHED: Final = CoreConfig(cache_strings=False)
"""Parsing puts no string in pydantic-core's string cache: an event's values (ids, codes, instants) are
mostly new to it, and looking each up there cost ≈ 1 µs of the ≈ 4.3 µs an event's validation takes."""

# validators of the adapters' schemas, called directly (`validate_json` adds a Python call per event), by the
# type's bytes as the text search finds them
_VALIDATORS = {
    name.encode(): (name, stream, SchemaValidator(adapter.core_schema, _UNCACHED))
    for name, (stream, adapter) in _TYPES.items()
}

_TYPE_FIELD = re.compile(rb'"type"\s*:\s*"([A-Za-z0-9_.\-]+)"')


def decode(value: bytes | str, position: Position = NOWHERE) -> InboundEvent:
    """Parses one CloudEvent.

    Raises:
        UnreadableEventError: not JSON, not a CloudEvent, an unknown `type`, or a payload that does not fit.
    """
    fast = _decode_direct(value)
    if fast is not None:
        stream, envelope = fast
    else:
        stream, envelope = _decode_checked(value)
    data = envelope["data"]
    aggregate_id = data["dossier_id"] if stream is Stream.DOSSIER else data.procedure.code
    # `tuple.__new__` directly: a named tuple's own `__new__` is a Python function, one more call per event
    return tuple.__new__(
        InboundEvent, (stream, aggregate_id, envelope["sequence"], envelope["id"], envelope, position, value)
    )


def _decode_direct(value: bytes | str) -> tuple[Stream, Envelope[Any]] | None:
    """One pass (pydantic parses the JSON itself) when the `type` is found by a text search; None when it is
    not, or when anything does not fit, so the checked path decides and words the error."""
    text = value if isinstance(value, bytes) else value.encode()
    found = _TYPE_FIELD.search(text)
    if found is None:
        return None
    known = _VALIDATORS.get(found.group(1))
    if known is None:
        return None
    name, stream, validator = known
    try:
        envelope: Envelope[Any] = validator.validate_json(text)
    except ValidationError:
        return None
    # the search may have hit a nested "type": keep the answer only if it names the envelope's own type
    return (stream, envelope) if envelope["type"] == name else None


def _decode_checked(value: bytes | str) -> tuple[Stream, Envelope[Any]]:
    try:
        document = json.loads(value)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UnreadableEventError(f"not JSON: {error}") from error
    event_type = document.get("type") if isinstance(document, dict) else None
    known = _TYPES.get(event_type) if isinstance(event_type, str) else None
    if known is None:
        raise UnreadableEventError(f"unknown event type {event_type!r}")
    stream, adapter = known
    try:
        return stream, adapter.validate_python(document)
    except ValidationError as error:
        raise UnreadableEventError(f"{event_type}: {_first_error(error)}") from error


def from_envelope(envelope: CloudEvent[Any], position: Position = NOWHERE) -> InboundEvent:
    """An inbound event from an envelope built in-process (round-trips through JSON, as on the wire)."""
    return decode(envelope.model_dump_json(), position)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])
