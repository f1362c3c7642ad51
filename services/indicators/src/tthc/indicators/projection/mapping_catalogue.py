"""Maps the catalogue's `ProcedureChanged` snapshot onto `ProcedureFacts` (pure).

Every catalogue event carries the whole procedure, so the latest event per procedure is all the index needs.

Choices (the snapshot and the index vocabulary differ):
- implementation level: `central` → ministry; `province` → province; `district` and `commune` → commune
  (the index has no district level since the 2025 reform; a 2024 district carries out local procedures).
- a publication decision's `published_on_time` unknown upstream (None) counts as on time.
- the "made public" deadline (1.2): the upstream verdict `made_public_on_time` when the procedure was made
  public; for a decision not yet made public, decision date + 5 (province) / 10 (ministry) working days
  from the injected working calendar (no calendar, or a year it does not know → no deadline yet).
- `currently_public`: in force and at least one decision made public; `content_complete`: the latest
  decision publishes all seven components (ND 63/2010 art. 8(2)).
- legal time: hours as hours; working and calendar days as days (the fallback deadline of a dossier without
  a due date; the dossier service sends the real due date computed with the working calendar).
"""

from __future__ import annotations

from datetime import date, timedelta

from tthc.contracts import catalog_v1
from tthc.indicators.domain.facts_catalogue import (
    ChangeKind,
    OnlineLevel,
    ProcedureFacts,
    PublicationDecision,
    UnitLevel,
)
from tthc.indicators.domain.periods import local_date
from tthc.kit.worktime import HolidayDataMissingError, WorkingCalendar

SEVEN_COMPONENTS = frozenset(
    {"name", "sequence", "method", "dossier_components", "time_limit", "subject", "implementing_agency"}
)
_ONLINE = {"full_process": OnlineLevel.FULL, "partial": OnlineLevel.PARTIAL}
_LEVELS = {
    "central": UnitLevel.MINISTRY,
    "ministry": UnitLevel.MINISTRY,
    "province": UnitLevel.PROVINCE,
    "district": UnitLevel.COMMUNE,
    "commune": UnitLevel.COMMUNE,
}
_MAKE_PUBLIC_WITHIN_DAYS = {UnitLevel.MINISTRY: 10, UnitLevel.PROVINCE: 5, UnitLevel.COMMUNE: 5}
_IN_FORCE = "in_force"


def procedure_facts(
    event: catalog_v1.ProcedureChanged, calendar: WorkingCalendar | None = None
) -> ProcedureFacts:
    """The procedure's facts after `event`."""
    snapshot = event.procedure
    level = _LEVELS.get(snapshot.unit_level)
    in_force = snapshot.status == _IN_FORCE
    publications = tuple(
        _decision(item, level or UnitLevel.PROVINCE, calendar)
        for item in sorted(snapshot.publications, key=lambda item: item.decision_date)
    )
    latest = max(snapshot.publications, key=lambda item: item.decision_date, default=None)
    return ProcedureFacts(
        code=snapshot.code,
        online_level=_ONLINE.get(snapshot.online_level, OnlineLevel.NONE),
        online_public=in_force,
        has_fee_info=snapshot.has_fee,
        requires_paper_result=snapshot.requires_paper_result,
        citizen_subject=snapshot.citizen_subject,
        unit_levels=frozenset() if level is None else frozenset({level}),
        legal_time=_legal_time(snapshot.legal_time_amount, snapshot.legal_time_unit),
        publications=publications,
        currently_public=in_force and any(item.made_public_at for item in snapshot.publications),
        content_complete=latest is not None and set(latest.components_present) >= SEVEN_COMPONENTS,
    )


def _decision(
    item: catalog_v1.PublicationDecision, authority: UnitLevel, calendar: WorkingCalendar | None
) -> PublicationDecision:
    made_public_on = None if item.made_public_at is None else local_date(item.made_public_at)
    return PublicationDecision(
        decided_on=item.decision_date,
        change=_change(item.action),
        decided_on_time=item.published_on_time is not False,
        public_due=_public_due(item, made_public_on, authority, calendar),
        made_public_on=made_public_on,
    )


def _change(action: str) -> ChangeKind:
    try:
        return ChangeKind(action)
    except ValueError:
        return ChangeKind.AMENDED  # an action this service does not know yet: the neutral reading


def _public_due(
    item: catalog_v1.PublicationDecision,
    made_public_on: date | None,
    authority: UnitLevel,
    calendar: WorkingCalendar | None,
) -> date | None:
    # The real deadline (decision date + N working days): a period ending between the deadline and a late
    # click must count the procedure as due, whatever happened later.
    if calendar is not None:
        try:
            return calendar.add_working_days(item.decision_date, _MAKE_PUBLIC_WITHIN_DAYS[authority])
        except HolidayDataMissingError:
            pass
    if made_public_on is not None and item.made_public_on_time is not None:
        # without a calendar: the upstream verdict, as a deadline the domain compares with the click date
        return made_public_on if item.made_public_on_time else made_public_on - timedelta(days=1)
    return None


def _legal_time(amount: float | None, unit: str | None) -> timedelta | None:
    if amount is None or unit is None:
        return None
    if unit == "hours":
        return timedelta(hours=amount)
    return timedelta(days=amount)
