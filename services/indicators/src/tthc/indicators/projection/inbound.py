"""What the indicators service reads of the dossier service's public events: its own read models.

A tolerant reader (the contract is `tthc.contracts.dossier_v1`): one model per event type with only the fields
the projection uses, so a producer may add, or stop filling, a field the index does not need without this
service dead-lettering its events. A field it does use is still checked as the contract types it (an
instant must carry its offset, an amount must not be negative, ...).

Reading is the replay's hottest step, so the read models are typed dictionaries validated by pydantic: a
dictionary is built ≈ 0.5 µs faster than a model instance, and an event is two or more of them (≈ 1.2 µs
of the ≈ 3.7 µs an event's validation costs). They are read-only by convention. A field the contract gives a
default is `NotRequired` here, and the mapping reads it with that default (`event.get("due_at")`).

The dossier id in its canonical text (lowercase, hyphenated) is kept as that text, checked by pattern; any
other spelling a UUID accepts is read as a UUID and written canonically, as `str(UUID)` would (building a
`UUID` and formatting it back costs ≈ 1.5 µs per event).
"""

# no `from __future__ import annotations`: `TypedDict` must see `NotRequired` to tell optional keys

from functools import cache
from typing import Annotated, Any, Final, Generic, Literal, NotRequired, TypeVar

from pydantic import AwareDatetime, Field, GetPydanticSchema, TypeAdapter
from pydantic_core import core_schema
from typing_extensions import TypedDict  # pydantic reads only this TypedDict before Python 3.12

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


class DossierEvent(TypedDict):
    """Fields every dossier event carries: the dossier's id and its national code (MaHoSo)."""

    dossier_id: DossierId
    code: str


class Fee(TypedDict):
    """A fee line (lệ phí, phí) in VND."""

    name: str
    code: NotRequired[str]
    amount: Annotated[int, Field(ge=0)]


class DocumentFlags(TypedDict):
    """A submitted component's digitisation flags (thành phần hồ sơ)."""

    code: str
    has_file: NotRequired[bool]
    digitised: NotRequired[bool]
    reused: NotRequired[bool]
    from_citizen_store: NotRequired[bool]


class ResultFile(TypedDict):
    """A result document (kết quả): whether it has a code (MaKetQua) and an electronic file."""

    code: NotRequired[str]
    electronic: NotRequired[bool]


class DossierRegistered(DossierEvent):
    """Submitted online, awaiting reception (status 1)."""

    procedure_code: str
    unit_code: str
    channel: int
    submitted_at: AwareDatetime


class DossierReceived(DossierEvent):
    """Received (status 2): self-contained."""

    procedure_code: str
    unit_code: str
    channel: int
    submitted_at: NotRequired[AwareDatetime | None]
    received_at: AwareDatetime
    due_at: NotRequired[AwareDatetime | None]
    legal_time_hours: NotRequired[float | None]


class DossierStatusEntered(DossierEvent):
    """An event that only enters a status, or sets a flag, at `at`: refused (3), step started (4), supplement
    requested (5), withdrawn (7), stopped (8), result returned (10), apology issued, VNeID authenticated,
    population database used, synced to the national portal."""

    at: AwareDatetime


class DossierSupplementSupplied(DossierStatusEntered):
    """The supplement arrived: processing resumes, maybe with a new due date."""

    due_at: NotRequired[AwareDatetime | None]


class DossierFinancialObligationRequested(DossierStatusEntered):
    """Waiting for the financial obligation (status 6), with the fee lines when listed."""

    fees: NotRequired[list[Fee]]


class DossierFeesDeclared(DossierEvent):
    """The dossier's fee lines."""

    fees: NotRequired[list[Fee]]


class DossierFeesPaid(DossierStatusEntered):
    """Fees paid; `online_payment` is the DuocThanhToanTrucTuyen code."""

    online_payment: NotRequired[int]


class DossierResolved(DossierStatusEntered):
    """Resolved (status 9), with its results and whether a paper result is required."""

    results: NotRequired[list[ResultFile]]
    requires_paper_result: NotRequired[bool]


class DossierDocumentsAttached(DossierEvent):
    """Components were attached."""

    documents: NotRequired[list[DocumentFlags]]


EVENT_TYPES: Final[dict[str, type[DossierEvent]]] = {
    contract.DossierRegistered.EVENT_TYPE: DossierRegistered,
    contract.DossierReceived.EVENT_TYPE: DossierReceived,
    contract.DossierRefused.EVENT_TYPE: DossierStatusEntered,
    contract.DossierStepStarted.EVENT_TYPE: DossierStatusEntered,
    contract.DossierSupplementRequested.EVENT_TYPE: DossierStatusEntered,
    contract.DossierSupplementSupplied.EVENT_TYPE: DossierSupplementSupplied,
    contract.DossierFinancialObligationRequested.EVENT_TYPE: DossierFinancialObligationRequested,
    contract.DossierFeesDeclared.EVENT_TYPE: DossierFeesDeclared,
    contract.DossierFeesPaid.EVENT_TYPE: DossierFeesPaid,
    contract.DossierWithdrawn.EVENT_TYPE: DossierStatusEntered,
    contract.DossierStopped.EVENT_TYPE: DossierStatusEntered,
    contract.DossierResolved.EVENT_TYPE: DossierResolved,
    contract.DossierResultReturned.EVENT_TYPE: DossierStatusEntered,
    contract.DossierApologyIssued.EVENT_TYPE: DossierStatusEntered,
    contract.DossierDocumentsAttached.EVENT_TYPE: DossierDocumentsAttached,
    contract.DossierVneidAuthenticated.EVENT_TYPE: DossierStatusEntered,
    contract.DossierPopulationDatabaseUsed.EVENT_TYPE: DossierStatusEntered,
    contract.DossierSynced.EVENT_TYPE: DossierStatusEntered,
    # a processing-history line: the status events carry the transitions, so nothing more is read
    contract.DossierHistoryRecorded.EVENT_TYPE: DossierEvent,
}
"""The read model of every event type of the contract, by CloudEvents `type`."""

DataT = TypeVar("DataT")


class Envelope(TypedDict, Generic[DataT]):
    """What is read of a CloudEvent: its id (deterministic per aggregate version), type, time, `sequence`
    extension (the aggregate version) and data."""

    specversion: NotRequired[Literal["1.0"]]
    id: str
    type: str
    time: AwareDatetime
    sequence: Annotated[int, Field(ge=1)]
    data: DataT


def read(event: contract.DossierEvent) -> Any:
    """The read model of a contract event built in-process (through its JSON, as on the wire)."""
    return _adapter(event.EVENT_TYPE).validate_json(event.model_dump_json())


@cache
def _adapter(event_type: str) -> TypeAdapter[Any]:
    return TypeAdapter(EVENT_TYPES[event_type])
