from __future__ import annotations

from datetime import datetime

import pytest

from tthc.dossier.domain.values import DossierStatus, OnlinePayment
from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.results import Outcome, summary
from tthc.kit.clock import VIETNAM

from .conftest import CODE, OTHER_WARD, PROCEDURE, RECEIVED, WARD, dossier_record

S = DossierStatus


def only(results):  # type: ignore[no-untyped-def]
    (result,) = results
    return result


def test_a_good_record_opens_and_receives_the_dossier(intake, app, ward, counted):
    result = only(intake.ingest([dossier_record()], ward))
    assert result.outcome is Outcome.ACCEPTED
    assert result.errors == ()
    view = app.get(CODE)
    assert (view.status, view.procedure_code, view.unit_code) == (S.RECEIVED, PROCEDURE, WARD)
    assert view.received_at == datetime(2024, 3, 4, 8, 15, tzinfo=VIETNAM)
    assert view.due_at == datetime(2024, 3, 11, 8, 15, tzinfo=VIETNAM)
    assert [fee.amount for fee in view.fees] == [5000]
    assert [(doc.code, doc.digitised, doc.has_file) for doc in view.documents] == [("TP01", True, True)]
    assert view.synced_at is not None
    assert counted == {("accepted", "none"): 1}


def test_personal_data_reaches_the_domain_only_as_the_applicant(intake, app, ward):
    intake.ingest([dossier_record()], ward)
    assert app.get_applicant(CODE).id_number == "000123456789"
    assert "000123456789" not in app.get(CODE).model_dump_json()
    assert "Nguyễn Văn An" not in app.get(CODE).model_dump_json()


def test_a_resent_identical_record_is_a_duplicate_and_records_nothing(intake, app, ward, counted):
    intake.ingest([dossier_record()], ward)
    version, position = app.get(CODE).version, app.max_notification_id()
    assert only(intake.ingest([dossier_record()], ward)).outcome is Outcome.DUPLICATE
    assert (app.get(CODE).version, app.max_notification_id()) == (version, position)
    assert counted[("duplicate", "none")] == 1


def test_an_older_snapshot_sent_again_is_a_duplicate(intake, app, ward):
    received = dossier_record()
    resolved = dossier_record(TrangThaiHoSo="9", NgayKetThucXuLy="20240306100000")
    intake.ingest([received, resolved], ward)
    version = app.get(CODE).version
    assert only(intake.ingest([received], ward)).outcome is Outcome.DUPLICATE
    assert app.get(CODE).version == version


def test_successive_snapshots_walk_the_lifecycle_with_their_dates(intake, app, ward):
    snapshots = [
        dossier_record(TrangThaiHoSo="4"),
        dossier_record(TrangThaiHoSo="9", NgayKetThucXuLy="20240306100000"),
        dossier_record(
            TrangThaiHoSo="10", NgayKetThucXuLy="20240306100000", NgayTra="20240307090000", HinhThuc="1"
        ),
    ]
    assert [r.outcome for r in intake.ingest(snapshots, ward)] == [Outcome.ACCEPTED] * 3
    view = app.get(CODE)
    assert view.status is S.RESULT_RETURNED
    assert view.finished_at == datetime(2024, 3, 6, 10, 0, tzinfo=VIETNAM)
    assert [entry.status for entry in view.timeline] == [
        S.RECEIVED,
        S.PROCESSING,
        S.RESOLVED,
        S.RESULT_RETURNED,
    ]


def test_a_dossier_can_be_taken_up_at_its_final_state_in_one_record(intake, app, ward):
    results = dossier_record(
        TrangThaiHoSo="10",
        NgayKetThucXuLy="20240306100000",
        NgayTra="20240307090000",
        DanhSachGiayToKetQua=[{"TenGiayTo": "Trích lục", "DuongDanTepTinKetQua": "https://kq.invalid/1.pdf"}],
    )
    assert only(intake.ingest([results], ward)).outcome is Outcome.ACCEPTED
    view = app.get(CODE)
    assert view.status is S.RESULT_RETURNED
    assert [doc.is_electronic for doc in view.result_documents] == [True]


