"""Evolves `DossierFacts` from the dossier service's public events (as `inbound` reads them): one pure
function per event type.

`DossierReceived` is self-contained (it creates the facts when nothing came before); `DossierRegistered`
creates the facts of a dossier submitted online and not yet received; every other event refines existing
facts. `DossierHistoryRecorded` only feeds the processing-history timeline upstream: the status events carry
the transitions, so it leaves the facts unchanged.

What repeats is shared, as when facts are loaded from the store (projection/codec.py): the unit and procedure
codes (interned), the time zones of the instants (pydantic gives every parsed instant its own tzinfo object),
one object per instant within a dossier and per whole minute, and the documents, fee lines and results
many dossiers have alike (a result's code is kept as a marker of its presence).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FactsError,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    SubmittedDocument,
)
from tthc.indicators.projection import inbound
from tthc.indicators.projection.codec import shared_value, shared_values, shared_zone

ELECTRONIC_RESULT = "electronic"
"""Stands for the file link of an electronic result: links never leave the dossier service."""

CODED_RESULT = "coded"
"""Stands for a result's code (MaKetQua): the index needs only its presence, and one shared marker lets the
results of millions of dossiers share one object."""


class MissingFactsError(FactsError):
    """An event that refines a dossier arrived for a dossier with no facts yet."""


def evolve_dossier(facts: DossierFacts | None, event: inbound.DossierEvent) -> DossierFacts:
    """The facts after `event` (pure). `facts` is None before the dossier's first applied event.

    Raises:
        FactsError: the event does not fit the facts (e.g. a supplement supplied with none requested, a status
            earlier than the last one); `MissingFactsError` when a refining event has no facts to refine.
    """
    # dispatch on the exact class (the read models are final): `isinstance` on a pydantic
    # model goes through `ABCMeta` and costs 3× as much, once per event of a replay
    kind = type(event)
    if kind is inbound.DossierReceived:
        return received(facts, event)  # type: ignore[arg-type]
    if kind is inbound.DossierRegistered:
        return registered(facts, event)  # type: ignore[arg-type]
    if facts is None:
        raise MissingFactsError(f"dossier {event.dossier_id}: {kind.__name__} before its reception")
    refine = _REFINERS.get(kind)
    return facts if refine is None else refine(facts, event)


def is_self_contained(event: inbound.DossierEvent, facts: DossierFacts | None) -> bool:
    """The event can be applied without the events before it (a reception of a dossier not yet received)."""
    return isinstance(event, inbound.DossierReceived) and (facts is None or facts.received_at is None)


def registered(facts: DossierFacts | None, event: inbound.DossierRegistered) -> DossierFacts:
    """A dossier submitted online, awaiting reception (status 1)."""
    if facts is not None:
        return facts
    submitted_at = shared_zone(event.submitted_at)
    return DossierFacts(
        dossier_id=event.dossier_id,
        code=event.code,
        unit_code=sys.intern(event.unit_code),
        procedure_code=sys.intern(event.procedure_code),
        channel=_channel(event.channel),
        submitted_at=submitted_at,
        **DossierFacts.first_status(DossierStatus.REGISTERED, submitted_at),
    )


def received(facts: DossierFacts | None, event: inbound.DossierReceived) -> DossierFacts:
    """The reception (status 2): creates the facts, or completes those of a registered dossier (in one
    copy: receptions are a sixth of a replay's events)."""
    hours = event.legal_time_hours
    legal_time = None if hours is None else shared_value(timedelta(hours=hours))
    submitted = shared_zone(event.submitted_at)
    earlier = None if facts is None else facts.submitted_at
    submitted_at = earlier if submitted is None else _same(submitted, earlier)
    received_at = _same(shared_zone(event.received_at), submitted_at)
    due = shared_zone(event.due_at)
    placed: dict[str, Any] = {
        "unit_code": sys.intern(event.unit_code),
        "procedure_code": sys.intern(event.procedure_code),
        "channel": _channel(event.channel),
        "submitted_at": submitted_at,
        "received_at": received_at,
        "original_due": due,
        "current_due": due,
    }
    if facts is None:
        return DossierFacts(
            dossier_id=event.dossier_id,
            code=event.code,
            legal_time=legal_time,
            **placed,
            **DossierFacts.first_status(DossierStatus.RECEIVED, received_at),
        )
    return facts.with_status(
        DossierStatus.RECEIVED,
        received_at,
        code=facts.code if facts.code == event.code else event.code,
        legal_time=facts.legal_time if legal_time is None else legal_time,
        **placed,
    )


def _same(at: datetime, earlier: datetime | None) -> datetime:
    """`earlier` when it is the same instant written the same way (offset included), else `at`: one object
    per instant within a dossier."""
    if earlier is not None and at == earlier and at.tzinfo is earlier.tzinfo:
        return earlier
    return at


def _channel(code: int) -> Channel | None:
    try:
        return Channel(code)
    except ValueError:
        return None  # an unknown channel reads as direct, as the national portal does


def _fees(lines: tuple[inbound.Fee, ...]) -> tuple[FeeLine, ...]:
    return shared_values(tuple(FeeLine(code=line.code or line.name, amount=line.amount) for line in lines))


def _financial_obligation(
    facts: DossierFacts, event: inbound.DossierFinancialObligationRequested
) -> DossierFacts:
    fees = {"fees": _fees(event.fees)} if event.fees else {}
    return facts.with_status(DossierStatus.FINANCIAL_OBLIGATION, shared_zone(event.at), **fees)


def _fees_paid(facts: DossierFacts, event: inbound.DossierFeesPaid) -> DossierFacts:
    try:
        paid = OnlinePayment(event.online_payment)
    except ValueError:
        paid = OnlinePayment.NONE  # e.g. 3 "not online" in the gRPC enum: not paid online
    if paid is OnlinePayment.NONE:
        return facts  # a later offline payment does not undo an online one
    return facts.with_payment(paid, shared_zone(event.at))


def _resolved(facts: DossierFacts, event: inbound.DossierResolved) -> DossierFacts:
    results = tuple(
        ResultDocument(CODED_RESULT if item.code else None, ELECTRONIC_RESULT if item.electronic else None)
        for item in event.results
    )
    return facts.with_status(  # one copy: resolutions are a tenth of the events
        DossierStatus.RESOLVED,
        shared_zone(event.at),
        results=shared_values(facts.results + results),
        requires_paper_result=event.requires_paper_result,
    )


def _documents(facts: DossierFacts, event: inbound.DossierDocumentsAttached) -> DossierFacts:
    documents = tuple(
        SubmittedDocument(
            component_code=doc.code,
            digitised=doc.digitised or doc.has_file,
            reused=doc.reused,
            from_citizen_store=doc.from_citizen_store,
        )
        for doc in event.documents
    )
    return facts.evolve(documents=shared_values(facts.documents + documents))


def _status(status: DossierStatus) -> Callable[[DossierFacts, Any], DossierFacts]:
    def enter(facts: DossierFacts, event: Any) -> DossierFacts:
        return facts.with_status(status, shared_zone(event.at))

    return enter


_REFINERS: dict[type[inbound.DossierEvent], Callable[[DossierFacts, Any], DossierFacts]] = {
    inbound.DossierRefused: _status(DossierStatus.REFUSED),
    inbound.DossierStepStarted: _status(DossierStatus.PROCESSING),
    inbound.DossierSupplementRequested: lambda f, e: f.with_supplement_requested(shared_zone(e.at)),
    inbound.DossierSupplementSupplied: lambda f, e: f.with_supplement_supplied(
        shared_zone(e.at), shared_zone(e.due_at)
    ),
    inbound.DossierFinancialObligationRequested: _financial_obligation,
    inbound.DossierFeesDeclared: lambda f, e: f.evolve(fees=_fees(e.fees)),
    inbound.DossierFeesPaid: _fees_paid,
    inbound.DossierWithdrawn: _status(DossierStatus.WITHDRAWN),
    inbound.DossierStopped: _status(DossierStatus.STOPPED),
    inbound.DossierResolved: _resolved,
    inbound.DossierResultReturned: _status(DossierStatus.RESULT_RETURNED),
    inbound.DossierApologyIssued: lambda f, e: f.with_apology(shared_zone(e.at)),
    inbound.DossierDocumentsAttached: _documents,
    inbound.DossierVneidAuthenticated: lambda f, e: f.with_vneid(shared_zone(e.at)),
    inbound.DossierPopulationDatabaseUsed: lambda f, e: f.with_population_data(shared_zone(e.at)),
    inbound.DossierSynced: lambda f, e: f.with_synced(shared_zone(e.at)),
}
