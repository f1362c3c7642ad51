"""The sync-format payloads of a simulated dossier: its snapshot at an instant, and its history items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tthc.dossier.domain.values import DossierStatus, OnlinePayment
from tthc.dossier.feed.dates import format_feed_date
from tthc.dossier.feed.sim_truth import DossierTruth, TrueStep

S = DossierStatus
POPULATION_DATABASE = "7"  # MaCSDL of the national population database (CSDL dân cư)


def snapshot(truth: DossierTruth, at: datetime) -> dict[str, Any]:
    """The HoSoDongBoDVC record a provincial system would send for ``truth`` as it stands at ``at``."""
    status = truth.status_as_of(at)
    if status is None:
        raise ValueError(f"dossier {truth.code} does not exist yet at {at.isoformat()}")
    received = _if_past(truth.received_at, at)
    finished = _if_past(truth.finished_at, at)
    paid = truth.paid_at is not None and truth.paid_at <= at
    record: dict[str, Any] = {
        "MaHoSo": truth.code,
        "MaTTHC": truth.procedure_code,
        "TenTTHC": truth.procedure_name,
        "MaLinhVuc": truth.field_code,
        "KenhThucHien": str(int(truth.channel)),
        "ChuHoSo": truth.applicant.name,
        "SoGiayToChuHoSo": truth.applicant.id_number,
        "LoaiDoiTuong": str(truth.applicant.kind),
        "MaDoiTuong": f"0000{truth.applicant.id_number[-6:]}" if truth.channel == 2 else "",
        "Email": truth.applicant.email,
        "SoDienThoai": truth.applicant.phone,
        "TrichYeuHoSo": truth.summary,
        "NgayNopHoSo": format_feed_date(truth.submitted_at),
        "NgayTiepNhan": format_feed_date(received),
        "NgayHenTra": format_feed_date(truth.due_as_of(at) if received else None),
        "NgayKetThucXuLy": format_feed_date(finished),
        "NgayTra": format_feed_date(_if_past(truth.returned_at, at)),
        "NgayTuChoi": format_feed_date(_if_past(truth.refused_at, at)),
        "TrangThaiHoSo": str(int(status)),
        "HinhThuc": str(int(truth.return_method)),
        "DonViXuLy": truth.unit_code,
        "HoSoCoThanhPhanSoHoa": int(received is not None and any(doc.digitised for doc in truth.documents)),
        "TaiKhoanDuocXacThucVoiVNeID": int(truth.vneid_authenticated),
        "DuocThanhToanTrucTuyen": str(int(truth.online_payment if paid else OnlinePayment.NONE)),
        "DSKetNoiCSDL": [{"MaCSDL": POPULATION_DATABASE}] if truth.population_db_used and received else [],
        "TaiLieuNop": _documents(truth) if received else [],
        "DanhSachLePhi": [
            {"TenPhiLePhi": fee.name, "MaPhiLePhi": "", "HinhThucThu": "1", "Gia": fee.amount}
            for fee in truth.fees
        ],
        "DanhSachHoSoBoSung": _rounds(truth, at),
        "DanhSachGiayToKetQua": _results(truth)
        if finished and status in (S.RESOLVED, S.RESULT_RETURNED)
        else [],
    }
    return record


def history_item(truth: DossierTruth, step: TrueStep, officer: str) -> dict[str, Any]:
    """The QuaTrinhXuLy item for one step (``officer`` is a fake handler name)."""
    received = truth.received_at is not None and truth.received_at <= step.at
    return {
        "MaHoSo": truth.code,
        "NguoiXuLy": officer,
        "ChucDanh": "Công chức",
        "ThoiDiemXuLy": format_feed_date(step.at),
        "PhongBanXuLy": step.department,
        "NoiDungXuLy": step.note,
        "TrangThai": str(int(step.status)),
        "NgayBatDau": format_feed_date(step.at),
        "NgayKetThucTheoQuyDinh": format_feed_date(truth.due_as_of(step.at) if received else None),
    }


def _if_past(at: datetime | None, now: datetime) -> datetime | None:
    return at if at is not None and at <= now else None


def _documents(truth: DossierTruth) -> list[dict[str, Any]]:
    return [
        {
            "TepDinhKemId": f"{truth.code}-{doc.code}",
            "TenTepDinhKem": doc.name,
            "IsDeleted": "0",
            "MaThanhPhanHoSo": doc.code,
            # a file link only for a digitised document: index 4.2 counts any file in TaiLieuNop as digitised
            "DuongDanTaiTepTin": f"https://files.example.invalid/{truth.code}/{doc.code}.pdf"
            if doc.digitised
            else "",
            "DuocSoHoa": int(doc.digitised),
            "DuocTaiSuDung": int(doc.reused),
            "DuocLayTuKhoDMQG": int(doc.from_citizen_store),
            "MaKetQuaThayThe": "",
        }
        for doc in truth.documents
    ]


def _rounds(truth: DossierTruth, at: datetime) -> list[dict[str, Any]]:
    rounds = []
    for index, item in enumerate(truth.supplements):
        if item.requested_at > at:
            continue
        supplied = _if_past(item.supplied_at, at)
        rounds.append(
            {
                "HoSoBoSungId": f"{truth.code}-BS{index + 1}",
                "NoiDungBoSung": item.reason,
                "NgayBoSung": format_feed_date(item.requested_at),
                "NgayTiepNhanBoSung": format_feed_date(supplied),
                "TrangThaiBoSung": "1" if supplied else "0",
                "NgayHenTraTruoc": format_feed_date(item.previous_due_at),
                "NgayHenTraMoi": format_feed_date(item.new_due_at if supplied else None),
            }
        )
    return rounds


def _results(truth: DossierTruth) -> list[dict[str, Any]]:
    link = f"https://results.example.invalid/{truth.code}.pdf" if truth.electronic_result else ""
    return [
        {
            "TenGiayTo": f"Kết quả: {truth.procedure_name}",
            "MaGiayToKetQua": "KQ01",
            "DuongDanTepTinKetQua": link,
        }
    ]