def test_supplement_rounds_pause_and_move_the_due_date(intake, app, ward):
    requested = {
        "NgayBoSung": "20240305090000",
        "NgayHenTraTruoc": "20240311081500",
        "NoiDungBoSung": "Thiếu tờ khai",
    }
    supplied = {**requested, "NgayTiepNhanBoSung": "20240307090000", "NgayHenTraMoi": "20240313081500"}
    first = dossier_record(TrangThaiHoSo="5", DanhSachHoSoBoSung=[requested])
    second = dossier_record(TrangThaiHoSo="4", NgayHenTra="20240313081500", DanhSachHoSoBoSung=[supplied])
    assert only(intake.ingest([first], ward)).outcome is Outcome.ACCEPTED
    assert app.get(CODE).status is S.SUPPLEMENT_REQUESTED
    assert only(intake.ingest([second], ward)).outcome is Outcome.ACCEPTED
    view = app.get(CODE)
    assert view.status is S.PROCESSING
    assert view.original_due_at == datetime(2024, 3, 11, 8, 15, tzinfo=VIETNAM)
    assert view.due_at == datetime(2024, 3, 13, 8, 15, tzinfo=VIETNAM)
    assert [(r.requested_at.day, r.supplied_at and r.supplied_at.day) for r in view.supplements] == [(5, 7)]


def test_online_payment_vneid_and_population_database_flags_are_recorded(intake, app, ward):
    record = dossier_record(
        KenhThucHien="2",
        DuocThanhToanTrucTuyen="2",
        TaiKhoanDuocXacThucVoiVNeID="1",
        DSKetNoiCSDL=[{"MaCSDL": "7"}],
    )
    intake.ingest([record], ward)
    view = app.get(CODE)
    assert view.online_payment is OnlinePayment.LOCAL_GATEWAY
    assert view.fees_paid_amount == 5000
    assert view.vneid_authenticated
    assert view.population_db_used


def test_a_registered_online_dossier_is_received_later(intake, app, ward):
    registered = dossier_record(
        TrangThaiHoSo="1", KenhThucHien="2", NgayNopHoSo="20240303200000", NgayTiepNhan=""
    )
    received = dossier_record(KenhThucHien="2", NgayNopHoSo="20240303200000")
    intake.ingest([registered], ward)
    assert app.get(CODE).status is S.REGISTERED
    assert only(intake.ingest([received], ward)).outcome is Outcome.ACCEPTED
    assert app.get(CODE).status is S.RECEIVED


def test_a_financial_obligation_and_its_payment(intake, app, ward):
    intake.ingest([dossier_record(TrangThaiHoSo="6")], ward)
    assert app.get(CODE).status is S.FINANCIAL_OBLIGATION
    intake.ingest([dossier_record(TrangThaiHoSo="4", DuocThanhToanTrucTuyen="1")], ward)
    view = app.get(CODE)
    assert (view.status, view.online_payment) == (S.PROCESSING, OnlinePayment.NATIONAL_PORTAL)


def test_unknown_procedure_and_unit_are_unknown_codes(intake, province, counted):
    results = intake.ingest([dossier_record(MaTTHC="9.999999"), dossier_record(DonViXuLy="H48.99")], province)
    assert [r.outcome for r in results] == [Outcome.REJECTED] * 2
    assert results[0].errors[0].field == "MaTTHC"
    assert "9.999999" in results[0].errors[0].reason
    assert results[1].errors[0].field == "DonViXuLy"
    assert "H48.99" in results[1].errors[0].reason
    assert counted[("rejected", "unknown_code")] == 2


def test_a_ward_may_not_push_another_wards_dossier(intake, app, ward, counted):
    result = only(intake.ingest([dossier_record(DonViXuLy=OTHER_WARD)], ward))
    assert result.outcome is Outcome.REJECTED
    assert (result.errors[0].field, result.errors[0].kind.value) == ("DonViXuLy", "wrong_unit")
    assert counted[("rejected", "wrong_unit")] == 1


def test_a_province_may_push_its_wards_dossiers(intake, app, province):
    assert only(intake.ingest([dossier_record()], province)).outcome is Outcome.ACCEPTED


