"""Maps procedure-catalogue domain events onto ``ProcedureChanged`` public events (full snapshots)."""

from __future__ import annotations

from typing import Any

from tthc.contracts import catalog_v1 as pub
from tthc.contracts.envelope import CloudEvent, envelope
from tthc.dossier.domain.procedure import Procedure
from tthc.dossier.domain.procedure_values import (
    PublicationDecision,
    PublishingAuthority,
    SubjectType,
)
from tthc.kit.worktime import WorkingCalendar

_CHANGES = {
    "Registered": "registered",
    "Amended": "amended",
    "PublicationDecided": "publication_decided",
    "MadePublic": "made_public",
    "Abolished": "abolished",
}
CITIZEN_SUBJECTS = frozenset({SubjectType.CITIZEN, SubjectType.FOREIGNER})


def procedure_public_event(
    event: Any, procedure: Procedure, calendar: WorkingCalendar, authority: PublishingAuthority
) -> CloudEvent[Any] | None:
    """The public event for a procedure event, with the procedure as it stands after the event."""
    change = _CHANGES.get(type(event).__name__)
    if change is None:
        return None
    data = pub.ProcedureChanged(change=change, procedure=_snapshot(procedure, calendar, authority))
    return envelope(
        data,
        aggregate_id=procedure.id,
        version=event.originator_version,
        source=pub.SOURCE,
        subject=procedure.code,
        time=event.timestamp,
        unit="",
    )


def _snapshot(procedure: Procedure, calendar: WorkingCalendar, authority: PublishingAuthority) -> Any:
    attributes = procedure.attributes
    return pub.ProcedureSnapshot(
        procedure_id=procedure.id,
        code=procedure.code,
        name=attributes.name,
        field_code=attributes.field.code,
        field_name=attributes.field.name,
        unit_level=str(attributes.level),
        online_level=str(attributes.online_level),
        legal_time_amount=float(attributes.legal_time.amount),
        legal_time_unit=str(attributes.legal_time.unit).lower(),
        has_fee=attributes.has_fees,
        fee_total=sum(fee.amount_vnd for fee in attributes.fees),
        requires_paper_result=attributes.requires_paper_result,
        citizen_subject=bool(CITIZEN_SUBJECTS & set(attributes.subject_types)),
        subject_types=tuple(str(s) for s in attributes.subject_types),
        status=str(procedure.status),
        publications=tuple(
            _publication(procedure, decision, calendar, authority)
            for decision in procedure.decisions.values()
        ),
    )


def _publication(
    procedure: Procedure,
    decision: PublicationDecision,
    calendar: WorkingCalendar,
    authority: PublishingAuthority,
) -> pub.PublicationDecision:
    components = decision.components.model_dump()
    return pub.PublicationDecision(
        decision_number=decision.number,
        decision_date=decision.decided_on,
        legal_basis_effective_date=decision.legal_basis_effective_on,
        made_public_at=procedure.made_public_at.get(decision.number),
        action=str(decision.action),
        components_present=tuple(name for name, present in components.items() if present),
        published_on_time=decision.published_on_time(authority, calendar),
        made_public_on_time=procedure.made_public_on_time(decision.number, authority, calendar),
    )
