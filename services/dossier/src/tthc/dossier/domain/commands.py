"""Commands on a dossier. Every entry point (gRPC, feed, Kafka) builds these; the application runs them.

A batch of commands for one dossier is applied atomically by ``Dossiers.handle`` (one load, one save).
Each command names the dossier by its national code (MaHoSo).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from tthc.dossier.domain.values import (
    Applicant,
    Channel,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    ReturnMethod,
    SubmittedDocument,
    Value,
)

DossierCode = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9.\-_/]+$")]
Text = Annotated[str, Field(max_length=2000)]


class Command(Value):
    """Base of dossier commands."""

    code: DossierCode


class RegisterOnline(Command):
    """Registers a dossier submitted online that is not yet received (status 1)."""

    kind: Literal["register_online"] = "register_online"
    procedure_code: str = Field(min_length=1, max_length=50)
    unit_code: str = Field(min_length=1, max_length=50)
    applicant: Applicant
    submitted_at: AwareDatetime
    summary: Text = ""


class ReceiveDossier(Command):
    """Receives a dossier (status 2). Opens it first when it was never registered.

    ``due_at`` None → computed from the procedure's legal time with the working calendar.
    """

    kind: Literal["receive"] = "receive"
    procedure_code: str = Field(min_length=1, max_length=50)
    unit_code: str = Field(min_length=1, max_length=50)
    channel: Channel = Channel.DIRECT
    applicant: Applicant
    received_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    summary: Text = ""


class RefuseDossier(Command):
    """Refuses the dossier (status 3)."""

    kind: Literal["refuse"] = "refuse"
    at: AwareDatetime
    reason: Text = ""


class StartProcessingStep(Command):
    """Starts a processing step at a handling unit (status 4)."""

    kind: Literal["start_step"] = "start_step"
    at: AwareDatetime
    handler_unit: str = Field(default="", max_length=255)
    step_deadline: AwareDatetime | None = None
    note: Text = ""


class RequestSupplement(Command):
    """Asks the applicant for more documents (status 5); the clock pauses."""

    kind: Literal["request_supplement"] = "request_supplement"
    at: AwareDatetime
    reason: Text = ""


class SupplySupplement(Command):
    """Records the supplied documents (back to status 4); the due date shifts by the pause.

    ``new_due_at`` None → computed by the working calendar (pause rounded to working days).
    """

    kind: Literal["supply_supplement"] = "supply_supplement"
    at: AwareDatetime
    new_due_at: AwareDatetime | None = None


class RequestFinancialObligation(Command):
    """Asks the applicant to pay fees or taxes (status 6)."""

    kind: Literal["request_financial_obligation"] = "request_financial_obligation"
    at: AwareDatetime
    fees: tuple[FeeLine, ...] = ()


class PayFees(Command):
    """Records fees paid; online_payment 1/2 marks an online payment."""

    kind: Literal["pay_fees"] = "pay_fees"
    at: AwareDatetime
    amount: int = Field(ge=0)
    online_payment: OnlinePayment = OnlinePayment.NONE


class DeclareFees(Command):
    """Declares the dossier's fee lines (DanhSachLePhi) without a status change."""

    kind: Literal["declare_fees"] = "declare_fees"
    fees: tuple[FeeLine, ...]


class WithdrawDossier(Command):
    """Withdraws the dossier at the applicant's request (status 7)."""

    kind: Literal["withdraw"] = "withdraw"
    at: AwareDatetime
    reason: Text = ""


class StopProcessing(Command):
    """Stops processing (status 8)."""

    kind: Literal["stop"] = "stop"
    at: AwareDatetime
    reason: Text = ""


class ResolveDossier(Command):
    """Resolves the dossier (status 9) with its result documents.

    ``requires_paper_result`` None → taken from the procedure catalogue.
    """

    kind: Literal["resolve"] = "resolve"
    at: AwareDatetime
    result_documents: tuple[ResultDocument, ...] = ()
    requires_paper_result: bool | None = None


class ReturnResult(Command):
    """Returns the result to the applicant (status 10)."""

    kind: Literal["return_result"] = "return_result"
    at: AwareDatetime
    method: ReturnMethod = ReturnMethod.IN_PERSON


class IssueApology(Command):
    """Issues an apology letter with a new appointment (phiếu xin lỗi); never moves the due date."""

    kind: Literal["issue_apology"] = "issue_apology"
    at: AwareDatetime
    new_appointment_at: AwareDatetime | None = None
    reason: Text = ""


class AttachDocuments(Command):
    """Attaches submitted documents with their digitisation / reuse / citizen-store flags."""

    kind: Literal["attach_documents"] = "attach_documents"
    documents: tuple[SubmittedDocument, ...]


class MarkVneidAuthenticated(Command):
    """Marks the applicant's account as authenticated with VNeID."""

    kind: Literal["mark_vneid"] = "mark_vneid"
    at: AwareDatetime


class MarkPopulationDatabaseUsed(Command):
    """Marks that the national population database (CSDL dân cư) was used (DSKetNoiCSDL)."""

    kind: Literal["mark_population_db"] = "mark_population_db"
    at: AwareDatetime
    databases: tuple[str, ...] = ()


class MarkSynced(Command):
    """Marks the dossier as synchronised to the national public service portal."""

    kind: Literal["mark_synced"] = "mark_synced"
    at: AwareDatetime


class RecordHistoryStep(Command):
    """Records one processing-history item (QuaTrinhXuLy). Items may arrive out of order."""

    kind: Literal["record_history"] = "record_history"
    at: AwareDatetime
    status: DossierStatus
    handler_title: str = Field(default="", max_length=255)
    department: str = Field(default="", max_length=255)
    content: Text = ""
    step_started_at: AwareDatetime | None = None
    step_deadline: AwareDatetime | None = None


AnyCommand = Annotated[
    RegisterOnline
    | ReceiveDossier
    | RefuseDossier
    | StartProcessingStep
    | RequestSupplement
    | SupplySupplement
    | RequestFinancialObligation
    | PayFees
    | DeclareFees
    | WithdrawDossier
    | StopProcessing
    | ResolveDossier
    | ReturnResult
    | IssueApology
    | AttachDocuments
    | MarkVneidAuthenticated
    | MarkPopulationDatabaseUsed
    | MarkSynced
    | RecordHistoryStep,
    Field(discriminator="kind"),
]


def command_name(command: Command) -> str:
    """Stable name of a command, for metrics labels."""
    return str(getattr(command, "kind", type(command).__name__))
