"""What the indicators service reads of the dossier service's public events: its own read models.

A tolerant reader (the contract is `tthc.contracts.dossier_v1`): one model per event type with only the fields
the projection uses, so a producer may add, or stop filling, a field the index does not need without this
service dead-lettering its events. A field it does use is still checked as the contract types it (an
instant must carry its offset, an amount must not be negative, ...).

Reading is the replay's hottest step: the fewer fields make it faster, and so does the dossier id. In its
canonical text (lowercase, hyphenated) the id is kept as that text, checked by pattern; any other spelling a
UUID accepts is read as a UUID and written canonically, as `str(UUID)` would (building a `UUID` and
formatting it back costs ≈ 1.5 µs per event).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Final, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
)
from pydantic_core import core_schema

from tthc.contracts import dossier_v1 as contract

_CANONICAL_UUID: Final = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

_DOSSIER_ID_SCHEMA: Final = core_schema.union_schema(
    [
        core_schema.str_schema(pattern=_CANONICAL_UUID),
        core_schema.no_info_after_validator_function(str, core_schema.uuid_schema()),
    ],
    mode="left_to_right",
    custom_error_type="dossier_id",
    custom_error_message="Input should be a valid UUID",
)

DossierId = Annotated[str, GetPydanticSchema(lambda _source, _handler: _DOSSIER_ID_SCHEMA)]
"""A dossier's UUID as its canonical text (the aggregate key of the facts store); always a `str` once read."""


class InboundData(BaseModel):
    """Base of the read models: immutable, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    EVENT_TYPE: ClassVar[str] = ""


class DossierEvent(InboundData):
    """Fields every dossier event carries: the dossier's id and its national code (MaHoSo)."""

    dossier_id: DossierId
    code: str


Fee = contract.Fee
"""A fee line (lệ phí, phí) in VND: the contract's model (every field of it is used)."""

DocumentFlags = contract.DocumentFlags
"""A submitted component's digitisation flags (thành phần hồ sơ): the contract's model, used whole."""


class ResultFile(InboundData):
    """A result document (kết quả): whether it has a code (MaKetQua) and an electronic file."""

    code: str = ""
    electronic: bool = False


class DossierRegistered(DossierEvent):
    """Submitted online, awaiting reception (status 1)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierRegistered.EVENT_TYPE
    procedure_code: str
    unit_code: str
    channel: int
    submitted_at: AwareDatetime


class DossierReceived(DossierEvent):
    """Received (status 2): self-contained."""

    EVENT_TYPE: ClassVar[str] = contract.DossierReceived.EVENT_TYPE
    procedure_code: str
    unit_code: str
    channel: int
    submitted_at: AwareDatetime | None = None
    received_at: AwareDatetime
    due_at: AwareDatetime | None = None
    legal_time_hours: float | None = None


class DossierStatusEntered(DossierEvent):
    """An event that only enters a status, or sets a flag, at `at`."""

    at: AwareDatetime


class DossierRefused(DossierStatusEntered):
    """Refused (status 3)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierRefused.EVENT_TYPE


class DossierStepStarted(DossierStatusEntered):
    """A processing step started (status 4)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierStepStarted.EVENT_TYPE


class DossierSupplementRequested(DossierStatusEntered):
    """A supplement was requested (status 5)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierSupplementRequested.EVENT_TYPE


class DossierSupplementSupplied(DossierStatusEntered):
    """The supplement arrived: processing resumes, maybe with a new due date."""

    EVENT_TYPE: ClassVar[str] = contract.DossierSupplementSupplied.EVENT_TYPE
    due_at: AwareDatetime | None = None


class DossierFinancialObligationRequested(DossierStatusEntered):
    """Waiting for the financial obligation (status 6), with the fee lines when listed."""

    EVENT_TYPE: ClassVar[str] = contract.DossierFinancialObligationRequested.EVENT_TYPE
    fees: tuple[Fee, ...] = ()


class DossierFeesDeclared(DossierEvent):
    """The dossier's fee lines."""

    EVENT_TYPE: ClassVar[str] = contract.DossierFeesDeclared.EVENT_TYPE
    fees: tuple[Fee, ...] = ()


class DossierFeesPaid(DossierStatusEntered):
    """Fees paid; `online_payment` is the DuocThanhToanTrucTuyen code."""

    EVENT_TYPE: ClassVar[str] = contract.DossierFeesPaid.EVENT_TYPE
    online_payment: int = 0


class DossierWithdrawn(DossierStatusEntered):
    """Withdrawn by the applicant (status 7)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierWithdrawn.EVENT_TYPE


class DossierStopped(DossierStatusEntered):
    """Processing stopped (status 8)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierStopped.EVENT_TYPE


class DossierResolved(DossierStatusEntered):
    """Resolved (status 9), with its results and whether a paper result is required."""

    EVENT_TYPE: ClassVar[str] = contract.DossierResolved.EVENT_TYPE
    results: tuple[ResultFile, ...] = ()
    requires_paper_result: bool = False


class DossierResultReturned(DossierStatusEntered):
    """The result was returned (status 10)."""

    EVENT_TYPE: ClassVar[str] = contract.DossierResultReturned.EVENT_TYPE


class DossierApologyIssued(DossierStatusEntered):
    """An apology letter (phiếu xin lỗi) was issued."""

    EVENT_TYPE: ClassVar[str] = contract.DossierApologyIssued.EVENT_TYPE


class DossierDocumentsAttached(DossierEvent):
    """Components were attached."""

    EVENT_TYPE: ClassVar[str] = contract.DossierDocumentsAttached.EVENT_TYPE
    documents: tuple[DocumentFlags, ...] = ()


class DossierVneidAuthenticated(DossierStatusEntered):
    """The applicant authenticated with VNeID."""

    EVENT_TYPE: ClassVar[str] = contract.DossierVneidAuthenticated.EVENT_TYPE


class DossierPopulationDatabaseUsed(DossierStatusEntered):
    """The national population database was used."""

    EVENT_TYPE: ClassVar[str] = contract.DossierPopulationDatabaseUsed.EVENT_TYPE


class DossierSynced(DossierStatusEntered):
    """Synced to the national portal."""

    EVENT_TYPE: ClassVar[str] = contract.DossierSynced.EVENT_TYPE


class DossierHistoryRecorded(DossierEvent):
    """A processing-history line: the status events carry the transitions, so nothing more is read."""

    EVENT_TYPE: ClassVar[str] = contract.DossierHistoryRecorded.EVENT_TYPE


EVENT_TYPES: dict[str, type[DossierEvent]] = {
    model.EVENT_TYPE: model
    for model in list(globals().values())
    if isinstance(model, type) and issubclass(model, DossierEvent) and model.EVENT_TYPE
}
"""The read model of every event type of the contract, by CloudEvents `type`."""

DataT = TypeVar("DataT", bound=BaseModel)


class Envelope(BaseModel, Generic[DataT]):
    """What is read of a CloudEvent: its id (deterministic per aggregate version), type, time, `sequence`
    extension (the aggregate version) and data."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str
    type: str
    time: AwareDatetime
    sequence: int = Field(ge=1)
    data: DataT


def read(event: contract.DossierEvent) -> DossierEvent:
    """The read model of a contract event built in-process (through its JSON, as on the wire)."""
    model = EVENT_TYPES[event.EVENT_TYPE]
    return model.model_validate_json(event.model_dump_json())
