"""The Procedure aggregate (thủ tục hành chính, TTHC): catalogue attributes and publication history.

A procedure is identified by its national code (MaTTHC). Its publication decisions (quyết định công bố, QĐCB)
and the "made public" click on the national procedures database (CSDLQG) feed index-766 §1.1 (indicators
1.1–1.3). Like the dossier, each command returns without an event when the fact is already recorded, so
re-loading the same catalogue changes nothing. The value objects live in ``procedure_values``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from tthc.dossier.domain.errors import DossierError
from tthc.dossier.domain.procedure_values import (
    MAKE_PUBLIC_WITHIN_DAYS,
    PUBLICATION_LEAD_DAYS,
    FeeKind,
    FieldRef,
    ImplementationLevel,
    OnlineLevel,
    ProcedureAttributes,
    ProcedureFee,
    ProcedureStatus,
    PublicationAction,
    PublicationDecision,
    PublishedComponents,
    PublishingAuthority,
    SubjectType,
)
from tthc.kit.clock import local
from tthc.kit.eventstore import Aggregate
from tthc.kit.worktime import WorkingCalendar

__all__ = [
    "MAKE_PUBLIC_WITHIN_DAYS",
    "PUBLICATION_LEAD_DAYS",
    "AlreadyMadePublicError",
    "FeeKind",
    "FieldRef",
    "ImplementationLevel",
    "OnlineLevel",
    "Procedure",
    "ProcedureAbolishedError",
    "ProcedureAttributes",
    "ProcedureError",
    "ProcedureFee",
    "ProcedureStatus",
    "PublicationAction",
    "PublicationDecision",
    "PublicationDecisionConflictError",
    "PublishedComponents",
    "PublishingAuthority",
    "SubjectType",
    "UnknownPublicationDecisionError",
]

PROCEDURE_NAMESPACE = UUID("8a0c7d52-3c1e-4f57-9b8e-0d6f4c2a9e31")


def _topic(name: str) -> str:
    return f"tthc.dossier:Procedure.{name}"


class ProcedureError(DossierError):
    """Base of the procedure catalogue's rule violations."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"procedure {code!r}: {reason}")
        self.code = code
        self.reason = reason


class ProcedureAbolishedError(ProcedureError):
    """The procedure is abolished; it can no longer be amended or republished."""


class PublicationDecisionConflictError(ProcedureError):
    """A decision with this number is already recorded with different content."""


class UnknownPublicationDecisionError(ProcedureError):
    """No decision with this number is recorded for the procedure."""


class AlreadyMadePublicError(ProcedureError):
    """The decision was already made public at another instant; the first click is what counts."""


