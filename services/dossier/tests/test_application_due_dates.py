from __future__ import annotations

from datetime import datetime

import pytest

from tthc.dossier.domain.commands import (
    IssueApology,
    ReceiveDossier,
    RequestSupplement,
    StartProcessingStep,
    SupplySupplement,
)
from tthc.dossier.domain.values import Applicant
from tthc.kit.clock import VIETNAM

CODE = "H48.40.01-240425-0001"
THREE_WORKING_DAYS = "9.900001"
APPLICANT = Applicant(name="Phạm Thị Dung", id_number="051185002222")


def vn(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def app(make_dossiers, store_url):
    app = make_dossiers(store_url)
    # Thu 25/04 08:00; three working days skip the 27/04–01/05 break (Sat, Sun, Mon swapped off, 30/4, 1/5)
    app.handle(
        [
            ReceiveDossier(
                code=CODE,
                procedure_code=THREE_WORKING_DAYS,
                unit_code="H48.40.01",
                applicant=APPLICANT,
                received_at=vn(4, 25, 8),
            ),
            StartProcessingStep(code=CODE, at=vn(4, 25, 9)),
        ]
    )
    return app


def test_the_due_date_skips_weekends_and_holidays(app):
    assert app.get(CODE).original_due_at == vn(5, 3, 8)


def test_the_supplement_pause_shifts_the_due_date_by_working_days_across_the_break(app):
    # given: paused Fri 26/04; resumed Mon 06/05. Working days in (26/04, 06/05]: 02/05, 03/05, the swapped
    # working Saturday 04/05, 06/05 = 4
    app.handle([RequestSupplement(code=CODE, at=vn(4, 26, 10), reason="thiếu giấy tờ")])

    outcome = app.handle([SupplySupplement(code=CODE, at=vn(5, 6, 9))])

    view = app.get(CODE)
    assert outcome.new_events == ("SupplementSupplied",)
    assert view.original_due_at == vn(5, 3, 8)
    assert view.due_at == vn(5, 8, 8)  # Fri 03/05 + 4 working days (Sat 04, Mon 06, Tue 07, Wed 08)
    [round_] = view.supplements
    assert (round_.requested_at, round_.supplied_at) == (vn(4, 26, 10), vn(5, 6, 9))
    assert (round_.previous_due_at, round_.new_due_at) == (vn(5, 3, 8), vn(5, 8, 8))


def test_a_supplement_returned_the_same_day_does_not_move_the_due_date(app):
    app.handle(
        [RequestSupplement(code=CODE, at=vn(4, 26, 10)), SupplySupplement(code=CODE, at=vn(4, 26, 15))]
    )

    assert app.get(CODE).due_at == vn(5, 3, 8)


def test_an_explicit_new_due_date_from_the_feed_wins_over_the_calendar(app):
    app.handle([RequestSupplement(code=CODE, at=vn(4, 26, 10))])

    app.handle([SupplySupplement(code=CODE, at=vn(5, 6, 9), new_due_at=vn(5, 10, 17))])

    assert app.get(CODE).due_at == vn(5, 10, 17)


def test_an_apology_for_a_late_dossier_keeps_both_due_dates(app):
    app.handle([IssueApology(code=CODE, at=vn(5, 6, 8), new_appointment_at=vn(5, 10, 8), reason="quá hạn")])

    view = app.get(CODE)
    assert view.original_due_at == view.due_at == vn(5, 3, 8)
    assert view.apology_issued_at == vn(5, 6, 8)
    assert view.apology_appointment_at == vn(5, 10, 8)
