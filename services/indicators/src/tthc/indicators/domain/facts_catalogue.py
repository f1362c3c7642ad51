"""Facts about procedures and units (catalogue level, index-766 §1.1, §1.3–§1.5, §5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tthc.indicators.domain.facts_parts import FactsError


class OnlineLevel(StrEnum):
    """How far a procedure is offered online (DVCTT): full process (toàn trình), partial (một phần) or not."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class UnitLevel(StrEnum):
    """Administrative level of a unit or of where a procedure is carried out."""

    MINISTRY = "ministry"
    PROVINCE = "province"
    COMMUNE = "commune"


class ChangeKind(StrEnum):
    """What a publication decision (quyết định công bố) does to a procedure."""

    NEW = "new"  # thêm mới
    AMENDED = "amended"  # sửa đổi
    ABOLISHED = "abolished"  # bãi bỏ


@dataclass(frozen=True, slots=True)
class PublicationDecision:
    """One publication decision (QĐCB) naming the procedure, with its on-time facts.

    - `decided_on`: the decision date; `decided_on_time`: it came at least 20 (ministry) / 5 (province)
      working days before the legal basis took effect (1.1; computed upstream with the holiday calendar).
    - `public_due`: decision date + 10 / 5 working days; `made_public_on`: the "Công khai" click on the
      national procedures database (1.2).
    """

    decided_on: date
    change: ChangeKind
    decided_on_time: bool
    public_due: date | None = None
    made_public_on: date | None = None

    @property
    def made_public_on_time(self) -> bool:
        """Made public by the due date (no due date = on time); False while not made public."""
        if self.made_public_on is None:
            return False
        return self.public_due is None or self.made_public_on <= self.public_due


@dataclass(frozen=True, slots=True)
class ProcedureFacts:
    """What the index needs to know about one administrative procedure (thủ tục hành chính, TTHC).

    - `online_level` and `online_public` (the online service is public, pending withdrawal or in test on the
      portal); `has_fee_info` (fee data in the procedures database); `requires_paper_result`;
      `citizen_subject` (its subjects include individuals: 4.5a); `unit_levels` (where it is carried out;
      empty = everywhere); `legal_time` (thời hạn giải quyết, used for dossiers without a due date).
    - Transparency: `publications`, `currently_public` (status "Đã công khai…"), `content_complete` (all seven
      components of art. 8(2) ND 63/2010 are public).
    """

    code: str
    online_level: OnlineLevel = OnlineLevel.NONE
    online_public: bool = True
    has_fee_info: bool = False
    requires_paper_result: bool = False
    citizen_subject: bool = False
    unit_levels: frozenset[UnitLevel] = frozenset()
    legal_time: timedelta | None = None
    publications: tuple[PublicationDecision, ...] = ()
    currently_public: bool = False
    content_complete: bool = False

    @property
    def offered_online(self) -> bool:
        """Offered online (full or partial) and public on the portal (3.1, 3.2)."""
        return self.online_level is not OnlineLevel.NONE and self.online_public

    def applies_at(self, level: UnitLevel) -> bool:
        """Carried out at `level` (a procedure with no levels recorded applies everywhere)."""
        return not self.unit_levels or level in self.unit_levels


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """One unit (agency) of the pool: its level, its own catalogue and the certified-copy flag (4.6).

    `procedure_codes` is the set of procedures the unit carries out; None = every catalogue procedure that
    applies at the unit's level.
    """

    code: str
    level: UnitLevel
    procedure_codes: frozenset[str] | None = None
    offers_electronic_certified_copy: bool = False

    def catalogue(self, procedures: Mapping[str, ProcedureFacts]) -> frozenset[str]:
        """The codes of the procedures this unit carries out, among those known in `procedures`.

        Raises:
            FactsError: the unit names a procedure that is not in `procedures`.
        """
        if self.procedure_codes is None:
            return frozenset(code for code, proc in procedures.items() if proc.applies_at(self.level))
        unknown = self.procedure_codes - procedures.keys()
        if unknown:
            raise FactsError(f"unit {self.code} names unknown procedures: {sorted(unknown)}")
        return self.procedure_codes