class Procedure(Aggregate):
    """A catalogue procedure identified by its national code (MaTTHC)."""

    TOPIC: ClassVar[str] = "tthc.dossier:Procedure"

    class Event(Aggregate.Event):
        """Base of the procedure's events."""

        TOPIC: ClassVar[str] = _topic("Event")

    class Created(Event, Aggregate.Created):
        """Base of the procedure's creation event."""

        TOPIC: ClassVar[str] = _topic("Created")

    @staticmethod
    def create_id(code: str) -> UUID:
        """The procedure's id, derived from its national code."""
        return uuid5(PROCEDURE_NAMESPACE, code)

    @classmethod
    def id_for(cls, code: str) -> UUID:
        """The id of the procedure with national code ``code``."""
        return cls.create_id(code)

    @event("Registered", topic=_topic("Registered"))
    def __init__(self, code: str, attributes: ProcedureAttributes) -> None:
        """Registered: the procedure enters the catalogue."""
        self.code = code
        self.attributes = attributes
        self.status = ProcedureStatus.IN_FORCE
        self.abolished_on: date | None = None
        self.decisions: dict[str, PublicationDecision] = {}
        self.made_public_at: dict[str, datetime] = {}

    def amend(self, attributes: ProcedureAttributes) -> tuple[str, ...]:
        """Changes the attributes; returns the changed field names (none → no event).

        Raises: ProcedureAbolishedError.
        """
        changed = self.attributes.changed_fields(attributes)
        if changed:
            self._check_in_force("amend")
            self._amended(attributes, changed)
        return changed

    @event("Amended", topic=_topic("Amended"))
    def _amended(self, attributes: ProcedureAttributes, changed_fields: tuple[str, ...]) -> None:  # noqa: ARG002
        """Amended: some attributes changed (``changed_fields`` names them)."""
        self.attributes = attributes

    def decide_publication(self, decision: PublicationDecision) -> bool:
        """Records a publication decision; an abolishing one also abolishes the procedure. False if known.

        Raises: ProcedureAbolishedError, PublicationDecisionConflictError.
        """
        known = self.decisions.get(decision.number)
        if known == decision:
            return False
        if known is not None:
            raise PublicationDecisionConflictError(
                self.code, f"decision {decision.number!r} differs from {known}"
            )
        self._check_in_force(f"record decision {decision.number!r}")
        self._publication_decided(decision)
        if decision.action is PublicationAction.ABOLISHED:
            self._abolished(decision.number, decision.legal_basis_effective_on)
        return True

    @event("PublicationDecided", topic=_topic("PublicationDecided"))
    def _publication_decided(self, decision: PublicationDecision) -> None:
        """PublicationDecided: a publication decision (QĐCB) concerning the procedure was issued."""
        self.decisions[decision.number] = decision

    @event("Abolished", topic=_topic("Abolished"))
    def _abolished(self, decision_number: str, effective_on: date) -> None:  # noqa: ARG002
        """Abolished: a decision abolished the procedure from ``effective_on``."""
        self.status = ProcedureStatus.ABOLISHED
        self.abolished_on = effective_on

    def make_public(self, decision_number: str, at: datetime) -> bool:
        """Records the "public" click on CSDLQG for a decision. False if already recorded at ``at``.

        Raises: UnknownPublicationDecisionError, AlreadyMadePublicError, ValueError (naive ``at``).
        """
        at = local(at)
        self._decision(decision_number)
        known = self.made_public_at.get(decision_number)
        if known == at:
            return False
        if known is not None:
            raise AlreadyMadePublicError(
                self.code, f"decision {decision_number!r} was made public at {known}"
            )
        self._made_public(decision_number, at)
        return True

    @event("MadePublic", topic=_topic("MadePublic"))
    def _made_public(self, decision_number: str, at: datetime) -> None:
        """MadePublic: the procedure was made public on CSDLQG under a decision."""
        self.made_public_at[decision_number] = at

    def published_on_time(
        self, decision_number: str, authority: PublishingAuthority, calendar: WorkingCalendar
    ) -> bool:
        """Indicator 1.1 for one decision. Raises: UnknownPublicationDecisionError."""
        return self._decision(decision_number).published_on_time(authority, calendar)

    def made_public_on_time(
        self,
        decision_number: str,
        authority: PublishingAuthority,
        calendar: WorkingCalendar,
        as_of: datetime | None = None,
    ) -> bool | None:
        """Indicator 1.2 for one decision; ``None`` while not made public and (as of ``as_of``) not yet late.

        Raises: UnknownPublicationDecisionError.
        """
        deadline = self._decision(decision_number).make_public_deadline(authority, calendar)
        clicked = self.made_public_at.get(decision_number)
        if clicked is not None:
            return local(clicked).date() <= deadline
        if as_of is not None and local(as_of).date() > deadline:
            return False
        return None

    @property
    def latest_decision(self) -> PublicationDecision | None:
        """The most recent decision (by date, then recording order)."""
        ordered = sorted(self.decisions.values(), key=lambda d: d.decided_on)
        return ordered[-1] if ordered else None

    @property
    def is_in_force(self) -> bool:
        """True until an abolishing decision is recorded."""
        return self.status is ProcedureStatus.IN_FORCE

    def _decision(self, number: str) -> PublicationDecision:
        try:
            return self.decisions[number]
        except KeyError:
            raise UnknownPublicationDecisionError(self.code, f"no decision {number!r}") from None

    def _check_in_force(self, action: str) -> None:
        if not self.is_in_force:
            raise ProcedureAbolishedError(self.code, f"cannot {action}: abolished from {self.abolished_on}")