def test_a_ward_may_not_change_a_dossier_owned_by_another_ward(intake, province):
    intake.ingest([dossier_record(DonViXuLy=OTHER_WARD)], province)
    result = only(intake.ingest([dossier_record(TrangThaiHoSo="4")], Caller(WARD)))
    assert result.outcome is Outcome.REJECTED
    assert result.errors[0].kind.value == "wrong_unit"


def test_a_returned_dossier_sent_as_processing_is_a_state_contradiction(intake, app, ward, counted):
    returned = dossier_record(TrangThaiHoSo="10", NgayKetThucXuLy="20240306100000", NgayTra="20240307090000")
    intake.ingest([returned], ward)
    result = only(intake.ingest([dossier_record(TrangThaiHoSo="4")], ward))
    assert result.outcome is Outcome.REJECTED
    assert result.errors[0].field == "TrangThaiHoSo"
    assert "RESULT_RETURNED" in result.errors[0].reason
    assert app.get(CODE).status is S.RESULT_RETURNED
    assert counted[("rejected", "state_contradiction")] == 1


def test_a_different_reception_time_is_a_state_contradiction(intake, app, ward):
    intake.ingest([dossier_record()], ward)
    result = only(intake.ingest([dossier_record(NgayTiepNhan="20240304090000", NgayNopHoSo="")], ward))
    assert result.outcome is Outcome.REJECTED
    assert result.errors[0].field == "NgayTiepNhan"
    assert app.get(CODE).received_at == datetime(2024, 3, 4, 8, 15, tzinfo=VIETNAM)


def test_a_step_before_the_reception_is_a_state_contradiction(intake, ward):
    result = only(intake.ingest([dossier_record(TrangThaiHoSo="9", NgayKetThucXuLy="20240301100000")], ward))
    assert result.outcome is Outcome.REJECTED
    assert result.errors[0].kind.value == "state_contradiction"


def test_a_mixed_batch_keeps_the_good_records(intake, app, ward):
    second = "H48.40.01-240304-00002"
    batch = [
        dossier_record(),
        42,
        dossier_record(MaHoSo="H48.40.01-240304-00003", NgayTiepNhan="x"),
        dossier_record(MaHoSo=second),
    ]
    results = intake.ingest(batch, ward)
    assert [r.outcome for r in results] == [
        Outcome.ACCEPTED,
        Outcome.REJECTED,
        Outcome.REJECTED,
        Outcome.ACCEPTED,
    ]
    assert results[1].errors[0].as_json() == {"field": "[1]", "reason": "not a JSON object: number"}
    assert results[2].code == "H48.40.01-240304-00003"
    assert app.get(CODE).status is S.RECEIVED
    assert app.get(second).status is S.RECEIVED
    answer = summary(results)
    assert (answer["accepted"], answer["duplicate"], answer["rejected"]) == (2, 0, 2)
    assert answer["results"][1] == {
        "MaHoSo": "",
        "result": "rejected",
        "errors": [results[1].errors[0].as_json()],
        "index": 1,
    }


@pytest.mark.parametrize("status", ["7", "8"])
def test_withdrawal_and_stop_end_the_dossier(intake, app, ward, status):
    intake.ingest([dossier_record(TrangThaiHoSo=status, NgayKetThucXuLy="20240305100000")], ward)
    assert app.get(CODE).status is S(int(status))
    assert app.get(CODE).finished_at == datetime(2024, 3, 5, 10, 0, tzinfo=VIETNAM)


def test_a_refusal_before_reception(intake, app, ward):
    record = dossier_record(TrangThaiHoSo="3", KenhThucHien="2", NgayTiepNhan="", NgayTuChoi="20240304100000")
    assert only(intake.ingest([record], ward)).outcome is Outcome.ACCEPTED
    assert app.get(CODE).status is S.REFUSED
    assert app.get(CODE).received_at is None


def test_received_time_is_kept_exactly(intake, app, ward):
    intake.ingest([dossier_record(NgayTiepNhan=RECEIVED)], ward)
    assert app.get(CODE).received_at.utcoffset().total_seconds() == 7 * 3600
