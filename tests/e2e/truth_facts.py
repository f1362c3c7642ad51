"""The index facts of simulated dossiers and of the sample catalogue, read straight from the ground truth.

An independent second opinion on the feed → dossier service → Kafka → indicators path: it maps the
simulator's true timelines (`DossierTruth`) and the catalogue file (`ProcedureSpec`) onto the indicators'
`DossierFacts` / `ProcedureFacts` without the feed, the dossier service, the public events or the
projection mapping. Only the domain value types are shared.

What the truth does not know, and how it is read here (the feed carries the same, or nothing):
- sync to the national portal: every dossier that reached the feed was synced (the feed *is* the sync);
  the instant is not a truth fact, so the first instant the dossier existed stands for it (only "synced or
  not" is counted);
- petitions, dislikes, apology letters, results filed to the citizen's store: none are simulated;
- whether a dossier needs a paper result: the procedure's flag (left as None = "take the procedure's");
- the legal time of a dossier without a due date: never needed (every received truth has a due date).

Facts are "as known at" an instant: only what had happened by then (the feed sends only that).
The catalogue facts are the file's final state (the index treats them as a snapshot, index-766 §1.3),
judged for a provincial publisher: a decision is on time when dated no later than the 5th working day
before its legal basis takes effect (§1.1), the "public" click is due within 5 working days (§1.2).
"""

from __future__ import annotations

from datetime import date, datetime

from tthc.dossier.domain.catalogue import ProcedureSpec
from tthc.dossier.domain.procedure_values import (
    ImplementationLevel,
    ProcedureStatus,
    PublicationAction,
    SubjectType,
)
from tthc.dossier.domain.procedure_values import OnlineLevel as CatalogueOnlineLevel
from tthc.dossier.feed.sim_truth import DossierTruth
from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    StatusChange,
    SubmittedDocument,
    SupplementRound,
)
from tthc.indicators.domain.facts_catalogue import (
    ChangeKind,
    OnlineLevel,
    ProcedureFacts,
    PublicationDecision,
    UnitLevel,
)
from tthc.kit.clock import local
from tthc.kit.worktime import WorkingCalendar

PROVINCIAL_LEAD_DAYS = 5  # a provincial decision comes at least 5 working days before its legal basis
PROVINCIAL_MAKE_PUBLIC_DAYS = 5  # … and is made public on the national database within 5 working days
RESULT_CODE = "KQ01"  # the simulator's result document code (MaGiayToKetQua)

_RESOLVED = (DossierStatus.RESOLVED, DossierStatus.RESULT_RETURNED)
_ONLINE_LEVELS = {
    CatalogueOnlineLevel.FULL_PROCESS: OnlineLevel.FULL,
    CatalogueOnlineLevel.PARTIAL: OnlineLevel.PARTIAL,
    CatalogueOnlineLevel.NONE: OnlineLevel.NONE,
}
_UNIT_LEVELS = {
    ImplementationLevel.CENTRAL: UnitLevel.MINISTRY,
    ImplementationLevel.PROVINCE: UnitLevel.PROVINCE,
    ImplementationLevel.DISTRICT: UnitLevel.COMMUNE,  # no district level in the index since 2025
    ImplementationLevel.COMMUNE: UnitLevel.COMMUNE,
}
_CITIZENS = frozenset({SubjectType.CITIZEN, SubjectType.FOREIGNER})


def truth_facts(truth: DossierTruth, known_at: datetime) -> DossierFacts | None:
    """The dossier's facts as they stood at `known_at`; None when it had not been submitted yet."""

    def known(at: datetime | None) -> datetime | None:
        return at if at is not None and at <= known_at else None

    steps = [step for step in truth.steps if step.at <= known_at]
    if not steps:
        return None
    received = known(truth.received_at)
    status = DossierStatus(int(steps[-1].status))
    paid = known(truth.paid_at) is not None
    return DossierFacts(
        dossier_id=truth.code,
        code=truth.code,
        unit_code=truth.unit_code,
        procedure_code=truth.procedure_code,
        channel=Channel(int(truth.channel)),
        submitted_at=truth.submitted_at,
        received_at=received,
        original_due=truth.due_at if received else None,
        current_due=truth.due_as_of(known_at) if received else None,
        **DossierFacts.timeline(StatusChange(DossierStatus(int(step.status)), step.at) for step in steps),
        supplements=tuple(
            SupplementRound(item.requested_at, known(item.supplied_at))
            for item in truth.supplements
            if item.requested_at <= known_at
        ),
        fees=tuple(FeeLine(fee.name, fee.amount) for fee in truth.fees),
        paid_online=OnlinePayment(int(truth.online_payment)) if paid else OnlinePayment.NONE,
        documents=tuple(
            SubmittedDocument(doc.code, doc.digitised, doc.reused, doc.from_citizen_store)
            for doc in truth.documents
        )
        if received
        else (),
        results=(_result(truth),) if status in _RESOLVED else (),
        vneid_authenticated=truth.vneid_authenticated,
        population_data_used=truth.population_db_used and received is not None,
        synced_at=steps[0].at,
    )


def _result(truth: DossierTruth) -> ResultDocument:
    link = f"results/{truth.code}" if truth.electronic_result else None
    return ResultDocument(RESULT_CODE, link)


def catalogue_facts(spec: ProcedureSpec, calendar: WorkingCalendar) -> ProcedureFacts:
    """The procedure's facts from its catalogue entry (final state; provincial deadlines)."""
    decisions = sorted(spec.publications, key=lambda item: item.decided_on)
    abolished = spec.status is ProcedureStatus.ABOLISHED or any(
        item.action is PublicationAction.ABOLISHED for item in decisions
    )
    latest = decisions[-1] if decisions else None
    return ProcedureFacts(
        code=spec.code,
        online_level=_ONLINE_LEVELS[spec.online_level],
        online_public=not abolished,
        has_fee_info=any(fee.amount_vnd > 0 for fee in spec.fees),
        requires_paper_result=spec.requires_paper_result,
        citizen_subject=bool(_CITIZENS & set(spec.subject_types)),
        unit_levels=frozenset({_UNIT_LEVELS[spec.level]}),
        publications=tuple(
            PublicationDecision(
                decided_on=item.decided_on,
                change=ChangeKind(item.action.value),
                decided_on_time=item.decided_on
                <= calendar.add_working_days(item.legal_basis_effective_on, -PROVINCIAL_LEAD_DAYS),
                public_due=calendar.add_working_days(item.decided_on, PROVINCIAL_MAKE_PUBLIC_DAYS),
                made_public_on=_civil_date(item.made_public_at),
            )
            for item in decisions
        ),
        currently_public=not abolished and any(item.made_public_at for item in decisions),
        content_complete=latest is not None and not latest.missing_components,
    )


def _civil_date(at: datetime | None) -> date | None:
    return None if at is None else local(at).date()
