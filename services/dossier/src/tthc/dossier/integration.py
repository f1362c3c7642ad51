"""Maps the dossier service's domain events onto its public events (the only public face of this service).

One pure function per aggregate family. Personal data never crosses: applicants appear as ``applicant_ref``;
staff names, reasons typed by staff and document file links stay in this service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import CloudEvent, EventData, envelope


@dataclass(frozen=True)
class DossierHeader:
    """The facts fixed when a dossier opens, which every public event of it needs (unit, procedure...)."""

    code: str
    procedure_code: str
    unit_code: str
    channel: int
    applicant_ref: str
    applicant_type: int
    submitted_at: datetime | None

    @classmethod
    def of(cls, source: Any) -> DossierHeader:
        """The header of an ``Opened`` event or of a Dossier aggregate (same attribute names)."""
        return cls(
            code=source.code,
            procedure_code=source.procedure_code,
            unit_code=source.unit_code,
            channel=int(source.channel),
            applicant_ref=source.applicant_ref,
            applicant_type=int(source.applicant_type),
            submitted_at=source.submitted_at,
        )


def dossier_public_event(event: Any, header: DossierHeader) -> CloudEvent[Any] | None:
    """The public CloudEvent for a dossier domain event, or None when the event has no public counterpart."""
    name = type(event).__name__
    build = _BUILDERS.get(name)
    if build is None:
        return None
    data = build(event, header, {"dossier_id": event.originator_id, "code": header.code})
    if data is None:
        return None
    return envelope(
        data,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        source=pub.SOURCE,
        subject=header.code,
        time=_event_time(event),
        unit=header.unit_code,
    )


def _event_time(event: Any) -> datetime:
    for attribute in ("at", "received_at", "submitted_at"):
        value = getattr(event, attribute, None)
        if isinstance(value, datetime):
            return value
    item = getattr(event, "item", None)
    if item is not None:
        return item.at  # type: ignore[no-any-return]
    return event.timestamp  # type: ignore[no-any-return]


Builder = Callable[[Any, DossierHeader, dict[str, Any]], EventData | None]


def _opened(event: Any, header: DossierHeader, base: dict[str, Any]) -> EventData | None:
    if not event.registered:
        return None  # a dossier opened in order to be received: its Received event carries everything
    return pub.DossierRegistered(
        **base,
        procedure_code=header.procedure_code,
        unit_code=header.unit_code,
        channel=header.channel,
        applicant_ref=header.applicant_ref,
        applicant_type=header.applicant_type,
        submitted_at=event.submitted_at,
    )


def _received(event: Any, header: DossierHeader, base: dict[str, Any]) -> EventData:
    return pub.DossierReceived(
        **base,
        procedure_code=header.procedure_code,
        unit_code=header.unit_code,
        channel=int(event.channel),
        applicant_ref=header.applicant_ref,
        applicant_type=header.applicant_type,
        submitted_at=header.submitted_at,
        received_at=event.received_at,
        due_at=event.due_at,
    )


def _fees(lines: Any) -> tuple[pub.Fee, ...]:
    return tuple(pub.Fee(name=line.name, code=line.code, amount=line.amount) for line in lines)


def _documents(event: Any, _: DossierHeader, base: dict[str, Any]) -> EventData:
    return pub.DossierDocumentsAttached(
        **base,
        documents=tuple(
            pub.DocumentFlags(
                code=doc.code,
                has_file=doc.has_file,
                digitised=doc.digitised,
                reused=doc.reused,
                from_citizen_store=doc.from_citizen_store,
            )
            for doc in event.documents
        ),
    )


def _resolved(event: Any, _: DossierHeader, base: dict[str, Any]) -> EventData:
    return pub.DossierResolved(
        **base,
        at=event.at,
        results=tuple(
            pub.ResultFile(name=doc.name, code=doc.code, electronic=doc.is_electronic)
            for doc in event.result_documents
        ),
        requires_paper_result=event.requires_paper_result,
    )


_BUILDERS: dict[str, Builder] = {
    "Opened": _opened,
    "Received": _received,
    "Refused": lambda e, _, b: pub.DossierRefused(**b, at=e.at),
    "StepStarted": lambda e, _, b: pub.DossierStepStarted(**b, at=e.at, step_deadline=e.step_deadline),
    "SupplementRequested": lambda e, _, b: pub.DossierSupplementRequested(**b, at=e.at),
    "SupplementSupplied": lambda e, _, b: pub.DossierSupplementSupplied(**b, at=e.at, due_at=e.new_due_at),
    "FinancialObligationRequested": lambda e, _, b: pub.DossierFinancialObligationRequested(
        **b, at=e.at, fees=_fees(e.fees)
    ),
    "FeesPaid": lambda e, _, b: pub.DossierFeesPaid(
        **b, at=e.at, amount=e.amount, online_payment=int(e.online_payment)
    ),
    "FeesDeclared": lambda e, _, b: pub.DossierFeesDeclared(**b, fees=_fees(e.fees)),
    "Withdrawn": lambda e, _, b: pub.DossierWithdrawn(**b, at=e.at),
    "Stopped": lambda e, _, b: pub.DossierStopped(**b, at=e.at),
    "Resolved": _resolved,
    "ResultReturned": lambda e, _, b: pub.DossierResultReturned(**b, at=e.at, method=int(e.method)),
    "ApologyIssued": lambda e, _, b: pub.DossierApologyIssued(**b, at=e.at),
    "DocumentsAttached": _documents,
    "VneidAuthenticated": lambda e, _, b: pub.DossierVneidAuthenticated(**b, at=e.at),
    "PopulationDatabaseUsed": lambda e, _, b: pub.DossierPopulationDatabaseUsed(
        **b, at=e.at, databases=tuple(e.databases)
    ),
    "Synced": lambda e, _, b: pub.DossierSynced(**b, at=e.at),
    "HistoryRecorded": lambda e, _, b: pub.DossierHistoryRecorded(
        **b, at=e.item.at, status=int(e.item.status), step_deadline=e.item.step_deadline
    ),
}
