"""Read views of dossiers, built by the application from aggregate state.

Views that leave the service carry the applicant's pseudonym (keyed HMAC), never clear personal data.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from tthc.dossier.domain.values import (
    ApplicantType,
    Channel,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    ReturnMethod,
    SubmittedDocument,
    TimelineEntry,
    Value,
)


class SupplementRound(Value):
    """One supplement round: requested, and supplied (None while pending)."""

    requested_at: datetime
    supplied_at: datetime | None = None
    reason: str = ""
    previous_due_at: datetime | None = None  # NgayHenTraTruoc: the due date before this round
    new_due_at: datetime | None = None  # NgayHenTraMoi: the due date after the pause (None while pending)


class HistoryItem(Value):
    """A processing-history item (QuaTrinhXuLy) as recorded, in time order."""

    at: datetime
    status: DossierStatus
    handler_title: str = ""
    department: str = ""
    content: str = ""
    step_started_at: datetime | None = None
    step_deadline: datetime | None = None


class DossierView(Value):
    """Everything the service knows about a dossier, without clear personal data."""

    id: UUID
    code: str
    version: int
    procedure_code: str
    unit_code: str
    channel: Channel
    status: DossierStatus
    applicant_ref: str  # keyed pseudonym of the applicant
    applicant_type: ApplicantType
    summary: str = ""
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    original_due_at: datetime | None = None
    due_at: datetime | None = None
    finished_at: datetime | None = None
    supplements: tuple[SupplementRound, ...] = ()
    fees: tuple[FeeLine, ...] = ()
    fees_paid_amount: int = 0
    online_payment: OnlinePayment = OnlinePayment.NONE
    documents: tuple[SubmittedDocument, ...] = ()
    result_documents: tuple[ResultDocument, ...] = ()
    requires_paper_result: bool = False
    return_method: ReturnMethod | None = None
    apology_issued_at: datetime | None = None
    vneid_authenticated: bool = False
    population_db_used: bool = False
    returned_at: datetime | None = None  # NgayTra: when the result was returned (status 10)
    apology_appointment_at: datetime | None = None  # the new appointment of the apology letter
    connected_databases: tuple[str, ...] = ()  # DSKetNoiCSDL codes
    handler_unit: str = ""  # unit of the current processing step
    synced_at: datetime | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    history: tuple[HistoryItem, ...] = ()


class PublicDossierStatus(Value):
    """What the public may see of a dossier by its code: status and timeline, no personal data."""

    code: str
    status: DossierStatus
    procedure_code: str
    unit_code: str
    received_at: datetime | None = None
    due_at: datetime | None = None
    finished_at: datetime | None = None
    timeline: tuple[TimelineEntry, ...] = ()


class DossierFilter(Value):
    """Filter for listing dossiers: by unit (optionally with its descendants), status and reception period."""

    unit_code: str | None = None
    include_descendants: bool = False
    status: DossierStatus | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None  # exclusive


class DossierPage(Value):
    """One page of a dossier listing; ``next_page_token`` is empty on the last page."""

    items: tuple[DossierView, ...] = ()
    next_page_token: str = ""
    total: int = Field(default=0, ge=0)
