from __future__ import annotations

from datetime import date, datetime

import pytest

from tthc.dossier.domain.procedure import (
    AlreadyMadePublicError,
    FieldRef,
    ImplementationLevel,
    OnlineLevel,
    Procedure,
    ProcedureAbolishedError,
    ProcedureAttributes,
    ProcedureFee,
    ProcedureStatus,
    PublicationAction,
    PublicationDecision,
    PublicationDecisionConflictError,
    PublishedComponents,
    PublishingAuthority,
    SubjectType,
    UnknownPublicationDecisionError,
)
from tthc.kit.clock import VIETNAM
from tthc.kit.eventstore import PydanticApplication, store_env
from tthc.kit.worktime import LegalTime, WorkingCalendar, default_calendar

CODE = "1.001193"
PROVINCE = PublishingAuthority.PROVINCE
MINISTRY = PublishingAuthority.MINISTRY


def make_attributes(**overrides: object) -> ProcedureAttributes:
    values: dict[str, object] = {
        "name": "Đăng ký khai sinh",
        "field": FieldRef(code="S-HT", name="Hộ tịch"),
        "level": ImplementationLevel.COMMUNE,
        "online_level": OnlineLevel.FULL_PROCESS,
        "legal_time": LegalTime.hours(8),
        "fees": (ProcedureFee(name="Lệ phí (miễn)", amount_vnd=0, kind="charge"),),
        "requires_paper_result": True,
        "subject_types": (SubjectType.CITIZEN,),
    }
    return ProcedureAttributes.model_validate(values | overrides)


def make_decision(number: str = "1/QĐ-UBND", **overrides: object) -> PublicationDecision:
    values: dict[str, object] = {
        "number": number,
        "decided_on": date(2024, 3, 1),
        "legal_basis_effective_on": date(2024, 3, 18),
        "action": PublicationAction.AMENDED,
    }
    return PublicationDecision.model_validate(values | overrides)


def event_names(procedure: Procedure) -> list[str]:
    return [type(e).__name__ for e in procedure.collect_events()]


@pytest.fixture
def calendar() -> WorkingCalendar:
    return default_calendar()


def vn(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VIETNAM)


def test_registration_uses_a_deterministic_id_from_the_national_code() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    assert procedure.id == Procedure.id_for(CODE)
    assert Procedure.id_for(CODE) != Procedure.id_for("1.000656")
    assert procedure.status is ProcedureStatus.IN_FORCE
    assert event_names(procedure) == ["Registered"]


def test_amend_records_only_real_changes() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.collect_events()
    assert procedure.amend(make_attributes()) == ()
    assert event_names(procedure) == []
    changed = procedure.amend(
        make_attributes(legal_time=LegalTime.working_days(3), requires_paper_result=False)
    )
    assert set(changed) == {"legal_time", "requires_paper_result"}
    events = procedure.collect_events()
    assert [type(e).__name__ for e in events] == ["Amended"]
    assert events[0].changed_fields == changed  # type: ignore[attr-defined]
    assert procedure.attributes.legal_time == LegalTime.working_days(3)


def test_recording_the_same_decision_twice_is_a_no_op() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.collect_events()
    assert procedure.decide_publication(make_decision())
    assert not procedure.decide_publication(make_decision())
    assert event_names(procedure) == ["PublicationDecided"]


def test_a_different_decision_under_a_known_number_is_a_conflict() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.decide_publication(make_decision())
    with pytest.raises(PublicationDecisionConflictError, match="1/QĐ-UBND"):
        procedure.decide_publication(make_decision(decided_on=date(2024, 3, 4)))


def test_an_abolishing_decision_abolishes_and_freezes_the_procedure() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.collect_events()
    procedure.decide_publication(make_decision("9/QĐ", action=PublicationAction.ABOLISHED))
    assert event_names(procedure) == ["PublicationDecided", "Abolished"]
    assert procedure.status is ProcedureStatus.ABOLISHED
    assert procedure.abolished_on == date(2024, 3, 18)
    with pytest.raises(ProcedureAbolishedError, match="abolished"):
        procedure.amend(make_attributes(name="Đăng ký khai sinh (mới)"))
    with pytest.raises(ProcedureAbolishedError):
        procedure.decide_publication(make_decision("10/QĐ", action=PublicationAction.NEW))
    # the abolition itself must still be made public on CSDLQG
    assert procedure.make_public("9/QĐ", vn(2024, 3, 5))


def test_make_public_keeps_the_first_click() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.decide_publication(make_decision())
    procedure.collect_events()
    assert procedure.make_public("1/QĐ-UBND", vn(2024, 3, 5))
    assert not procedure.make_public("1/QĐ-UBND", vn(2024, 3, 5).astimezone(VIETNAM))
    with pytest.raises(AlreadyMadePublicError):
        procedure.make_public("1/QĐ-UBND", vn(2024, 3, 6))
    assert event_names(procedure) == ["MadePublic"]


def test_make_public_needs_a_known_decision_and_an_aware_time() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.decide_publication(make_decision())
    with pytest.raises(UnknownPublicationDecisionError, match="2/QĐ"):
        procedure.make_public("2/QĐ", vn(2024, 3, 5))
    with pytest.raises(ValueError, match="naive"):
        procedure.make_public("1/QĐ-UBND", datetime(2024, 3, 5, 9))


