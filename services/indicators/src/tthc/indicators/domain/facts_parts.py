"""Code tables and small value objects that make up `DossierFacts` (index-766 §2.3, §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum


class FactsError(ValueError):
    """Facts that cannot describe a real dossier, procedure, unit or petition."""


class NaiveInstantError(FactsError):
    """An instant without a timezone; every instant in the domain is timezone-aware."""


class DossierStatus(IntEnum):
    """Dossier status (TrangThaiHoSo), codes 1–10 of the national sync format."""

    REGISTERED = 1  # Mới đăng ký: submitted, not yet received
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận / từ chối
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ
    FINANCIAL_OBLIGATION = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    RESOLVED = 9  # Đã xử lý xong
    RESULT_RETURNED = 10  # Đã trả kết quả


class Channel(IntEnum):
    """Intake channel (KenhThucHien); a missing channel counts as direct."""

    DIRECT = 1  # trực tiếp
    ONLINE = 2  # trực tuyến
    POSTAL = 3  # bưu chính công ích


class OnlinePayment(IntEnum):
    """Online-payment flag (DuocThanhToanTrucTuyen); only 1 and 2 count as paid online."""

    NONE = 0
    NATIONAL_PORTAL = 1  # paid on the national portal (DVCQG)
    LOCAL_GATEWAY = 2  # paid through the ministry/province gateway


def require_aware(at: datetime | None, name: str) -> None:
    """Raises `NaiveInstantError` when `at` is a naive datetime."""
    if at is not None and at.tzinfo is None:
        raise NaiveInstantError(f"{name} must be timezone-aware, got {at!r}")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One entry of the status timeline: the dossier entered `status` at `at`."""

    status: DossierStatus
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "StatusChange.at")


@dataclass(frozen=True, slots=True)
class SupplementRound:
    """One supplement round (DanhSachHoSoBoSung): requested at, supplied at (None until answered)."""

    requested_at: datetime
    supplied_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.requested_at, "SupplementRound.requested_at")
        require_aware(self.supplied_at, "SupplementRound.supplied_at")
        if self.supplied_at is not None and self.supplied_at < self.requested_at:
            raise FactsError("a supplement cannot be supplied before it was requested")

    def is_open_at(self, at: datetime) -> bool:
        """True when the round was requested by `at` and not yet supplied at `at`."""
        return self.requested_at <= at and (self.supplied_at is None or self.supplied_at > at)

    def pause_until(self, end: datetime) -> timedelta:
        """The part of this round's pause that lies before `end` (zero if requested at or after `end`)."""
        if self.requested_at >= end:
            return timedelta(0)
        resumed = end if self.supplied_at is None else min(self.supplied_at, end)
        return resumed - self.requested_at


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee or charge line (DanhSachLePhi item), amount in VND (Gia)."""

    code: str
    amount: int


@dataclass(frozen=True, slots=True)
class SubmittedDocument:
    """One submitted component (TaiLieuNop item) and its digitisation flags.

    `digitised` = a file is attached (DuocSoHoa / DuongDanTaiTepTin); `reused` = reuses digitised data
    (DuocTaiSuDung ∈ {1, 2} or MaKetQuaThayThe); `from_citizen_store` = taken from the citizen's store on the
    national portal (DuocLayTuKhoDMQG).
    """

    component_code: str
    digitised: bool = False
    reused: bool = False
    from_citizen_store: bool = False


@dataclass(frozen=True, slots=True)
class ResultDocument:
    """One result document (DanhSachGiayToKetQua item): result code (MaGiayToKetQua) and file link."""

    result_code: str | None = None
    file_link: str | None = None

    @property
    def is_electronic(self) -> bool:
        """An electronic result file exists (DuongDanTepTinKetQua)."""
        return bool(self.file_link)

    @property
    def is_coded_electronic(self) -> bool:
        """An electronic result with both a result code and a file link (the 3.3 condition)."""
        return bool(self.result_code) and bool(self.file_link)
