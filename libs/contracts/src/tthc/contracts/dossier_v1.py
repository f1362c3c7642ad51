"""Public events of the dossier service on ``tthc.dossier.events.v1`` (key = dossier id).

Applicants appear only as a keyed pseudonym (``applicant_ref``); no names, ID numbers, phones or addresses.
Codes follow the national sync format: status 1–10 (TrangThaiHoSo), channel 1 direct / 2 online / 3 postal
(KenhThucHien), online payment 0/1/2 (DuocThanhToanTrucTuyen), return method 0 in person / 1 post (HinhThuc).
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from tthc.contracts.envelope import EventData

SOURCE = "/tthc/dossier"


class DossierEvent(EventData):
    """Fields every dossier event carries."""

    dossier_id: UUID
    code: str = Field(description="MaHoSo, the national dossier code")


class Fee(EventData):
    """A fee line in VND."""

    name: str
    code: str = ""
    amount: int = Field(ge=0)


class DocumentFlags(EventData):
    """A submitted document's digitisation flags (no file contents, no personal data)."""

    code: str
    has_file: bool = False
    digitised: bool = False
    reused: bool = False
    from_citizen_store: bool = False


class ResultFile(EventData):
    """A result document; ``electronic`` when an e-result link was issued."""

    name: str
    code: str = ""
    electronic: bool = False


class DossierRegistered(DossierEvent):
    """A dossier was submitted online and awaits reception (status 1)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.registered.v1"
    procedure_code: str
    unit_code: str
    channel: int
    applicant_ref: str
    applicant_type: int
    submitted_at: AwareDatetime


class DossierReceived(DossierEvent):
    """A dossier was received (status 2). Self-contained: consumers need no earlier event."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.received.v1"
    procedure_code: str
    unit_code: str
    channel: int
    applicant_ref: str
    applicant_type: int
    submitted_at: AwareDatetime | None = None
    received_at: AwareDatetime
    due_at: AwareDatetime | None = None
    legal_time_hours: float | None = None


class DossierRefused(DossierEvent):
    """The dossier was refused (status 3)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.refused.v1"
    at: AwareDatetime


class DossierStepStarted(DossierEvent):
    """A processing step started (status 4)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.step_started.v1"
    at: AwareDatetime
    step_deadline: AwareDatetime | None = None


class DossierSupplementRequested(DossierEvent):
    """More documents were requested (status 5); the processing clock pauses."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.supplement_requested.v1"
    at: AwareDatetime


class DossierSupplementSupplied(DossierEvent):
    """The supplement arrived (back to status 4); ``due_at`` is the shifted due date."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.supplement_supplied.v1"
    at: AwareDatetime
    due_at: AwareDatetime | None = None


class DossierFinancialObligationRequested(DossierEvent):
    """Fees or taxes were requested (status 6)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.financial_obligation_requested.v1"
    at: AwareDatetime
    fees: tuple[Fee, ...] = ()


class DossierFeesDeclared(DossierEvent):
    """The dossier's fee lines were declared."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.fees_declared.v1"
    fees: tuple[Fee, ...] = ()


class DossierFeesPaid(DossierEvent):
    """Fees were paid; ``online_payment`` 1 (national portal) or 2 (local gateway) counts as online."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.fees_paid.v1"
    at: AwareDatetime
    amount: int = Field(ge=0)
    online_payment: int = 0


class DossierWithdrawn(DossierEvent):
    """The applicant withdrew the dossier (status 7)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.withdrawn.v1"
    at: AwareDatetime


class DossierStopped(DossierEvent):
    """Processing stopped (status 8)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.stopped.v1"
    at: AwareDatetime


class DossierResolved(DossierEvent):
    """Processing completed (status 9)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.resolved.v1"
    at: AwareDatetime
    results: tuple[ResultFile, ...] = ()
    requires_paper_result: bool = False


class DossierResultReturned(DossierEvent):
    """The result was returned to the applicant (status 10)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.result_returned.v1"
    at: AwareDatetime
    method: int = 0


class DossierApologyIssued(DossierEvent):
    """An apology letter was issued for a late dossier; the due date used for on-time does not change."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.apology_issued.v1"
    at: AwareDatetime


class DossierDocumentsAttached(DossierEvent):
    """Submitted documents were attached (digitised / reused / from the citizen's store)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.documents_attached.v1"
    documents: tuple[DocumentFlags, ...] = ()


class DossierVneidAuthenticated(DossierEvent):
    """The applicant's account was authenticated with VNeID."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.vneid_authenticated.v1"
    at: AwareDatetime


class DossierPopulationDatabaseUsed(DossierEvent):
    """The national population database (CSDL dân cư) was used."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.population_database_used.v1"
    at: AwareDatetime
    databases: tuple[str, ...] = ()


class DossierSynced(DossierEvent):
    """The dossier was synchronised to the national public service portal."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.synced.v1"
    at: AwareDatetime


class DossierHistoryRecorded(DossierEvent):
    """A processing-history item was recorded (timeline only; staff names stay in the dossier service)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.dossier.history_recorded.v1"
    at: AwareDatetime
    status: int
    step_deadline: AwareDatetime | None = None


ALL_EVENTS: tuple[type[DossierEvent], ...] = (
    DossierRegistered,
    DossierReceived,
    DossierRefused,
    DossierStepStarted,
    DossierSupplementRequested,
    DossierSupplementSupplied,
    DossierFinancialObligationRequested,
    DossierFeesDeclared,
    DossierFeesPaid,
    DossierWithdrawn,
    DossierStopped,
    DossierResolved,
    DossierResultReturned,
    DossierApologyIssued,
    DossierDocumentsAttached,
    DossierVneidAuthenticated,
    DossierPopulationDatabaseUsed,
    DossierSynced,
    DossierHistoryRecorded,
)
EVENT_TYPES: dict[str, type[DossierEvent]] = {cls.EVENT_TYPE: cls for cls in ALL_EVENTS}
