"""What the outbox relay publishes for each stored event: public CloudEvents on the public topics.

The relay (``tthc.kit.relay``) follows the notification log; this module turns one notification into
Kafka records. Dossier events go to ``tthc.dossier.events.v1`` keyed by dossier id (per-dossier order);
catalogue events to ``tthc.catalog.events.v1`` keyed by procedure code.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification

from tthc.contracts import topics
from tthc.contracts.envelope import CloudEvent
from tthc.dossier.integration import DossierHeader, dossier_public_event
from tthc.kit.relay import OutboundRecord

DOSSIER_TOPIC_PREFIX = "tthc.dossier:Dossier."
PROCEDURE_TOPIC_PREFIX = "tthc.dossier:Procedure."
CONTENT_TYPE = b"application/cloudevents+json; charset=utf-8"

LoadAggregate = Callable[[UUID, int], Any]
ProcedureEvent = Callable[[Any, Any], CloudEvent[Any] | None]


class OutboxMapper:
    """Maps notifications to records, remembering recent dossiers' headers (falls back to the store)."""

    def __init__(
        self,
        mapper: Mapper[UUID],
        load_aggregate: LoadAggregate,
        procedure_event: ProcedureEvent | None = None,
        cache_size: int = 100_000,
    ) -> None:
        self._mapper = mapper
        self._load = load_aggregate
        self._procedure_event = procedure_event
        self._headers: OrderedDict[UUID, DossierHeader] = OrderedDict()
        self._cache_size = cache_size

    def __call__(self, notification: Notification) -> Sequence[OutboundRecord]:
        if notification.topic.startswith(DOSSIER_TOPIC_PREFIX):
            return self._dossier_records(notification)
        if notification.topic.startswith(PROCEDURE_TOPIC_PREFIX) and self._procedure_event is not None:
            return self._procedure_records(notification, self._procedure_event)
        return []

    def _dossier_records(self, notification: Notification) -> Sequence[OutboundRecord]:
        event = self._mapper.to_domain_event(notification)
        header = self._header(event)
        public = dossier_public_event(event, header)
        if public is None:
            return []
        return [_record(topics.DOSSIER_EVENTS, str(event.originator_id), public, notification)]

    def _procedure_records(
        self, notification: Notification, procedure_event: ProcedureEvent
    ) -> Sequence[OutboundRecord]:
        event = self._mapper.to_domain_event(notification)
        procedure = self._load(event.originator_id, event.originator_version)
        public = procedure_event(event, procedure)
        if public is None:
            return []
        return [_record(topics.CATALOG_EVENTS, public.subject, public, notification)]

    def _header(self, event: Any) -> DossierHeader:
        dossier_id = event.originator_id
        header = self._headers.get(dossier_id)
        if header is None:
            opened = type(event).__name__ == "Opened"
            source = event if opened else self._load(dossier_id, event.originator_version)
            header = DossierHeader.of(source)
            self._headers[dossier_id] = header
            if len(self._headers) > self._cache_size:
                self._headers.popitem(last=False)
        else:
            self._headers.move_to_end(dossier_id)
        return header


def _record(topic: str, key: str, event: CloudEvent[Any], notification: Notification) -> OutboundRecord:
    return OutboundRecord(
        topic=topic,
        key=key.encode(),
        value=event.model_dump_json().encode(),
        headers=[
            ("content-type", CONTENT_TYPE),
            ("ce-id", event.id.encode()),
            ("es-notification-id", str(notification.id).encode()),
        ],
    )
