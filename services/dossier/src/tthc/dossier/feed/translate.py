"""Translation of a feed record (a snapshot of a dossier) into the commands the service is missing (pure).

``translate`` compares the record with what the service already knows (its ``DossierView``) and emits only
the missing steps: opening (registration or reception), fee lines, documents and flags, then the lifecycle
steps in time order (``steps``), then ``MarkSynced``. A re-sent identical record gives no command at all.

Contradictions are left to the domain where it can judge them (a different reception time, a step the
status does not allow); the translation itself refuses what only a snapshot can show: a status that goes
backwards, a supplement round that changed, and a record that un-receives a dossier.
"""

from __future__ import annotations

from datetime import datetime

from tthc.dossier.domain.commands import (
    AttachDocuments,
    Command,
    DeclareFees,
    MarkPopulationDatabaseUsed,
    MarkSynced,
    MarkVneidAuthenticated,
    ReceiveDossier,
    RecordHistoryStep,
    RegisterOnline,
)
from tthc.dossier.domain.errors import IllegalTransitionError
from tthc.dossier.domain.values import DossierStatus
from tthc.dossier.domain.views import DossierView, HistoryItem
from tthc.dossier.feed.mapping import (
    applicant,
    database_codes,
    fee_lines,
    first_known_time,
    submitted_documents,
)
from tthc.dossier.feed.payload import DossierRecord, HistoryRecord
from tthc.dossier.feed.steps import lifecycle_steps, sorted_rounds

S = DossierStatus
# How far along the lifecycle a status is; a snapshot may not move a dossier to a lower rank.
_RANK = {
    S.REGISTERED: 0,
    S.RECEIVED: 1,
    S.PROCESSING: 2,
    S.SUPPLEMENT_REQUESTED: 2,
    S.FINANCIAL_OBLIGATION: 2,
}
_RANK |= {S.RESOLVED: 3, S.RESULT_RETURNED: 4, S.REFUSED: 5, S.WITHDRAWN: 5, S.STOPPED: 5}


def translate(record: DossierRecord, current: DossierView | None, *, synced_at: datetime) -> list[Command]:
    """The commands that bring the service's dossier up to ``record``; empty when nothing is new.

    Raises:
        IllegalTransitionError: the record's status would take the dossier backwards.
        InconsistentDossierError: the record's supplement rounds contradict the recorded ones.
    """
    _check_direction(record, current)
    start = _status_after_opening(record, current)
    commands = [*_opening(record, current), *_data(record, current), *lifecycle_steps(record, current, start)]
    if commands:
        commands.append(MarkSynced(code=record.code, at=synced_at))
    return commands


def translate_history(item: HistoryRecord, current: DossierView) -> list[Command]:
    """The history step to record, or nothing when the dossier already has this exact item."""
    step = history_step(item)
    known = HistoryItem.model_validate(step.model_dump(exclude={"code", "kind"}))
    return [] if known in current.history else [step]


def history_step(item: HistoryRecord) -> RecordHistoryStep:
    """The command recording a history item (the handler's name, NguoiXuLy, is personal data and dropped)."""
    return RecordHistoryStep(
        code=item.code,
        at=item.at,
        status=item.status,
        handler_title=item.handler_title,
        department=item.department,
        content=item.content,
        step_started_at=item.step_started_at,
        step_deadline=item.step_deadline,
    )


def _check_direction(record: DossierRecord, current: DossierView | None) -> None:
    if current is None or record.status is current.status:
        return
    going_back = _RANK[record.status] < _RANK[current.status]
    if going_back or current.status.is_final:
        reason = f"the record states status {int(record.status)} ({record.status.name})"
        raise IllegalTransitionError(record.code, "sync", current.status.name, reason)


def _status_after_opening(record: DossierRecord, current: DossierView | None) -> DossierStatus:
    if _registers(record):
        return current.status if current is not None else S.REGISTERED
    if current is None or current.status is S.REGISTERED:
        return S.RECEIVED
    return current.status


def _registers(record: DossierRecord) -> bool:
    return record.received_at is None


def _opening(record: DossierRecord, current: DossierView | None) -> list[Command]:
    if _registers(record):
        return [_registration(record)] if current is None or _registration_differs(record, current) else []
    if current is None or _reception_differs(record, current):
        return [_reception(record)]
    return []


def _registration(record: DossierRecord) -> RegisterOnline:
    return RegisterOnline(
        code=record.code,
        procedure_code=record.procedure_code,
        unit_code=record.unit,
        applicant=applicant(record),
        submitted_at=first_known_time(record),
        summary=record.summary,
    )


def _reception(record: DossierRecord) -> ReceiveDossier:
    return ReceiveDossier(
        code=record.code,
        procedure_code=record.procedure_code,
        unit_code=record.unit,
        channel=record.channel,
        applicant=applicant(record),
        received_at=first_known_time(record),
        submitted_at=record.submitted_at,
        due_at=_original_due(record),
        summary=record.summary,
    )


def _original_due(record: DossierRecord) -> datetime | None:
    """The due date fixed at reception: before the first supplement round moved it (NgayHenTraTruoc)."""
    rounds = sorted_rounds(record)
    if not rounds:
        return record.due_at
    if rounds[0].previous_due_at is not None:
        return rounds[0].previous_due_at
    moved = any(item.new_due_at is not None for item in rounds)
    return None if moved else record.due_at


def _registration_differs(record: DossierRecord, current: DossierView) -> bool:
    if current.status is not S.REGISTERED:
        return False  # a stale "registered" snapshot is refused by the direction check
    stated = (record.procedure_code, record.unit, record.submitted_at or current.submitted_at)
    return stated != (current.procedure_code, current.unit_code, current.submitted_at)


def _reception_differs(record: DossierRecord, current: DossierView) -> bool:
    stated = (record.received_at, record.channel, record.procedure_code, record.unit)
    return stated != (current.received_at, current.channel, current.procedure_code, current.unit_code)


def _data(record: DossierRecord, current: DossierView | None) -> list[Command]:
    code, at = record.code, first_known_time(record)
    commands: list[Command] = []
    fees = fee_lines(record)
    if fees != (current.fees if current is not None else ()):
        commands.append(DeclareFees(code=code, fees=fees))
    recorded = {document.code: document for document in (current.documents if current is not None else ())}
    changed = tuple(doc for doc in submitted_documents(record) if recorded.get(doc.code) != doc)
    if changed:
        commands.append(AttachDocuments(code=code, documents=changed))
    if record.vneid_authenticated and not (current is not None and current.vneid_authenticated):
        commands.append(MarkVneidAuthenticated(code=code, at=at))
    databases = database_codes(record)
    if databases and not (current is not None and current.population_db_used):
        commands.append(MarkPopulationDatabaseUsed(code=code, at=at, databases=databases))
    return commands
