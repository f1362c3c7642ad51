"""The national dossier-sync payload (HoSoDongBoDVC) and history item (QuaTrinhXuLyDongBoDVC).

Python names are English; each field's alias is the national field name, which is what the wire carries and
what every validation problem names. Unknown extra fields are ignored, numbers may arrive as strings, a
``null`` counts as absent, and dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh (``""`` = unknown).

The handling unit: ``MaDonVi`` when present, else ``DonViXuLy``. The national format has ``DonViXuLy`` as
the agency name, but provincial feeds put the agency code there; ``MaDonVi`` is the explicit code field some
systems add, so it wins when both are sent. ``HoSoCoThanhPhanSoHoa`` is read and checked only: the domain
keeps digitisation per document (``TaiLieuNop[].DuocSoHoa``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from tthc.dossier.domain.values import ApplicantType, Channel, OnlinePayment, ReturnMethod
from tthc.dossier.feed.codes import (
    EMPTY_REQUIRED,
    Amount,
    ApplicantTypeCode,
    ChannelCode,
    Flag,
    OnlinePaymentCode,
    ReturnMethodCode,
    SmallCode,
    StatusCode,
)
from tthc.dossier.feed.dates import FeedDate, RequiredFeedDate

BAD_CODE = "bad_code"
_DOSSIER_CODE = re.compile(r"^[A-Za-z0-9.\-_/]{1,100}$")


def _required(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError(EMPTY_REQUIRED, "required field is empty")
    return value.strip() if isinstance(value, str) else value


def _dossier_code(value: Any) -> Any:
    value = _required(value)
    if not isinstance(value, str) or not _DOSSIER_CODE.match(value):
        raise PydanticCustomError(
            BAD_CODE, "not a dossier code (1-100 of A-Z a-z 0-9 . - _ /): {value}", {"value": repr(value)}
        )
    return value


DossierCodeText = Annotated[str, BeforeValidator(_dossier_code)]


Text32 = Annotated[str, Field(max_length=32)]
Text50 = Annotated[str, Field(max_length=50)]
Text100 = Annotated[str, Field(max_length=100)]
Text200 = Annotated[str, Field(max_length=200)]
Text255 = Annotated[str, Field(max_length=255)]
Text500 = Annotated[str, Field(max_length=500)]
Text1000 = Annotated[str, Field(max_length=1000)]
Text2000 = Annotated[str, Field(max_length=2000)]
RequiredText50 = Annotated[str, BeforeValidator(_required), Field(max_length=50)]
RequiredText500 = Annotated[str, BeforeValidator(_required), Field(max_length=500)]


class FeedModel(BaseModel):
    """Base of feed models: national aliases, extra fields ignored, ``null`` treated as absent."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        coerce_numbers_to_str=True,
        str_strip_whitespace=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class ConnectedDatabase(FeedModel):
    """A national database used for the dossier (DSKetNoiCSDL item)."""

    code: RequiredText50 = Field(alias="MaCSDL")


class SubmittedFile(FeedModel):
    """A submitted document (TaiLieuNop item) with its digitisation flags."""

    file_id: Text200 = Field(default="", alias="TepDinhKemId")
    file_name: Text500 = Field(default="", alias="TenTepDinhKem")
    deleted: Flag = Field(default=False, alias="IsDeleted")
    component_code: Text200 = Field(default="", alias="MaThanhPhanHoSo")
    file_link: Text2000 = Field(default="", alias="DuongDanTaiTepTin")
    digitised: Flag = Field(default=False, alias="DuocSoHoa")
    reused: SmallCode = Field(default=None, alias="DuocTaiSuDung")
    from_citizen_store: Flag = Field(default=False, alias="DuocLayTuKhoDMQG")
    replacing_result_code: Text200 = Field(default="", alias="MaKetQuaThayThe")


class FeeItem(FeedModel):
    """A fee line (DanhSachLePhi item); ``Gia`` in VND."""

    name: RequiredText500 = Field(alias="TenPhiLePhi")
    code: Text100 = Field(default="", alias="MaPhiLePhi")
    collected_at: SmallCode = Field(default=None, alias="HinhThucThu")
    amount: Amount = Field(default=0, alias="Gia")
    fee_type: Text50 = Field(default="", alias="LoaiPhiLePhi")


class SupplementItem(FeedModel):
    """A supplement round (DanhSachHoSoBoSung item): requested, supplied, and the due date it moved."""

    round_id: Text100 = Field(default="", alias="HoSoBoSungId")
    requester: Text255 = Field(default="", alias="NguoiYeuCauBoSung")
    content: Text2000 = Field(default="", alias="NoiDungBoSung")
    requested_at: FeedDate = Field(default=None, alias="NgayBoSung")
    supplied_at: FeedDate = Field(default=None, alias="NgayTiepNhanBoSung")
    status: Text50 = Field(default="", alias="TrangThaiBoSung")
    previous_due_at: FeedDate = Field(default=None, alias="NgayHenTraTruoc")
    new_due_at: FeedDate = Field(default=None, alias="NgayHenTraMoi")


