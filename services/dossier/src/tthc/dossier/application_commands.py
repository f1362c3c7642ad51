"""Applies one dossier command to the aggregate, supplying what the command leaves to the service.

The service computes due dates with the working calendar (from the procedure's legal time, and after a
supplement pause), pseudonymises the applicant and looks up catalogue defaults; the aggregate decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tthc.dossier.domain.commands import (
    AttachDocuments,
    Command,
    DeclareFees,
    IssueApology,
    MarkPopulationDatabaseUsed,
    MarkSynced,
    MarkVneidAuthenticated,
    PayFees,
    ReceiveDossier,
    RecordHistoryStep,
    RefuseDossier,
    RegisterOnline,
    RequestFinancialObligation,
    RequestSupplement,
    ResolveDossier,
    ReturnResult,
    StartProcessingStep,
    StopProcessing,
    SupplySupplement,
    WithdrawDossier,
)
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.errors import DossierNotFoundError
from tthc.dossier.domain.values import Applicant, Channel
from tthc.dossier.domain.views import HistoryItem
from tthc.kit.pseudonym import Pseudonymizer
from tthc.kit.worktime import LegalTime


class DueDateCalendar(Protocol):
    """The working-calendar operations the service needs (``tthc.kit.worktime.WorkingCalendar``)."""

    def due_date(self, received_at: datetime, legal_time: LegalTime) -> datetime: ...

    def shift_for_pause(self, due: datetime, paused_from: datetime, resumed_at: datetime) -> datetime: ...


@dataclass(frozen=True)
class ProcedureTerms:
    """What a dossier needs from its procedure: the legal processing time(s) and the paper-result rule."""

    legal_time: LegalTime | None
    online_legal_time: LegalTime | None = None
    requires_paper_result: bool = False

    def legal_time_for(self, channel: Channel) -> LegalTime | None:
        """The legal time for a dossier submitted through ``channel`` (online may differ)."""
        if channel is Channel.ONLINE and self.online_legal_time is not None:
            return self.online_legal_time
        return self.legal_time


TermsLookup = Callable[[str], ProcedureTerms]  # raises ProcedureNotFoundError
OptionalTermsLookup = Callable[[str], ProcedureTerms | None]


class CommandApplier:
    """Runs commands against a dossier (or opens it), with the service's calendar and catalogue."""

    def __init__(
        self,
        calendar: DueDateCalendar,
        pseudonymizer: Pseudonymizer,
        terms_of: TermsLookup,
        terms_if_known: OptionalTermsLookup,
    ) -> None:
        self._calendar = calendar
        self._pseudonymizer = pseudonymizer
        self._terms_of = terms_of
        self._terms_if_known = terms_if_known

    def apply(self, dossier: Dossier | None, command: Command) -> Dossier:
        """Applies ``command``; returns the (possibly newly opened) dossier with its pending events.

        Raises:
            DossierNotFoundError: the command needs an existing dossier.
            ProcedureNotFoundError: a due date must be computed for an unknown procedure.
            IllegalTransitionError, InconsistentDossierError: the aggregate refused the command.
        """
        if isinstance(command, RegisterOnline):
            return self._register(dossier, command)
        if isinstance(command, ReceiveDossier):
            return self._receive(dossier, command)
        if dossier is None:
            raise DossierNotFoundError(command.code)
        self._apply_to_existing(dossier, command)
        return dossier

    def _register(self, dossier: Dossier | None, command: RegisterOnline) -> Dossier:
        if dossier is not None:
            dossier.check_registration(command.procedure_code, command.unit_code, command.submitted_at)
            return dossier
        return self._open(command, command.applicant, Channel.ONLINE, command.submitted_at, registered=True)

    def _receive(self, dossier: Dossier | None, command: ReceiveDossier) -> Dossier:
        if dossier is None:
            dossier = self._open(command, command.applicant, command.channel, command.submitted_at)
        due_at = command.due_at
        if due_at is None and dossier.received_at is None:
            due_at = self._due_date(command.procedure_code, command.channel, command.received_at)
        dossier.receive(
            received_at=command.received_at,
            due_at=due_at,
            channel=command.channel,
            procedure_code=command.procedure_code,
            unit_code=command.unit_code,
        )
        return dossier

    def _open(
        self,
        command: RegisterOnline | ReceiveDossier,
        applicant: Applicant,
        channel: Channel,
        submitted_at: datetime | None,
        *,
        registered: bool = False,
    ) -> Dossier:
        return Dossier(
            code=command.code,
            procedure_code=command.procedure_code,
            unit_code=command.unit_code,
            channel=channel,
            applicant=applicant,
            applicant_ref=self._pseudonymizer.ref("applicant", applicant.id_number or applicant.name),
            applicant_type=applicant.applicant_type,
            submitted_at=submitted_at,
            summary=command.summary,
            registered=registered,
        )

    def _due_date(self, procedure_code: str, channel: Channel, received_at: datetime) -> datetime | None:
        legal_time = self._terms_of(procedure_code).legal_time_for(channel)
        return None if legal_time is None else self._calendar.due_date(received_at, legal_time)

    def _apply_to_existing(self, dossier: Dossier, command: Command) -> None:
        match command:
            case RefuseDossier(at=at, reason=reason):
                dossier.refuse(at, reason)
            case StartProcessingStep():
                dossier.start_step(command.at, command.handler_unit, command.step_deadline, command.note)
            case RequestSupplement(at=at, reason=reason):
                dossier.request_supplement(at, reason)
            case SupplySupplement(at=at, new_due_at=new_due_at):
                dossier.supply_supplement(at, new_due_at or self._shifted_due(dossier, at))
            case RequestFinancialObligation(at=at, fees=fees):
                dossier.request_financial_obligation(at, fees)
            case PayFees(at=at, amount=amount, online_payment=online):
                dossier.pay_fees(at, amount, online)
            case DeclareFees(fees=fees):
                dossier.declare_fees(fees)
            case _:
                self._apply_ending_or_data(dossier, command)

    def _apply_ending_or_data(self, dossier: Dossier, command: Command) -> None:
        match command:
            case WithdrawDossier(at=at, reason=reason):
                dossier.withdraw(at, reason)
            case StopProcessing(at=at, reason=reason):
                dossier.stop(at, reason)
            case ResolveDossier(at=at, result_documents=documents):
                dossier.resolve(at, documents, self._paper_result(dossier, command))
            case ReturnResult(at=at, method=method):
                dossier.return_result(at, method)
            case IssueApology(at=at, new_appointment_at=appointment, reason=reason):
                dossier.issue_apology(at, appointment, reason)
            case AttachDocuments(documents=documents):
                dossier.attach_documents(documents)
            case MarkVneidAuthenticated(at=at):
                dossier.mark_vneid_authenticated(at)
            case MarkPopulationDatabaseUsed(at=at, databases=databases):
                dossier.mark_population_database_used(at, databases)
            case MarkSynced(at=at):
                dossier.mark_synced(at)
            case RecordHistoryStep():
                dossier.record_history(history_item(command))
            case _:
                raise TypeError(f"unknown dossier command {type(command).__name__}")

    def _shifted_due(self, dossier: Dossier, supplied_at: datetime) -> datetime | None:
        pending = dossier.pending_supplement
        if pending is None or dossier.due_at is None or supplied_at < pending.requested_at:
            return None  # nothing to shift, or the aggregate refuses the command anyway
        return self._calendar.shift_for_pause(dossier.due_at, pending.requested_at, supplied_at)

    def _paper_result(self, dossier: Dossier, command: ResolveDossier) -> bool:
        if command.requires_paper_result is not None:
            return command.requires_paper_result
        terms = self._terms_if_known(dossier.procedure_code)
        return terms.requires_paper_result if terms is not None else False


def history_item(command: RecordHistoryStep) -> HistoryItem:
    """The history item a ``RecordHistoryStep`` command states."""
    return HistoryItem(
        at=command.at,
        status=command.status,
        handler_title=command.handler_title,
        department=command.department,
        content=command.content,
        step_started_at=command.step_started_at,
        step_deadline=command.step_deadline,
    )
