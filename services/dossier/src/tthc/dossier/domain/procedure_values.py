"""Value objects of the procedure catalogue: levels, fees, publication decisions and their deadlines."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tthc.kit.worktime import LegalTime, WorkingCalendar


class ImplementationLevel(StrEnum):
    """Level of government that carries the procedure out (cấp thực hiện)."""

    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class OnlineLevel(StrEnum):
    """Online public service offered (dịch vụ công trực tuyến): toàn trình, một phần, or none."""

    FULL_PROCESS = "full_process"
    PARTIAL = "partial"
    NONE = "none"


class SubjectType(StrEnum):
    """Who may use the procedure (đối tượng thực hiện)."""

    CITIZEN = "citizen"
    BUSINESS = "business"
    ORGANISATION = "organisation"
    STATE_AGENCY = "state_agency"
    FOREIGNER = "foreigner"


class FeeKind(StrEnum):
    """Phí (a fee for a service) or lệ phí (a charge for a state act)."""

    FEE = "fee"
    CHARGE = "charge"


class ProcedureStatus(StrEnum):
    """Whether the procedure is in force (đang có hiệu lực) or abolished (bãi bỏ)."""

    IN_FORCE = "in_force"
    ABOLISHED = "abolished"


class PublicationAction(StrEnum):
    """What a publication decision does to the procedure: thêm mới, sửa đổi bổ sung, bãi bỏ."""

    NEW = "new"
    AMENDED = "amended"
    ABOLISHED = "abolished"


class PublishingAuthority(StrEnum):
    """Who publishes: a ministry (bộ, ngành) or a province (UBND tỉnh); their deadlines differ."""

    MINISTRY = "ministry"
    PROVINCE = "province"


# index-766 §1.1: working days a decision must precede the legal basis' effective date (1.1), and working days
# after the decision within which the procedure must be made public on CSDLQG (1.2).
PUBLICATION_LEAD_DAYS = {PublishingAuthority.MINISTRY: 20, PublishingAuthority.PROVINCE: 5}
MAKE_PUBLIC_WITHIN_DAYS = {PublishingAuthority.MINISTRY: 10, PublishingAuthority.PROVINCE: 5}


class Value(BaseModel):
    """Immutable, strictly shaped value object."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldRef(Value):
    """The procedure's field (lĩnh vực): code and name."""

    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=500)


class ProcedureFee(Value):
    """One fee line of the procedure (phí, lệ phí), in VND; ``per`` names the counting unit, e.g. "trang"."""

    name: str = Field(min_length=1, max_length=500)
    amount_vnd: int = Field(ge=0)
    kind: FeeKind
    per: str | None = None


class PublishedComponents(Value):
    """Which of the seven components (Nghị định 63/2010 art. 8(2)) a publication carries."""

    name: bool = True
    sequence: bool = True
    method: bool = True
    dossier_components: bool = True
    time_limit: bool = True
    subject: bool = True
    implementing_agency: bool = True

    @property
    def missing(self) -> tuple[str, ...]:
        """Names of the components that are absent."""
        return tuple(name for name, present in self.model_dump().items() if not present)

    @property
    def is_complete(self) -> bool:
        """All seven components are present (indicator 1.3)."""
        return not self.missing


class PublicationDecision(Value):
    """A publication decision (QĐCB) concerning the procedure."""

    number: str = Field(min_length=1, max_length=100)
    decided_on: date
    legal_basis_effective_on: date
    action: PublicationAction
    components: PublishedComponents = PublishedComponents()

    def publication_deadline(self, authority: PublishingAuthority, calendar: WorkingCalendar) -> date:
        """Latest on-time decision date: N working days before the legal basis takes effect."""
        return calendar.add_working_days(self.legal_basis_effective_on, -PUBLICATION_LEAD_DAYS[authority])

    def published_on_time(self, authority: PublishingAuthority, calendar: WorkingCalendar) -> bool:
        """Indicator 1.1: the decision came at least 5 (province) / 20 (ministry) working days early."""
        return self.decided_on <= self.publication_deadline(authority, calendar)

    def make_public_deadline(self, authority: PublishingAuthority, calendar: WorkingCalendar) -> date:
        """Last on-time day for the "public" click: decision + 5 (province) / 10 (ministry) working days."""
        return calendar.add_working_days(self.decided_on, MAKE_PUBLIC_WITHIN_DAYS[authority])


class ProcedureAttributes(Value):
    """Everything the catalogue says about a procedure, apart from its code and publications."""

    name: str = Field(min_length=1, max_length=1000)
    field: FieldRef
    level: ImplementationLevel
    online_level: OnlineLevel
    legal_time: LegalTime
    online_legal_time: LegalTime | None = None
    fees: tuple[ProcedureFee, ...] = ()
    requires_paper_result: bool = False
    subject_types: tuple[SubjectType, ...] = Field(min_length=1)

    def changed_fields(self, other: ProcedureAttributes) -> tuple[str, ...]:
        """Names of the attributes whose values differ in ``other``."""
        return tuple(name for name in type(self).model_fields if getattr(self, name) != getattr(other, name))

    def legal_time_for(self, online: bool) -> LegalTime:
        """The legal time that applies: the online one for online dossiers when the catalogue has one."""
        return self.online_legal_time if online and self.online_legal_time else self.legal_time

    @property
    def has_fees(self) -> bool:
        """The procedure carries a financial obligation (indicator group 1.4)."""
        return any(fee.amount_vnd > 0 for fee in self.fees)
