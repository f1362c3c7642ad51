"""Fixtures of the feed tests: an intake over a ``Dossiers`` app with the sample catalogue and units."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tthc.dossier.application import Dossiers
from tthc.dossier.domain.catalogue import sample_catalogue
from tthc.dossier.domain.units import UnitRegistry, sample_units
from tthc.dossier.feed.auth import Caller, TokenAuth, hash_token
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.store import FeedStore, MemoryFeedStore
from tthc.kit.clock import VIETNAM, FixedClock

WARD = "H48.40.01"
OTHER_WARD = "H48.40.02"
PROVINCE = "H48"
PROVINCE_TOKEN = "province-token-for-tests"
WARD_TOKEN = "ward-token-for-tests"
OTHER_WARD_TOKEN = "other-ward-token-for-tests"
PROCEDURE = "1.004884"  # sample catalogue: 5 working days, fee 5,000 VND
CODE = "H48.40.01-240304-00001"
RECEIVED = "20240304081500"  # Monday 2024-03-04 08:15 in Vietnam
SYNC_TIME = datetime(2024, 6, 1, 12, 0, tzinfo=VIETNAM)


def dossier_record(*, without: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    """A good HoSoDongBoDVC record (received, status 2), with ``fields`` replaced and ``without`` removed."""
    record: dict[str, Any] = {
        "MaHoSo": CODE,
        "MaTTHC": PROCEDURE,
        "TenTTHC": "Đăng ký lại khai sinh",
        "KenhThucHien": "1",
        "ChuHoSo": "Nguyễn Văn An",
        "SoGiayToChuHoSo": "000123456789",
        "LoaiDoiTuong": "1",
        "Email": "an@example.invalid",
        "SoDienThoai": "0000123456",
        "TrichYeuHoSo": "Đăng ký lại khai sinh cho con",
        "NgayNopHoSo": RECEIVED,
        "NgayTiepNhan": RECEIVED,
        "NgayHenTra": "20240311081500",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "TrangThaiHoSo": "2",
        "DonViXuLy": WARD,
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí đăng ký lại khai sinh", "Gia": "5000", "HinhThucThu": "1"}],
        "TaiLieuNop": [
            {
                "MaThanhPhanHoSo": "TP01",
                "TenTepDinhKem": "Tờ khai",
                "DuocSoHoa": "1",
                "DuongDanTaiTepTin": "f.pdf",
            }
        ],
    }
    record.update(fields)
    for name in without:
        record.pop(name, None)
    return record


def history_record(*, without: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    """A good QuaTrinhXuLy item (the reception step of ``CODE``)."""
    item: dict[str, Any] = {
        "MaHoSo": CODE,
        "NguoiXuLy": "Lê Thị Hoa",
        "ChucDanh": "Công chức",
        "ThoiDiemXuLy": RECEIVED,
        "PhongBanXuLy": "Bộ phận một cửa",
        "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": "2",
        "NgayBatDau": RECEIVED,
        "NgayKetThucTheoQuyDinh": "20240311081500",
    }
    item.update(fields)
    for name in without:
        item.pop(name, None)
    return item


@pytest.fixture
def units() -> UnitRegistry:
    return sample_units()


@pytest.fixture
def feed_clock() -> FixedClock:
    return FixedClock(SYNC_TIME)


@pytest.fixture
def app(make_dossiers: Callable[..., Dossiers], units: UnitRegistry, feed_clock: FixedClock) -> Dossiers:
    dossiers = make_dossiers(clock=feed_clock, units=units)
    dossiers.register_procedures(sample_catalogue())
    return dossiers


@pytest.fixture
def auth(units: UnitRegistry) -> TokenAuth:
    tokens = {PROVINCE_TOKEN: PROVINCE, WARD_TOKEN: WARD, OTHER_WARD_TOKEN: OTHER_WARD}
    return TokenAuth({hash_token(token): unit for token, unit in tokens.items()}, units)


@pytest.fixture
def counted() -> Counter[tuple[str, str]]:
    return Counter()


@pytest.fixture
def store() -> FeedStore:
    return MemoryFeedStore()


@pytest.fixture
def intake(
    app: Dossiers,
    auth: TokenAuth,
    store: FeedStore,
    feed_clock: FixedClock,
    counted: Counter[tuple[str, str]],
) -> FeedIntake:
    def count(outcome: str, reason: str) -> None:
        counted[(outcome, reason)] += 1

    return FeedIntake(app, sample_units(), auth, store=store, clock=feed_clock, on_record=count)


@pytest.fixture
def ward() -> Caller:
    return Caller(WARD)


@pytest.fixture
def province() -> Caller:
    return Caller(PROVINCE)
