"""Ground truth of simulated dossiers: the true timeline of each dossier, as Python objects.

Tests and the indicators service compare what the feed made of the snapshots with these facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tthc.dossier.domain.values import Channel, DossierStatus, OnlinePayment, ReturnMethod
from tthc.dossier.feed.sim_people import FakeApplicant


@dataclass(frozen=True)
class TrueStep:
    """One status change of a dossier, at the instant it truly happened."""

    at: datetime
    status: DossierStatus
    note: str
    department: str


@dataclass(frozen=True)
class TrueSupplement:
    """A supplement round: requested, supplied (None if never), and the due date before and after."""

    requested_at: datetime
    supplied_at: datetime | None
    previous_due_at: datetime
    new_due_at: datetime | None
    reason: str


@dataclass(frozen=True)
class TrueFee:
    """A fee line of the dossier (VND)."""

    name: str
    amount: int


@dataclass(frozen=True)
class TrueDocument:
    """A submitted document with its digitisation flags."""

    code: str
    name: str
    digitised: bool
    reused: bool
    from_citizen_store: bool


@dataclass(frozen=True)
class DossierTruth:
    """Everything that truly happened to one simulated dossier, from submission to its end."""

    code: str
    unit_code: str
    procedure_code: str
    procedure_name: str
    field_code: str
    channel: Channel
    applicant: FakeApplicant
    summary: str
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None  # the original due date (NgayHenTra at reception)
    supplements: tuple[TrueSupplement, ...]
    fees: tuple[TrueFee, ...]
    paid_at: datetime | None
    online_payment: OnlinePayment
    documents: tuple[TrueDocument, ...]
    vneid_authenticated: bool
    population_db_used: bool
    electronic_result: bool
    return_method: ReturnMethod
    steps: tuple[TrueStep, ...]

    def status_as_of(self, at: datetime) -> DossierStatus | None:
        """The dossier's status at ``at``; None before it was submitted."""
        status = None
        for step in self.steps:
            if step.at <= at:
                status = step.status
        return status

    def step_time(self, status: DossierStatus) -> datetime | None:
        """When the dossier (first) entered ``status``."""
        return next((step.at for step in self.steps if step.status is status), None)

    @property
    def final_status(self) -> DossierStatus:
        """The status the dossier ends in."""
        return self.steps[-1].status

    @property
    def finished_at(self) -> datetime | None:
        """End of processing (NgayKetThucXuLy): resolved, withdrawn or stopped."""
        for status in (DossierStatus.RESOLVED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED):
            at = self.step_time(status)
            if at is not None:
                return at
        return None

    @property
    def refused_at(self) -> datetime | None:
        """When the dossier was refused (NgayTuChoi)."""
        return self.step_time(DossierStatus.REFUSED)

    @property
    def returned_at(self) -> datetime | None:
        """When the result was returned (NgayTra)."""
        return self.step_time(DossierStatus.RESULT_RETURNED)

    @property
    def obligation_at(self) -> datetime | None:
        """When a financial obligation was requested (status 6)."""
        return self.step_time(DossierStatus.FINANCIAL_OBLIGATION)

    def due_as_of(self, at: datetime) -> datetime | None:
        """The due date in force at ``at`` (moved by each supplied supplement round)."""
        due = self.due_at
        for round_ in self.supplements:
            if round_.supplied_at is not None and round_.supplied_at <= at:
                due = round_.new_due_at
        return due

    @property
    def final_due_at(self) -> datetime | None:
        """The due date after every supplement round."""
        return self.due_as_of(self.steps[-1].at)

    @property
    def is_late(self) -> bool:
        """True when processing ended after the (shifted) due date, by timestamp."""
        finished, due = self.finished_at, self.final_due_at
        return finished is not None and due is not None and finished > due
