from __future__ import annotations

from datetime import datetime

from tthc.dossier.domain.catalogue import sample_catalogue
from tthc.dossier.domain.values import DossierStatus
from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.results import Outcome
from tthc.dossier.feed.store import open_feed_store
from tthc.kit.clock import VIETNAM

from .conftest import CODE, OTHER_WARD, WARD, dossier_record, history_record

S = DossierStatus


def outcomes(results):  # type: ignore[no-untyped-def]
    return [result.outcome for result in results]


def test_history_items_are_recorded_in_time_order_whatever_their_arrival_order(intake, app, ward):
    intake.ingest([dossier_record(TrangThaiHoSo="4")], ward)
    late = history_record(ThoiDiemXuLy="20240305100000", TrangThai="4", NoiDungXuLy="Thẩm định")
    early = history_record()
    assert outcomes(intake.ingest_history([late, early], ward)) == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    history = app.get(CODE).history
    assert [(item.at.day, item.status) for item in history] == [(4, S.RECEIVED), (5, S.PROCESSING)]
    assert history[1].content == "Thẩm định"


def test_a_resent_history_item_is_a_duplicate(intake, app, ward):
    intake.ingest([dossier_record()], ward)
    intake.ingest_history([history_record()], ward)
    version = app.get(CODE).version
    assert outcomes(intake.ingest_history([history_record()], ward)) == [Outcome.DUPLICATE]
    assert app.get(CODE).version == version


def test_the_handler_name_is_not_kept(intake, app, ward):
    intake.ingest([dossier_record()], ward)
    intake.ingest_history([history_record(NguoiXuLy="Phạm Thị Riêng")], ward)
    assert "Phạm Thị Riêng" not in app.get(CODE).model_dump_json()


def test_history_before_its_dossier_is_parked_then_recorded_when_the_dossier_arrives(
    intake, app, ward, counted
):
    (parked,) = intake.ingest_history([history_record(TrangThai="4", ThoiDiemXuLy="20240304100000")], ward)
    assert (parked.outcome, parked.parked) == (Outcome.ACCEPTED, True)
    assert parked.as_json()["parked"] is True
    assert counted[("accepted", "parked")] == 1
    assert outcomes(
        intake.ingest_history([history_record(TrangThai="4", ThoiDiemXuLy="20240304100000")], ward)
    ) == [Outcome.DUPLICATE]
    intake.ingest([dossier_record()], ward)
    history = app.get(CODE).history
    assert [(item.at, item.status) for item in history] == [
        (datetime(2024, 3, 4, 10, 0, tzinfo=VIETNAM), S.PROCESSING)
    ]
    assert intake.store.parked(CODE) == []


def test_parked_history_from_a_caller_who_may_not_push_the_dossier_is_dropped(intake, app, ward, counted):
    intake.ingest_history([history_record()], Caller(OTHER_WARD))
    intake.ingest([dossier_record()], ward)
    assert app.get(CODE).history == ()
    assert counted[("rejected", "wrong_unit")] == 1
    assert intake.store.parked(CODE) == []


def test_a_ward_may_not_add_history_to_another_wards_dossier(intake, ward):
    intake.ingest([dossier_record(DonViXuLy=OTHER_WARD)], Caller(OTHER_WARD))
    (result,) = intake.ingest_history([history_record()], ward)
    assert result.outcome is Outcome.REJECTED
    assert result.errors[0].kind.value == "wrong_unit"


def test_a_bad_history_item_is_rejected_with_its_field(intake, ward):
    (result,) = intake.ingest_history([history_record(TrangThai="12")], ward)
    assert result.outcome is Outcome.REJECTED
    assert result.errors[0].field == "TrangThai"


def test_parked_history_survives_a_restart_on_a_durable_store(make_dossiers, store_url, units, feed_clock):
    # given: an item parked by one intake
    first = FeedIntake(
        make_dossiers(store_url=store_url, clock=feed_clock, units=units),
        units,
        store=open_feed_store(store_url),
    )
    first.ingest_history([history_record()], Caller(WARD))
    # when: a new intake on the same store takes the dossier record
    app = make_dossiers(store_url=store_url, clock=feed_clock, units=units)
    app.register_procedures(sample_catalogue())
    second = FeedIntake(app, units, store=open_feed_store(store_url), clock=feed_clock)
    assert outcomes(second.ingest([dossier_record()], Caller(WARD))) == [Outcome.ACCEPTED]
    # then: durable stores kept the parked item; memory stores start empty
    expected = 0 if store_url == "memory://" else 1
    assert len(app.get(CODE).history) == expected