class ResultItem(FeedModel):
    """A result document (DanhSachGiayToKetQua item); a file link makes it an e-result."""

    name: Text500 = Field(default="", alias="TenGiayTo")
    component_code: Text200 = Field(default="", alias="MaThanhPhanHoSo")
    document_id: Text200 = Field(default="", alias="GiayToId")
    link: Text2000 = Field(default="", alias="DuongDanTepTinKetQua")
    result_code: Text200 = Field(default="", alias="MaGiayToKetQua")


class DossierRecord(FeedModel):
    """One dossier snapshot as a provincial system syncs it (HoSoDongBoDVC)."""

    code: DossierCodeText = Field(alias="MaHoSo")
    procedure_code: RequiredText50 = Field(alias="MaTTHC")
    procedure_name: Text1000 = Field(default="", alias="TenTTHC")
    field_code: Text100 = Field(default="", alias="MaLinhVuc")
    channel: ChannelCode = Field(default=Channel.DIRECT, alias="KenhThucHien")
    applicant_name: Text255 = Field(default="", alias="ChuHoSo")
    applicant_id_number: Text32 = Field(default="", alias="SoGiayToChuHoSo")
    applicant_type: ApplicantTypeCode = Field(default=ApplicantType.CITIZEN, alias="LoaiDoiTuong")
    applicant_account: Text100 = Field(default="", alias="MaDoiTuong")
    email: Text255 = Field(default="", alias="Email")
    phone: Text32 = Field(default="", alias="SoDienThoai")
    summary: Text1000 = Field(default="", alias="TrichYeuHoSo")
    submitted_at: FeedDate = Field(default=None, alias="NgayNopHoSo")
    received_at: FeedDate = Field(default=None, alias="NgayTiepNhan")
    due_at: FeedDate = Field(default=None, alias="NgayHenTra")
    finished_at: FeedDate = Field(default=None, alias="NgayKetThucXuLy")
    returned_at: FeedDate = Field(default=None, alias="NgayTra")
    refused_at: FeedDate = Field(default=None, alias="NgayTuChoi")
    status: StatusCode = Field(alias="TrangThaiHoSo")
    return_method: ReturnMethodCode = Field(default=None, alias="HinhThuc")
    unit_code: Text255 = Field(default="", alias="DonViXuLy")
    unit_code_explicit: Text50 = Field(default="", alias="MaDonVi")
    has_digitised_component: Flag = Field(default=False, alias="HoSoCoThanhPhanSoHoa")
    vneid_authenticated: Flag = Field(default=False, alias="TaiKhoanDuocXacThucVoiVNeID")
    online_payment: OnlinePaymentCode = Field(default=OnlinePayment.NONE, alias="DuocThanhToanTrucTuyen")
    databases: tuple[ConnectedDatabase, ...] = Field(default=(), alias="DSKetNoiCSDL")
    documents: tuple[SubmittedFile, ...] = Field(default=(), alias="TaiLieuNop")
    fees: tuple[FeeItem, ...] = Field(default=(), alias="DanhSachLePhi")
    supplements: tuple[SupplementItem, ...] = Field(default=(), alias="DanhSachHoSoBoSung")
    results: tuple[ResultItem, ...] = Field(default=(), alias="DanhSachGiayToKetQua")

    @property
    def unit(self) -> str:
        """The handling unit's code: ``MaDonVi`` when present, else ``DonViXuLy``."""
        return self.unit_code_explicit or self.unit_code

    @property
    def unit_field(self) -> str:
        """The national name of the field the unit was read from."""
        return "MaDonVi" if self.unit_code_explicit else "DonViXuLy"

    @property
    def return_method_or_default(self) -> ReturnMethod:
        """How the result is returned; in person when not said."""
        return self.return_method if self.return_method is not None else ReturnMethod.IN_PERSON


class HistoryRecord(FeedModel):
    """One processing-history item (QuaTrinhXuLyDongBoDVC). ``NguoiXuLy`` is checked, never stored."""

    code: DossierCodeText = Field(alias="MaHoSo")
    handler_name: Text50 = Field(default="", alias="NguoiXuLy")
    handler_title: Text255 = Field(default="", alias="ChucDanh")
    at: RequiredFeedDate = Field(alias="ThoiDiemXuLy")
    department: Text255 = Field(default="", alias="PhongBanXuLy")
    content: Text2000 = Field(default="", alias="NoiDungXuLy")
    status: StatusCode = Field(alias="TrangThai")
    step_started_at: FeedDate = Field(default=None, alias="NgayBatDau")
    step_deadline: FeedDate = Field(default=None, alias="NgayKetThucTheoQuyDinh")
