"""Public events of the procedure catalogue on ``tthc.catalog.events.v1`` (key = procedure code).

Every catalogue event carries the procedure's full snapshot after the change, so a consumer that keeps
only the latest event per procedure has the whole catalogue.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from tthc.contracts.envelope import EventData

SOURCE = "/tthc/catalog"


class PublicationDecision(EventData):
    """A publication decision (quyết định công bố) about the procedure."""

    decision_number: str = ""
    decision_date: date
    legal_basis_effective_date: date | None = None
    made_public_at: AwareDatetime | None = None
    action: str = Field(description="new | amended | abolished")
    components_present: tuple[str, ...] = Field(
        default=(), description="which of the 7 components are public"
    )
    published_on_time: bool | None = None
    made_public_on_time: bool | None = None


class ProcedureSnapshot(EventData):
    """The procedure (thủ tục hành chính) as the catalogue holds it."""

    procedure_id: UUID
    code: str = Field(description="MaTTHC, the national procedure code")
    name: str
    field_code: str = ""
    field_name: str = ""
    unit_level: str
    online_level: str = Field(description="full_process | partial | none")
    legal_time_amount: float | None = None
    legal_time_unit: str | None = Field(default=None, description="hours | working_days | calendar_days")
    has_fee: bool = False
    fee_total: int = 0
    requires_paper_result: bool = False
    citizen_subject: bool = True
    subject_types: tuple[str, ...] = ()
    status: str = "in_force"
    publications: tuple[PublicationDecision, ...] = ()


class ProcedureChanged(EventData):
    """The procedure was registered, amended, published, made public or abolished (``change`` says which)."""

    EVENT_TYPE: ClassVar[str] = "vn.tthc.catalog.procedure_changed.v1"
    change: str = Field(description="registered | amended | publication_decided | made_public | abolished")
    procedure: ProcedureSnapshot


ALL_EVENTS: tuple[type[EventData], ...] = (ProcedureChanged,)
EVENT_TYPES: dict[str, type[EventData]] = {cls.EVENT_TYPE: cls for cls in ALL_EVENTS}
