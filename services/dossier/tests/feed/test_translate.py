from __future__ import annotations

import pytest

from tthc.dossier.domain.errors import IllegalTransitionError, InconsistentDossierError
from tthc.dossier.feed.translate import translate
from tthc.dossier.feed.validation import parse_record

from .conftest import CODE, SYNC_TIME, dossier_record


def kinds(commands):  # type: ignore[no-untyped-def]
    return [command.kind for command in commands]


def test_a_new_dossier_is_opened_then_described_then_moved_in_time_order_then_marked_synced():
    record = parse_record(
        dossier_record(
            TrangThaiHoSo="10",
            NgayKetThucXuLy="20240306100000",
            NgayTra="20240307090000",
            DanhSachHoSoBoSung=[{"NgayBoSung": "20240305090000", "NgayTiepNhanBoSung": "20240305150000"}],
            TaiKhoanDuocXacThucVoiVNeID="1",
        )
    )
    assert kinds(translate(record, None, synced_at=SYNC_TIME)) == [
        "receive",
        "declare_fees",
        "attach_documents",
        "mark_vneid",
        "request_supplement",
        "supply_supplement",
        "resolve",
        "return_result",
        "mark_synced",
    ]


def test_a_record_the_service_already_knows_gives_no_command(intake, app, ward):
    raw = dossier_record(TrangThaiHoSo="9", NgayKetThucXuLy="20240306100000")
    intake.ingest([raw], ward)
    assert translate(parse_record(raw), app.get(CODE), synced_at=SYNC_TIME) == []


def test_only_the_missing_steps_are_emitted(intake, app, ward):
    intake.ingest([dossier_record(TrangThaiHoSo="9", NgayKetThucXuLy="20240306100000")], ward)
    later = dossier_record(TrangThaiHoSo="10", NgayKetThucXuLy="20240306100000", NgayTra="20240307090000")
    assert kinds(translate(parse_record(later), app.get(CODE), synced_at=SYNC_TIME)) == [
        "return_result",
        "mark_synced",
    ]


def test_a_status_going_backwards_is_refused(intake, app, ward):
    intake.ingest([dossier_record(TrangThaiHoSo="9", NgayKetThucXuLy="20240306100000")], ward)
    with pytest.raises(IllegalTransitionError):
        translate(parse_record(dossier_record(TrangThaiHoSo="2")), app.get(CODE), synced_at=SYNC_TIME)


def test_a_changed_supplement_round_is_refused(intake, app, ward):
    first = [{"NgayBoSung": "20240305090000"}]
    intake.ingest([dossier_record(TrangThaiHoSo="5", DanhSachHoSoBoSung=first)], ward)
    moved = dossier_record(TrangThaiHoSo="5", DanhSachHoSoBoSung=[{"NgayBoSung": "20240305100000"}])
    with pytest.raises(InconsistentDossierError) as caught:
        translate(parse_record(moved), app.get(CODE), synced_at=SYNC_TIME)
    assert caught.value.field == "DanhSachHoSoBoSung[0].NgayBoSung"
