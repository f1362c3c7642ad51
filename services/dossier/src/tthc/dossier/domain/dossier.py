"""The Dossier aggregate (hồ sơ thủ tục hành chính): its lifecycle, due dates and recorded facts.

Each public command method checks the rules (``dossier_rules``), returns without an event when the fact is
already recorded (so a re-sent feed changes nothing), raises ``InconsistentDossierError`` when it contradicts
a recorded fact, and otherwise triggers one event. Event bodies only change state; they never check.
Times come from the commands (business time); the aggregate never reads a clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from tthc.dossier.domain.dossier_facts import DossierState, merge_documents, merge_history
from tthc.dossier.domain.dossier_rules import apology_refusal, fee_payment_refusal
from tthc.dossier.domain.values import (
    Applicant,
    ApplicantType,
    Channel,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    ReturnMethod,
    SubmittedDocument,
)
from tthc.dossier.domain.views import HistoryItem
from tthc.kit.eventstore import Aggregate

S = DossierStatus
DOSSIER_NAMESPACE = UUID("5d1f3f0e-6a0c-4a8e-9d55-7c1b2e0a7660")


def _topic(name: str) -> str:
    return f"tthc.dossier:Dossier.{name}"


class Dossier(DossierState, Aggregate):
    """A dossier identified by its national code (MaHoSo), from registration or reception to its end."""

    TOPIC: ClassVar[str] = "tthc.dossier:Dossier"

    class Event(Aggregate.Event):
        """Base of the dossier's events."""

        TOPIC: ClassVar[str] = _topic("Event")

    class Created(Event, Aggregate.Created):
        """Base of the dossier's creation event."""

        TOPIC: ClassVar[str] = _topic("Created")

    @staticmethod
    def create_id(code: str) -> UUID:
        """The dossier's id, derived from its national code."""
        return uuid5(DOSSIER_NAMESPACE, code)

    @classmethod
    def id_for(cls, code: str) -> UUID:
        """The id of the dossier with national code ``code``."""
        return cls.create_id(code)

    @event("Opened", topic=_topic("Opened"))
    def __init__(  # noqa: PLR0917 - eventsourcing passes the creation arguments through
        self,
        code: str,
        procedure_code: str,
        unit_code: str,
        channel: Channel,
        applicant: Applicant,
        applicant_ref: str,
        applicant_type: ApplicantType,
        submitted_at: datetime | None,
        summary: str,
        registered: bool,
    ) -> None:
        """Opened: the dossier becomes known, registered online (status 1) or about to be received."""
        self.init_facts(
            code=code,
            procedure_code=procedure_code,
            unit_code=unit_code,
            channel=channel,
            submitted_at=submitted_at,
            summary=summary,
        )
        self.applicant = applicant
        self.applicant_ref = applicant_ref
        self.applicant_type = applicant_type
        if registered and submitted_at is not None:
            self.enter(S.REGISTERED, submitted_at, "registered online")

    # --- identity -------------------------------------------------------------------------------------------

    def check_registration(self, procedure_code: str, unit_code: str, submitted_at: datetime | None) -> None:
        """Checks that a repeated registration states the same facts as the recorded one."""
        self.check_same("procedure_code", self.procedure_code, procedure_code)
        self.check_same("unit_code", self.unit_code, unit_code)
        if submitted_at is not None and self.submitted_at is not None:
            self.check_same("submitted_at", self.submitted_at, submitted_at)

    # --- reception ------------------------------------------------------------------------------------------

    def receive(
        self,
        received_at: datetime,
        due_at: datetime | None,
        channel: Channel,
        procedure_code: str,
        unit_code: str,
    ) -> None:
        """Receives the dossier (status 2) with its original due date; an identical repeat is a no-op.

        Raises:
            IllegalTransitionError: the dossier may not be received in its state.
            InconsistentDossierError: the reception contradicts the recorded one.
        """
        self.check_registration(procedure_code, unit_code, None)
        if self.received_at is not None:
            self.check_same("received_at", self.received_at, received_at)
            self.check_same("channel", self.channel, channel)
            if due_at is not None:
                self.check_same("due_at", self.original_due_at, due_at)
            return
        self.check_transition("receive", S.RECEIVED)
        if self.submitted_at is not None and received_at < self.submitted_at:
            self.inconsistent("received_at", f"{received_at.isoformat()} is before the submission time")
        if due_at is not None and due_at < received_at:
            self.inconsistent("due_at", f"{due_at.isoformat()} is before the reception time")
        self._received(received_at=received_at, due_at=due_at, channel=channel)

    @event("Received", topic=_topic("Received"))
    def _received(self, received_at: datetime, due_at: datetime | None, channel: Channel) -> None:
        """Received: the unit accepted the dossier; the original due date is fixed here."""
        self.received_at = received_at
        self.original_due_at = due_at
        self.due_at = due_at
        self.channel = channel
        self.enter(S.RECEIVED, received_at, "received", once="Received")

    def refuse(self, at: datetime, reason: str) -> None:
        """Refuses the dossier (status 3)."""
        if self.first_time("Refused", at):
            self.check_step("refuse", S.REFUSED, at)
            self._refused(at=at, reason=reason)

    @event("Refused", topic=_topic("Refused"))
    def _refused(self, at: datetime, reason: str) -> None:
        """Refused: the dossier was not received or was refused (final)."""
        self.finished_at = at
        self.enter(S.REFUSED, at, reason, once="Refused")

    # --- processing -----------------------------------------------------------------------------------------

    def start_step(self, at: datetime, handler_unit: str, step_deadline: datetime | None, note: str) -> None:
        """Starts a processing step at ``handler_unit`` (status 4)."""
        if ("StepStarted", at, handler_unit) not in self.facts:
            self.check_step("start_step", S.PROCESSING, at)
            self._step_started(at=at, handler_unit=handler_unit, step_deadline=step_deadline, note=note)

    @event("StepStarted", topic=_topic("StepStarted"))
    def _step_started(
        self, at: datetime, handler_unit: str, step_deadline: datetime | None, note: str
    ) -> None:
        """StepStarted: a handling unit took the dossier up."""
        self.handler_unit = handler_unit
        self.step_deadline = step_deadline
        self.facts.add(("StepStarted", at, handler_unit))
        self.enter(S.PROCESSING, at, note or handler_unit)

    def request_supplement(self, at: datetime, reason: str) -> None:
        """Asks for more documents (status 5); the clock pauses."""
        if ("SupplementRequested", at) not in self.facts:
            self.check_step("request_supplement", S.SUPPLEMENT_REQUESTED, at)
            self._supplement_requested(at=at, reason=reason)

    @event("SupplementRequested", topic=_topic("SupplementRequested"))
    def _supplement_requested(self, at: datetime, reason: str) -> None:
        """SupplementRequested: a supplement round opened."""
        self.open_supplement_round(at, reason)
        self.enter(S.SUPPLEMENT_REQUESTED, at, reason)

    def supply_supplement(self, at: datetime, new_due_at: datetime | None) -> None:
        """Records the supplied documents (back to 4); the due date becomes ``new_due_at`` when given.

        Raises:
            InconsistentDossierError: ``new_due_at`` is earlier than the current due date.
        """
        if ("SupplementSupplied", at) in self.facts:
            return
        self.check_step("supply_supplement", S.PROCESSING, at)
        if new_due_at is not None and self.due_at is not None and new_due_at < self.due_at:
            self.inconsistent("new_due_at", f"{new_due_at.isoformat()} is before the current due date")
        self._supplement_supplied(at=at, new_due_at=new_due_at if new_due_at is not None else self.due_at)

    @event("SupplementSupplied", topic=_topic("SupplementSupplied"))
    def _supplement_supplied(self, at: datetime, new_due_at: datetime | None) -> None:
        """SupplementSupplied: the applicant supplied the documents; the due date shifted by the pause."""
        self.close_supplement_round(at, new_due_at)
        self.due_at = new_due_at
        self.enter(S.PROCESSING, at, "supplement supplied", fact=("SupplementSupplied", at))

    def request_financial_obligation(self, at: datetime, fees: tuple[FeeLine, ...]) -> None:
        """Asks the applicant to pay fees or taxes (status 6)."""
        if ("FinancialObligationRequested", at) not in self.facts:
            self.check_step("request_financial_obligation", S.FINANCIAL_OBLIGATION, at)
            self._financial_obligation_requested(at=at, fees=fees)

    @event("FinancialObligationRequested", topic=_topic("FinancialObligationRequested"))
    def _financial_obligation_requested(self, at: datetime, fees: tuple[FeeLine, ...]) -> None:
        """FinancialObligationRequested: fees or taxes are due before processing goes on."""
        self.fees = self.fees + tuple(fee for fee in fees if fee not in self.fees)
        self.enter(
            S.FINANCIAL_OBLIGATION, at, "financial obligation", fact=("FinancialObligationRequested", at)
        )

    def pay_fees(self, at: datetime, amount: int, online_payment: OnlinePayment) -> None:
        """Records a fee payment (allowed in 2, 4, 6; in 6 processing resumes)."""
        if ("FeesPaid", at, amount, online_payment) in self.facts:
            return
        self.refuse_if("pay_fees", fee_payment_refusal(self.status))
        resumes = self.status is S.FINANCIAL_OBLIGATION
        self.check_time(at, strict_order=resumes)
        self._fees_paid(at=at, amount=amount, online_payment=online_payment)

    @event("FeesPaid", topic=_topic("FeesPaid"))
    def _fees_paid(self, at: datetime, amount: int, online_payment: OnlinePayment) -> None:
        """FeesPaid: the applicant paid ``amount`` VND, online when ``online_payment`` is 1 or 2."""
        self.fees_paid_amount += amount
        if online_payment is not OnlinePayment.NONE:
            self.online_payment = online_payment
        self.facts.add(("FeesPaid", at, amount, online_payment))
        if self.status is S.FINANCIAL_OBLIGATION:
            self.enter(S.PROCESSING, at, "fees paid")

    def declare_fees(self, fees: tuple[FeeLine, ...]) -> None:
        """Declares the fee lines (DanhSachLePhi); identical lines are a no-op."""
        if tuple(fees) != self.fees:
            self._fees_declared(fees=tuple(fees))

    @event("FeesDeclared", topic=_topic("FeesDeclared"))
    def _fees_declared(self, fees: tuple[FeeLine, ...]) -> None:
        """FeesDeclared: the dossier's fee lines were stated."""
        self.fees = fees

    # --- endings --------------------------------------------------------------------------------------------

    def withdraw(self, at: datetime, reason: str) -> None:
        """Withdraws the dossier at the applicant's request (status 7)."""
        if self.first_time("Withdrawn", at):
            self.check_step("withdraw", S.WITHDRAWN, at)
            self._withdrawn(at=at, reason=reason)

    @event("Withdrawn", topic=_topic("Withdrawn"))
    def _withdrawn(self, at: datetime, reason: str) -> None:
        """Withdrawn: the applicant withdrew the dossier (final)."""
        self.finished_at = at
        self.enter(S.WITHDRAWN, at, reason, once="Withdrawn")

    def stop(self, at: datetime, reason: str) -> None:
        """Stops processing (status 8)."""
        if self.first_time("Stopped", at):
            self.check_step("stop", S.STOPPED, at)
            self._stopped(at=at, reason=reason)

    @event("Stopped", topic=_topic("Stopped"))
    def _stopped(self, at: datetime, reason: str) -> None:
        """Stopped: processing was stopped (final)."""
        self.finished_at = at
        self.enter(S.STOPPED, at, reason, once="Stopped")

    def resolve(
        self, at: datetime, result_documents: tuple[ResultDocument, ...], requires_paper_result: bool
    ) -> None:
        """Resolves the dossier (status 9) with its result documents."""
        if not self.first_time("Resolved", at):
            self.check_same("result_documents", self.result_documents, tuple(result_documents))
            return
        self.check_step("resolve", S.RESOLVED, at)
        self._resolved(at=at, result_documents=result_documents, requires_paper_result=requires_paper_result)

    @event("Resolved", topic=_topic("Resolved"))
    def _resolved(
        self, at: datetime, result_documents: tuple[ResultDocument, ...], requires_paper_result: bool
    ) -> None:
        """Resolved: processing is complete; the result is ready."""
        self.finished_at = at
        self.result_documents = tuple(result_documents)
        self.requires_paper_result = requires_paper_result
        self.enter(S.RESOLVED, at, "resolved", once="Resolved")

    def return_result(self, at: datetime, method: ReturnMethod) -> None:
        """Returns the result to the applicant (status 10)."""
        if not self.first_time("ResultReturned", at):
            self.check_same("method", self.return_method, method)
            return
        self.check_step("return_result", S.RESULT_RETURNED, at)
        self._result_returned(at=at, method=method)

    @event("ResultReturned", topic=_topic("ResultReturned"))
    def _result_returned(self, at: datetime, method: ReturnMethod) -> None:
        """ResultReturned: the applicant received the result (final)."""
        self.returned_at = at
        self.return_method = method
        self.enter(S.RESULT_RETURNED, at, "result returned", once="ResultReturned")

    def issue_apology(self, at: datetime, new_appointment_at: datetime | None, reason: str) -> None:
        """Records an apology letter with a new appointment; the due dates never move."""
        if ("ApologyIssued", at) in self.facts:
            return
        self.refuse_if("issue_apology", apology_refusal(self.status))
        self.check_time(at, strict_order=False)
        self._apology_issued(at=at, new_appointment_at=new_appointment_at, reason=reason)

    @event("ApologyIssued", topic=_topic("ApologyIssued"))
    def _apology_issued(self, at: datetime, new_appointment_at: datetime | None, reason: str) -> None:
        """ApologyIssued: an apology letter (phiếu xin lỗi) was issued for a late dossier."""
        self.apology_issued_at = at
        self.apology_appointment_at = new_appointment_at
        self.apology_reason = reason
        self.facts.add(("ApologyIssued", at))

    # --- data-only facts ------------------------------------------------------------------------------------

    def attach_documents(self, documents: tuple[SubmittedDocument, ...]) -> None:
        """Attaches submitted documents; a document equal to the recorded one with its code is a no-op."""
        recorded = {document.code: document for document in self.documents}
        latest = {document.code: document for document in documents}
        changed = tuple(doc for code, doc in latest.items() if recorded.get(code) != doc)
        if changed:
            self._documents_attached(documents=changed)

    @event("DocumentsAttached", topic=_topic("DocumentsAttached"))
    def _documents_attached(self, documents: tuple[SubmittedDocument, ...]) -> None:
        """DocumentsAttached: submitted documents were added or their flags changed."""
        self.documents = merge_documents(self.documents, documents)

    def mark_vneid_authenticated(self, at: datetime) -> None:
        """Marks the applicant's account as VNeID-authenticated (once)."""
        if not self.vneid_authenticated:
            self._vneid_authenticated(at=at)

    @event("VneidAuthenticated", topic=_topic("VneidAuthenticated"))
    def _vneid_authenticated(self, at: datetime) -> None:  # noqa: ARG002 - the event keeps the time
        """VneidAuthenticated: the applicant's account is authenticated with VNeID."""
        self.vneid_authenticated = True

    def mark_population_database_used(self, at: datetime, databases: tuple[str, ...]) -> None:
        """Marks that the population database (and ``databases``) were consulted; known ones are a no-op."""
        new = tuple(db for db in dict.fromkeys(databases) if db not in self.connected_databases)
        if new or not self.population_db_used:
            self._population_database_used(at=at, databases=new)

    @event("PopulationDatabaseUsed", topic=_topic("PopulationDatabaseUsed"))
    def _population_database_used(self, at: datetime, databases: tuple[str, ...]) -> None:  # noqa: ARG002
        """PopulationDatabaseUsed: national databases (CSDL) were consulted for the dossier."""
        self.population_db_used = True
        self.connected_databases = self.connected_databases + tuple(databases)

    def mark_synced(self, at: datetime) -> None:
        """Marks the dossier as synchronised with the national portal at ``at`` (later marks only)."""
        if self.synced_at is None or at > self.synced_at:
            self._synced(at=at)

    @event("Synced", topic=_topic("Synced"))
    def _synced(self, at: datetime) -> None:
        """Synced: the dossier's state was sent to the national public service portal."""
        self.synced_at = at

    def record_history(self, item: HistoryItem) -> None:
        """Records a processing-history item in time order; an identical item is a no-op."""
        if item not in self.history:
            self._history_recorded(item=item)

    @event("HistoryRecorded", topic=_topic("HistoryRecorded"))
    def _history_recorded(self, item: HistoryItem) -> None:
        """HistoryRecorded: a processing-history item (QuaTrinhXuLy) arrived."""
        self.history = merge_history(self.history, item)
