"""Value objects and code tables of the dossier domain (national sync format codes, index-766 §2.3)."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from pydantic import BaseModel, ConfigDict, Field


class DossierStatus(IntEnum):
    """Dossier status (TrangThaiHoSo), codes 1–10 of the national sync format."""

    REGISTERED = 1  # Mới đăng ký: submitted online, not yet received
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận / từ chối
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ
    FINANCIAL_OBLIGATION = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    RESOLVED = 9  # Đã xử lý xong
    RESULT_RETURNED = 10  # Đã trả kết quả

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.RESULT_RETURNED}
)


class Channel(IntEnum):
    """Intake channel (KenhThucHien). The national portal treats a missing channel as direct."""

    DIRECT = 1  # trực tiếp
    ONLINE = 2  # trực tuyến
    POSTAL = 3  # bưu chính công ích


class ApplicantType(IntEnum):
    """Applicant type (LoaiDoiTuong)."""

    CITIZEN = 1  # công dân
    BUSINESS = 2  # doanh nghiệp
    STATE_AGENCY = 3  # cơ quan nhà nước
    ORGANISATION = 4  # tổ chức khác


class OnlinePayment(IntEnum):
    """Online-payment flag (DuocThanhToanTrucTuyen): only 1 and 2 count as paid online."""

    NONE = 0
    NATIONAL_PORTAL = 1  # paid online on the national portal (DVCQG)
    LOCAL_GATEWAY = 2  # paid online through the ministry/province gateway


class ReturnMethod(IntEnum):
    """How the result is returned (HinhThuc)."""

    IN_PERSON = 0
    POST = 1


class Value(BaseModel):
    """Base of immutable value objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Applicant(Value):
    """The applicant (chủ hồ sơ). Personal data: stays in this service; events out carry a pseudonym."""

    name: str = Field(max_length=255)
    id_number: str = Field(default="", max_length=32)
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=255)
    address: str = Field(default="", max_length=500)
    applicant_type: ApplicantType = ApplicantType.CITIZEN


class FeeLine(Value):
    """A fee or charge line (phí, lệ phí) in VND."""

    name: str = Field(max_length=500)
    code: str = Field(default="", max_length=100)
    amount: int = Field(ge=0)
    collected_at: int | None = None  # HinhThucThu: 1 at reception, 2 at supplement, 4 at return of result


class SubmittedDocument(Value):
    """A submitted document (thành phần hồ sơ, TaiLieuNop) with its digitisation flags."""

    code: str = Field(max_length=200)
    name: str = Field(default="", max_length=500)
    has_file: bool = False  # a file is attached (DuongDanTaiTepTin present)
    digitised: bool = False  # DuocSoHoa = 1
    reused: bool = False  # DuocTaiSuDung ∈ {1, 2} or MaKetQuaThayThe present
    from_citizen_store: bool = False  # DuocLayTuKhoDMQG = 1


class ResultDocument(Value):
    """A result document (giấy tờ kết quả); ``link`` is the e-result file link (DuongDanTepTinKetQua)."""

    name: str = Field(max_length=500)
    code: str = Field(default="", max_length=200)
    link: str = Field(default="", max_length=2000)

    @property
    def is_electronic(self) -> bool:
        return bool(self.link)


class TimelineEntry(Value):
    """One step of the dossier's timeline (quá trình xử lý)."""

    at: datetime
    status: DossierStatus
    note: str = ""
