from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tthc.dossier.domain.commands import (
    MarkSynced,
    ReceiveDossier,
    RecordHistoryStep,
    RegisterOnline,
    RequestSupplement,
    ResolveDossier,
    ReturnResult,
    StartProcessingStep,
    SupplySupplement,
)
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.errors import (
    DossierNotFoundError,
    IllegalTransitionError,
    InconsistentDossierError,
    ProcedureNotFoundError,
)
from tthc.dossier.domain.values import Applicant, Channel, DossierStatus
from tthc.dossier.domain.views import DossierFilter
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)  # Monday
HOUR = timedelta(hours=1)
THREE_WORKING_DAYS = "9.900001"  # conftest's test procedure: 3 working days, 2 online, paper result
TWO_CALENDAR_DAYS = "9.900002"
UNIT = "H48.40.01"
CODE = "H48.40.01-240304-0001"
APPLICANT = Applicant(
    name="Trần Thị Bình", id_number="051190004321", phone="0912345678", address="Tổ 3, Đức Phổ"
)


def receive(
    code: str = CODE, *, at: datetime = T0, procedure: str = THREE_WORKING_DAYS, **extra
) -> ReceiveDossier:
    return ReceiveDossier(
        code=code, procedure_code=procedure, unit_code=UNIT, applicant=APPLICANT, received_at=at, **extra
    )


@pytest.fixture
def app(make_dossiers, store_url):
    return make_dossiers(store_url)


def test_receiving_opens_the_dossier_with_a_due_date_from_the_procedure(app):
    outcome = app.handle([receive()])

    assert outcome.new_events == ("Opened", "Received")
    assert (outcome.code, outcome.dossier_id, outcome.version) == (CODE, Dossier.id_for(CODE), 2)
    view = app.get(CODE)
    assert view.status is S.RECEIVED
    assert view.received_at == T0
    assert (
        view.original_due_at == view.due_at == datetime(2024, 3, 7, 8, 0, tzinfo=VIETNAM)
    )  # Mon + 3 working days


def test_an_online_dossier_gets_the_online_legal_time(app):
    app.handle(
        [
            RegisterOnline(
                code=CODE,
                procedure_code=THREE_WORKING_DAYS,
                unit_code=UNIT,
                applicant=APPLICANT,
                submitted_at=T0 - HOUR,
            )
        ]
    )

    app.handle([receive(channel=Channel.ONLINE)])

    view = app.get(CODE)
    assert view.due_at == datetime(2024, 3, 6, 8, 0, tzinfo=VIETNAM)  # 2 working days
    assert [entry.status for entry in view.timeline] == [S.REGISTERED, S.RECEIVED]


def test_an_explicit_due_date_wins_over_the_catalogue(app):
    due = T0 + 10 * 24 * HOUR

    app.handle([receive(due_at=due)])

    assert app.get(CODE).original_due_at == due


def test_a_calendar_day_procedure_is_due_at_the_close_of_its_last_day(app):
    app.handle([receive(procedure=TWO_CALENDAR_DAYS)])

    assert app.get(CODE).due_at == datetime(2024, 3, 6, 17, 0, tzinfo=VIETNAM)


def test_an_unknown_procedure_without_a_due_date_is_refused_and_nothing_is_recorded(app):
    before = app.max_notification_id()

    with pytest.raises(ProcedureNotFoundError):
        app.handle([receive(procedure="1.999999")])

    assert app.max_notification_id() == before
    with pytest.raises(DossierNotFoundError):
        app.get(CODE)


def test_an_unknown_procedure_with_an_explicit_due_date_is_accepted(app):
    outcome = app.handle([receive(procedure="1.999999", due_at=T0 + 24 * HOUR)])

    assert outcome.new_events == ("Opened", "Received")


def test_a_repeated_batch_records_nothing(app):
    batch = [receive(), StartProcessingStep(code=CODE, at=T0 + HOUR, handler_unit="Một cửa")]
    first = app.handle(batch)

    again = app.handle(batch)

    assert first.new_events == ("Opened", "Received", "StepStarted")
    assert again.new_events == ()
    assert again.version == first.version == 3


def test_registering_online_again_with_the_same_facts_is_a_no_op(app):
    register = RegisterOnline(
        code=CODE, procedure_code=THREE_WORKING_DAYS, unit_code=UNIT, applicant=APPLICANT, submitted_at=T0
    )
    app.handle([register])

    assert app.handle([register]).new_events == ()
    with pytest.raises(InconsistentDossierError):
        app.handle([register.model_copy(update={"procedure_code": TWO_CALENDAR_DAYS})])


def test_a_command_for_an_unknown_dossier_is_refused(app):
    with pytest.raises(DossierNotFoundError):
        app.handle([MarkSynced(code=CODE, at=T0)])


def test_a_batch_must_name_one_dossier(app):
    with pytest.raises(ValueError, match="exactly one dossier"):
        app.handle([receive(), receive("H48.40.01-240304-0002")])
    with pytest.raises(ValueError, match="exactly one dossier"):
        app.handle([])


