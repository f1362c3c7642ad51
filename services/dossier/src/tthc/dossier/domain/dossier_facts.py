"""The recorded state of a dossier, the small state changes its events share, and its guards.

``DossierState`` is mixed into the ``Dossier`` aggregate: it holds what is known about the dossier
(status, times, due dates, supplement rounds, fees, documents, timeline, history) and remembers which facts
were already recorded, so a repeated fact can be recognised as a no-op.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable
from datetime import datetime
from typing import NoReturn

from tthc.dossier.domain.dossier_rules import time_order_problem, transition_refusal
from tthc.dossier.domain.errors import IllegalTransitionError, InconsistentDossierError
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
    TimelineEntry,
)
from tthc.dossier.domain.views import HistoryItem, SupplementRound


class DossierState:
    """What is recorded about one dossier and the checks against it; mixed into the aggregate."""

    code: str
    procedure_code: str
    unit_code: str
    channel: Channel
    applicant: Applicant
    applicant_ref: str
    applicant_type: ApplicantType
    summary: str
    status: DossierStatus
    submitted_at: datetime | None
    received_at: datetime | None
    original_due_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    last_step_at: datetime | None
    handler_unit: str
    step_deadline: datetime | None
    supplements: tuple[SupplementRound, ...]
    fees: tuple[FeeLine, ...]
    fees_paid_amount: int
    online_payment: OnlinePayment
    documents: tuple[SubmittedDocument, ...]
    result_documents: tuple[ResultDocument, ...]
    requires_paper_result: bool
    return_method: ReturnMethod | None
    apology_issued_at: datetime | None
    apology_appointment_at: datetime | None
    apology_reason: str
    vneid_authenticated: bool
    population_db_used: bool
    connected_databases: tuple[str, ...]
    synced_at: datetime | None
    timeline: tuple[TimelineEntry, ...]
    history: tuple[HistoryItem, ...]
    instants: dict[str, datetime]  # when each one-time step (Received, Resolved, ...) happened
    facts: set[tuple[Hashable, ...]]  # repeatable steps already recorded, e.g. ("StepStarted", at, unit)

    def init_facts(
        self,
        *,
        code: str,
        procedure_code: str,
        unit_code: str,
        channel: Channel,
        submitted_at: datetime | None,
        summary: str,
    ) -> None:
        """Sets the identity of a newly opened dossier and empties everything else."""
        self.code, self.procedure_code, self.unit_code = code, procedure_code, unit_code
        self.channel, self.submitted_at, self.summary = channel, submitted_at, summary
        self.status = DossierStatus.REGISTERED
        self.received_at = self.original_due_at = self.due_at = None
        self.finished_at = self.returned_at = self.last_step_at = self.step_deadline = None
        self.apology_issued_at = self.apology_appointment_at = self.synced_at = None
        self.handler_unit = self.apology_reason = ""
        self.supplements, self.fees, self.documents, self.result_documents = (), (), (), ()
        self.fees_paid_amount, self.online_payment = 0, OnlinePayment.NONE
        self.requires_paper_result, self.return_method = False, None
        self.vneid_authenticated = self.population_db_used = False
        self.connected_databases, self.timeline, self.history = (), (), ()
        self.instants, self.facts = {}, set()

    @property
    def pending_supplement(self) -> SupplementRound | None:
        """The open supplement round, if the dossier waits for the applicant."""
        if self.supplements and self.supplements[-1].supplied_at is None:
            return self.supplements[-1]
        return None

    def enter(
        self,
        status: DossierStatus,
        at: datetime,
        note: str,
        *,
        once: str | None = None,
        fact: tuple[Hashable, ...] | None = None,
    ) -> None:
        """Moves to ``status`` at ``at`` and records the step in the timeline."""
        self.status = status
        self.last_step_at = at
        self.timeline = (*self.timeline, TimelineEntry(at=at, status=status, note=note))
        if once is not None:
            self.instants[once] = at
        if fact is not None:
            self.facts.add(fact)

    def first_time(self, step: str, at: datetime) -> bool:
        """True when the one-time ``step`` is not recorded yet; False when recorded at ``at``.

        Raises:
            InconsistentDossierError: the step is recorded at another instant.
        """
        recorded = self.instants.get(step)
        if recorded is None:
            return True
        if recorded != at:
            self.inconsistent("at", f"{step} is recorded at {recorded.isoformat()}, not {at.isoformat()}")
        return False

    def open_supplement_round(self, at: datetime, reason: str) -> None:
        """Opens a supplement round requested at ``at``."""
        self.supplements = (*self.supplements, SupplementRound(requested_at=at, reason=reason))
        self.facts.add(("SupplementRequested", at))

    def close_supplement_round(self, at: datetime, new_due_at: datetime | None) -> None:
        """Closes the open supplement round, noting the due dates before and after."""
        pending = self.pending_supplement
        if pending is None:
            return
        closed = pending.model_copy(update={"supplied_at": at, "previous_due_at": self.due_at})
        closed = closed.model_copy(update={"new_due_at": new_due_at})
        self.supplements = (*self.supplements[:-1], closed)

    # --- guards ---------------------------------------------------------------------------------------------

    def check_transition(self, command: str, target: DossierStatus) -> None:
        """Raises ``IllegalTransitionError`` unless ``command`` may lead from the status to ``target``."""
        self.refuse_if(command, transition_refusal(self.status, target, command))

    def check_step(self, command: str, target: DossierStatus, at: datetime) -> None:
        """Checks the transition and that ``at`` keeps the time order."""
        self.check_transition(command, target)
        self.check_time(at, strict_order=True)

    def check_time(self, at: datetime, *, strict_order: bool) -> None:
        """Raises ``InconsistentDossierError`` when ``at`` precedes the reception (or the last step)."""
        problem = time_order_problem(at, self.received_at, self.last_step_at if strict_order else None)
        if problem is not None:
            self.inconsistent("at", problem)

    def refuse_if(self, command: str, reason: str | None) -> None:
        """Raises ``IllegalTransitionError`` naming the status when ``reason`` is given."""
        if reason is not None:
            raise IllegalTransitionError(self.code, command, self.status.name, reason)

    def check_same(self, field: str, recorded: object, stated: object) -> None:
        """Raises ``InconsistentDossierError`` when a stated fact differs from the recorded one."""
        if recorded != stated:
            self.inconsistent(field, f"recorded {recorded!r}, the command states {stated!r}")

    def inconsistent(self, field: str, reason: str) -> NoReturn:
        """Raises ``InconsistentDossierError`` for ``field``."""
        raise InconsistentDossierError(self.code, field, reason)


def merge_documents(
    recorded: tuple[SubmittedDocument, ...], changed: tuple[SubmittedDocument, ...]
) -> tuple[SubmittedDocument, ...]:
    """``recorded`` with each document of ``changed`` replacing the one with its code, or appended."""
    by_code = {document.code: document for document in recorded}
    by_code.update({document.code: document for document in changed})
    return tuple(by_code.values())


def merge_history(history: tuple[HistoryItem, ...], item: HistoryItem) -> tuple[HistoryItem, ...]:
    """``history`` with ``item`` inserted in time order (after items of the same instant)."""
    position = bisect_right([existing.at for existing in history], item.at)
    return (*history[:position], item, *history[position:])
