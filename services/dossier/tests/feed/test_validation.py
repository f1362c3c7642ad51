from __future__ import annotations

from datetime import datetime

import pytest

from tthc.dossier.domain.values import Channel, DossierStatus, OnlinePayment
from tthc.dossier.feed.problems import ProblemKind, RecordRejectedError
from tthc.dossier.feed.validation import parse_history, parse_record
from tthc.kit.clock import VIETNAM

from .conftest import dossier_record, history_record


def rejection(raw: object, parse=parse_record) -> RecordRejectedError:  # type: ignore[no-untyped-def]
    with pytest.raises(RecordRejectedError) as caught:
        parse(raw)
    return caught.value


def problem_fields(error: RecordRejectedError) -> dict[str, ProblemKind]:
    return {problem.field: problem.kind for problem in error.problems}


def test_a_good_record_reads_strings_as_numbers_and_dates_in_vietnam_time():
    record = parse_record(dossier_record(KenhThucHien="2", DuocThanhToanTrucTuyen="1", Unknown="ignored"))
    assert record.status is DossierStatus.RECEIVED
    assert record.channel is Channel.ONLINE
    assert record.online_payment is OnlinePayment.NATIONAL_PORTAL
    assert record.received_at == datetime(2024, 3, 4, 8, 15, tzinfo=VIETNAM)
    assert record.fees[0].amount == 5000


def test_numbers_may_also_arrive_as_numbers_and_nulls_count_as_absent():
    record = parse_record(dossier_record(TrangThaiHoSo=2, KenhThucHien=None, Email=None, LoaiDoiTuong=""))
    assert record.status is DossierStatus.RECEIVED
    assert record.channel is Channel.DIRECT
    assert record.email == ""


def test_empty_dates_mean_unknown():
    assert parse_record(dossier_record(NgayHenTra="")).due_at is None


def test_the_explicit_unit_code_wins_over_donvixuly():
    record = parse_record(dossier_record(DonViXuLy="UBND phường Nguyễn Nghiêm", MaDonVi="H48.40.01"))
    assert (record.unit, record.unit_field) == ("H48.40.01", "MaDonVi")


def test_a_bad_date_is_reported_with_its_national_field_name():
    error = rejection(dossier_record(NgayTiepNhan="2024-03-01"))
    assert [p.as_json() for p in error.problems] == [
        {"field": "NgayTiepNhan", "reason": "not a date in yyyyMMddHHmmss: '2024-03-01'"}
    ]
    assert error.kind is ProblemKind.BAD_DATE


def test_an_impossible_calendar_date_is_a_bad_date():
    assert problem_fields(rejection(dossier_record(NgayHenTra="20240231080000"))) == {
        "NgayHenTra": ProblemKind.BAD_DATE
    }


@pytest.mark.parametrize("field", ["MaHoSo", "MaTTHC", "TrangThaiHoSo"])
def test_a_missing_required_field_is_reported(field):
    assert problem_fields(rejection(dossier_record(without=(field,)))) == {field: ProblemKind.MISSING_FIELD}


def test_an_empty_required_field_counts_as_missing():
    assert problem_fields(rejection(dossier_record(MaTTHC="  "))) == {"MaTTHC": ProblemKind.MISSING_FIELD}


def test_the_dossier_code_must_look_like_a_code():
    error = rejection(dossier_record(MaHoSo="hồ sơ số 1"))
    assert problem_fields(error) == {"MaHoSo": ProblemKind.BAD_VALUE}
    assert "not a dossier code" in error.problems[0].reason


@pytest.mark.parametrize(
    ("field", "value"), [("TrangThaiHoSo", "11"), ("KenhThucHien", "7"), ("LoaiDoiTuong", "9")]
)
def test_unknown_codes_are_reported(field, value):
    error = rejection(dossier_record(**{field: value}))
    assert problem_fields(error) == {field: ProblemKind.UNKNOWN_CODE}
    assert repr(value) in error.problems[0].reason


def test_oversized_text_is_reported():
    error = rejection(dossier_record(TrichYeuHoSo="x" * 1001))
    assert problem_fields(error) == {"TrichYeuHoSo": ProblemKind.OVERSIZED_TEXT}
    assert "1000" in error.problems[0].reason


def test_every_problem_of_a_record_is_reported_at_once():
    error = rejection(dossier_record(NgayTiepNhan="x", TrangThaiHoSo="0", without=("MaTTHC",)))
    assert set(problem_fields(error)) == {"NgayTiepNhan", "TrangThaiHoSo", "MaTTHC"}


def test_nested_problems_name_the_list_item():
    error = rejection(dossier_record(DanhSachHoSoBoSung=[{"NgayBoSung": "hôm qua"}]))
    assert problem_fields(error) == {"DanhSachHoSoBoSung[0].NgayBoSung": ProblemKind.BAD_DATE}


@pytest.mark.parametrize(
    ("status", "missing"),
    [
        ("2", "NgayTiepNhan"),
        ("9", "NgayKetThucXuLy"),
        ("10", "NgayTra"),
        ("1", "NgayNopHoSo"),
        ("3", "NgayTuChoi"),
    ],
)
def test_a_status_needs_the_dates_that_say_when_it_was_reached(status, missing):
    raw = dossier_record(TrangThaiHoSo=status, without=(missing,))
    if missing == "NgayNopHoSo":
        raw.pop("NgayTiepNhan")
    assert missing in problem_fields(rejection(raw))


def test_status_5_needs_an_open_supplement_round():
    assert "DanhSachHoSoBoSung" in problem_fields(rejection(dossier_record(TrangThaiHoSo="5")))


def test_a_record_without_a_unit_is_rejected():
    assert problem_fields(rejection(dossier_record(without=("DonViXuLy",)))) == {
        "DonViXuLy": ProblemKind.MISSING_FIELD
    }


def test_a_value_that_is_not_an_object_is_rejected():
    assert rejection([1, 2]).kind is ProblemKind.NOT_AN_OBJECT


def test_a_history_item_checks_the_handler_name_length_and_its_time():
    error = rejection(history_record(NguoiXuLy="x" * 51, ThoiDiemXuLy=""), parse=parse_history)
    assert problem_fields(error) == {
        "NguoiXuLy": ProblemKind.OVERSIZED_TEXT,
        "ThoiDiemXuLy": ProblemKind.MISSING_FIELD,
    }


def test_a_good_history_item_reads():
    item = parse_history(history_record(TrangThai=4))
    assert item.status is DossierStatus.PROCESSING
    assert item.at == datetime(2024, 3, 4, 8, 15, tzinfo=VIETNAM)