def test_a_batch_whose_third_command_is_illegal_records_nothing(app):
    before = app.max_notification_id()
    batch = [
        receive(),
        StartProcessingStep(code=CODE, at=T0 + HOUR),
        ReturnResult(code=CODE, at=T0 + 2 * HOUR),  # not resolved yet
    ]

    with pytest.raises(IllegalTransitionError, match="cannot return_result while PROCESSING"):
        app.handle(batch)

    assert app.max_notification_id() == before
    with pytest.raises(DossierNotFoundError):
        app.get(CODE)
    assert app.list(DossierFilter()).total == 0


def test_a_failed_batch_leaves_an_existing_dossier_as_it_was(app):
    app.handle([receive()])
    batch = [
        StartProcessingStep(code=CODE, at=T0 + HOUR),
        RequestSupplement(code=CODE, at=T0 + 2 * HOUR),
        ResolveDossier(code=CODE, at=T0 + 3 * HOUR),  # a supplement round is open
    ]

    with pytest.raises(IllegalTransitionError):
        app.handle(batch)

    view = app.get(CODE)
    assert (view.status, view.version) == (S.RECEIVED, 2)


def test_the_paper_result_rule_comes_from_the_catalogue_unless_stated(app):
    app.handle([receive(), ResolveDossier(code=CODE, at=T0 + HOUR)])
    other = "H48.40.01-240304-0002"
    app.handle([receive(other, procedure=TWO_CALENDAR_DAYS), ResolveDossier(code=other, at=T0 + HOUR)])
    third = "H48.40.01-240304-0003"
    app.handle([receive(third), ResolveDossier(code=third, at=T0 + HOUR, requires_paper_result=False)])

    assert app.get(CODE).requires_paper_result is True
    assert app.get(other).requires_paper_result is False
    assert app.get(third).requires_paper_result is False


def test_views_carry_a_pseudonym_and_never_the_clear_personal_data(app):
    app.handle([receive()])

    view = app.get(CODE)
    public = app.lookup_public(CODE)

    assert view.applicant_ref.startswith("ps1:")
    for text in (view.model_dump_json(), public.model_dump_json()):
        for secret in (APPLICANT.name, APPLICANT.id_number, APPLICANT.phone, APPLICANT.address):
            assert secret not in text
    assert app.get_applicant(CODE) == APPLICANT


def test_the_same_applicant_gets_the_same_pseudonym_across_dossiers(app):
    app.handle([receive()])
    app.handle([receive("H48.40.01-240304-0002")])

    assert app.get(CODE).applicant_ref == app.get("H48.40.01-240304-0002").applicant_ref


def test_the_public_lookup_shows_status_dates_and_timeline(app):
    app.handle(
        [receive(), StartProcessingStep(code=CODE, at=T0 + HOUR), ResolveDossier(code=CODE, at=T0 + 2 * HOUR)]
    )

    public = app.lookup_public(CODE)

    assert public.status is S.RESOLVED
    assert public.finished_at == T0 + 2 * HOUR
    assert [entry.status for entry in public.timeline] == [S.RECEIVED, S.PROCESSING, S.RESOLVED]
    with pytest.raises(DossierNotFoundError):
        app.lookup_public("H48.40.01-000000-0000")


def test_history_items_arriving_out_of_order_are_stored_in_time_order(app):
    app.handle([receive()])
    for hours in (3, 1, 2, 1):
        app.handle(
            [RecordHistoryStep(code=CODE, at=T0 + hours * HOUR, status=S.PROCESSING, content=f"bước {hours}")]
        )

    history = app.get(CODE).history

    assert [item.content for item in history] == ["bước 1", "bước 2", "bước 3"]


def test_a_supplement_without_a_new_due_date_is_shifted_by_the_calendar(app):
    app.handle([receive()])  # due Thu 2024-03-07 08:00
    app.handle([RequestSupplement(code=CODE, at=T0 + HOUR)])  # Mon 09:00

    app.handle(
        [SupplySupplement(code=CODE, at=datetime(2024, 3, 6, 9, 0, tzinfo=VIETNAM))]
    )  # Wed: 2 working days

    view = app.get(CODE)
    assert view.original_due_at == datetime(2024, 3, 7, 8, 0, tzinfo=VIETNAM)
    assert view.due_at == datetime(2024, 3, 11, 8, 0, tzinfo=VIETNAM)  # Thu + 2 working days = next Monday
    assert view.supplements[0].new_due_at == view.due_at


def test_registering_the_same_catalogue_twice_changes_nothing(app, procedure_specs):
    diff = app.register_procedures(procedure_specs)

    assert diff.commands == ()
    assert THREE_WORKING_DAYS in diff.unchanged
    assert app.get_procedure(THREE_WORKING_DAYS).attributes.requires_paper_result is True
    with pytest.raises(ProcedureNotFoundError):
        app.get_procedure("1.999999")
