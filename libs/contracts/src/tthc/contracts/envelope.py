"""CloudEvents 1.0 structured-JSON envelope for every event on the suite's Kafka topics.

Extensions: ``sequence`` (the aggregate version) and ``unit`` (the agency code). The ``id`` is
deterministic from (aggregate id, version), so a re-published event carries the same id and consumers
can deduplicate on it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

EVENT_ID_NAMESPACE = uuid.UUID("6f0c3e0a-9a8e-4c1e-9d1e-766000000001")

DataT = TypeVar("DataT", bound=BaseModel)


def event_id(aggregate_id: uuid.UUID | str, version: int) -> str:
    """The deterministic CloudEvents ``id`` of an aggregate's ``version``-th event."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{aggregate_id}/{version}"))


class EventData(BaseModel):
    """Base of the ``data`` payload of a public event. Subclasses set ``EVENT_TYPE``.

    Unknown fields are ignored on input so consumers keep working when producers add fields.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    EVENT_TYPE: ClassVar[str] = ""


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 event in structured JSON mode, with the ``sequence`` and ``unit`` extensions."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="uuid5 of (aggregate id, version): identical when re-published")
    source: str = Field(description="URI reference of the producing service, e.g. /tthc/dossier")
    type: str = Field(description="reverse-DNS event type, e.g. vn.tthc.dossier.received.v1")
    subject: str = Field(description="the aggregate's business key: dossier code or procedure code")
    time: AwareDatetime = Field(description="when the fact happened (business time)")
    datacontenttype: Literal["application/json"] = "application/json"
    sequence: int = Field(ge=1, description="extension: the aggregate version of this event")
    unit: str = Field(description="extension: the agency (unit) code the event belongs to")
    data: DataT


def envelope(
    data: EventData,
    *,
    aggregate_id: uuid.UUID,
    version: int,
    source: str,
    subject: str,
    time: datetime,
    unit: str,
) -> CloudEvent[Any]:
    """Wraps ``data`` in a CloudEvent with the deterministic id."""
    return CloudEvent[Any](
        id=event_id(aggregate_id, version),
        source=source,
        type=data.EVENT_TYPE,
        subject=subject,
        time=time,
        sequence=version,
        unit=unit,
        data=data,
    )