@pytest.mark.parametrize(
    ("authority", "decided_on", "on_time"),
    [
        # legal basis effective Monday 18/03/2024
        (PROVINCE, date(2024, 3, 11), True),  # exactly 5 working days before
        (PROVINCE, date(2024, 3, 12), False),
        (MINISTRY, date(2024, 2, 19), True),  # exactly 20 working days before
        (MINISTRY, date(2024, 2, 20), False),
    ],
)
def test_published_on_time_counts_working_days_before_the_legal_basis(
    calendar: WorkingCalendar, authority: PublishingAuthority, decided_on: date, on_time: bool
) -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.decide_publication(make_decision(decided_on=decided_on))
    assert procedure.published_on_time("1/QĐ-UBND", authority, calendar) is on_time


def test_publication_lead_time_skips_tet(calendar: WorkingCalendar) -> None:
    # effective Tuesday 20/02/2024: 19, 16, 15 Feb, then Tết (08–14), then 7 and 6 Feb
    decision = make_decision(legal_basis_effective_on=date(2024, 2, 20), decided_on=date(2024, 2, 6))
    assert decision.published_on_time(PROVINCE, calendar)
    assert not decision.model_copy(update={"decided_on": date(2024, 2, 7)}).published_on_time(
        PROVINCE, calendar
    )


@pytest.mark.parametrize(
    ("authority", "clicked", "as_of", "expected"),
    [
        # decided Friday 26/04/2024; province deadline: 2, 3, 4 (swapped Saturday), 6, 7 May
        (PROVINCE, vn(2024, 5, 7, 16), None, True),
        (PROVINCE, vn(2024, 5, 8, 8), None, False),
        (PROVINCE, None, vn(2024, 5, 7, 16), None),
        (PROVINCE, None, vn(2024, 5, 8, 8), False),
        (PROVINCE, None, None, None),
        # ministry deadline: ten working days, Tuesday 14/05
        (MINISTRY, vn(2024, 5, 14, 16), None, True),
        (MINISTRY, vn(2024, 5, 15, 8), None, False),
    ],
)
def test_made_public_on_time(
    calendar: WorkingCalendar,
    authority: PublishingAuthority,
    clicked: datetime | None,
    as_of: datetime | None,
    expected: bool | None,
) -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.decide_publication(make_decision(decided_on=date(2024, 4, 26)))
    if clicked is not None:
        procedure.make_public("1/QĐ-UBND", clicked)
    assert procedure.made_public_on_time("1/QĐ-UBND", authority, calendar, as_of=as_of) is expected


def test_timeliness_of_an_unknown_decision_is_an_error(calendar: WorkingCalendar) -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    with pytest.raises(UnknownPublicationDecisionError):
        procedure.published_on_time("nope", PROVINCE, calendar)


def test_published_components() -> None:
    complete = PublishedComponents()
    partial = PublishedComponents(time_limit=False, subject=False)
    assert complete.is_complete
    assert not partial.is_complete
    assert partial.missing == ("time_limit", "subject")


def test_online_dossiers_use_the_online_legal_time_when_there_is_one() -> None:
    plain = make_attributes(legal_time=LegalTime.working_days(10))
    online = make_attributes(
        legal_time=LegalTime.working_days(10), online_legal_time=LegalTime.working_days(5)
    )
    assert plain.legal_time_for(online=True) == LegalTime.working_days(10)
    assert online.legal_time_for(online=True) == LegalTime.working_days(5)
    assert online.legal_time_for(online=False) == LegalTime.working_days(10)


def test_has_fees_ignores_free_lines() -> None:
    assert not make_attributes().has_fees
    paid = make_attributes(fees=(ProcedureFee(name="Phí", amount_vnd=2000, kind="fee", per="trang"),))
    assert paid.has_fees


def test_latest_decision_is_by_date() -> None:
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.decide_publication(make_decision("2/QĐ", decided_on=date(2024, 5, 1)))
    procedure.decide_publication(make_decision("1/QĐ", decided_on=date(2023, 5, 1)))
    assert procedure.latest_decision is not None
    assert procedure.latest_decision.number == "2/QĐ"


def test_stored_events_use_explicit_topics_and_rebuild_the_same_state() -> None:
    app = PydanticApplication(env=dict(store_env("memory://", "catalogue")))
    procedure = Procedure(code=CODE, attributes=make_attributes())
    procedure.amend(make_attributes(online_level=OnlineLevel.PARTIAL))
    procedure.decide_publication(make_decision())
    procedure.make_public("1/QĐ-UBND", vn(2024, 3, 5))
    procedure.decide_publication(make_decision("9/QĐ", action=PublicationAction.ABOLISHED))
    app.save(procedure)
    topics = [n.topic for n in app.recorder.select_notifications(start=1, limit=10)]
    assert topics == [
        "tthc.dossier:Procedure.Registered",
        "tthc.dossier:Procedure.Amended",
        "tthc.dossier:Procedure.PublicationDecided",
        "tthc.dossier:Procedure.MadePublic",
        "tthc.dossier:Procedure.PublicationDecided",
        "tthc.dossier:Procedure.Abolished",
    ]
    rebuilt: Procedure = app.repository.get(Procedure.id_for(CODE))
    assert rebuilt.attributes == procedure.attributes
    assert rebuilt.decisions == procedure.decisions
    assert rebuilt.made_public_at == procedure.made_public_at
    assert rebuilt.status is ProcedureStatus.ABOLISHED
