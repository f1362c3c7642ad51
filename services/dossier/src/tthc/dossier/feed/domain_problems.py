"""Domain refusals of a feed record, told as problems with the national field they concern."""

from __future__ import annotations

from pydantic import ValidationError

from tthc.dossier.domain.errors import (
    DossierError,
    IllegalTransitionError,
    InconsistentDossierError,
    ProcedureNotFoundError,
    UnitNotFoundError,
)
from tthc.dossier.feed.problems import Problem, ProblemKind
from tthc.dossier.feed.validation import problems_from_validation

# Domain (English) fact names → national field names of HoSoDongBoDVC.
NATIONAL_FIELD = {
    "received_at": "NgayTiepNhan",
    "submitted_at": "NgayNopHoSo",
    "due_at": "NgayHenTra",
    "new_due_at": "DanhSachHoSoBoSung",
    "channel": "KenhThucHien",
    "procedure_code": "MaTTHC",
    "unit_code": "DonViXuLy",
    "result_documents": "DanhSachGiayToKetQua",
    "method": "HinhThuc",
    "at": "TrangThaiHoSo",
    "status": "TrangThaiHoSo",
}


def problems_from_domain(error: DossierError | ValidationError) -> list[Problem]:
    """The problem(s) a domain refusal stands for."""
    if isinstance(error, ValidationError):
        return problems_from_validation(error)
    if isinstance(error, IllegalTransitionError):
        reason = f"cannot {error.command} while {error.status}: {error.reason}"
        return [Problem("TrangThaiHoSo", reason, ProblemKind.STATE_CONTRADICTION)]
    if isinstance(error, InconsistentDossierError):
        field = NATIONAL_FIELD.get(error.field, error.field)
        return [Problem(field, error.reason, ProblemKind.STATE_CONTRADICTION)]
    if isinstance(error, ProcedureNotFoundError):
        return [Problem("MaTTHC", str(error), ProblemKind.UNKNOWN_CODE)]
    if isinstance(error, UnitNotFoundError):
        return [Problem("DonViXuLy", str(error), ProblemKind.UNKNOWN_CODE)]
    return [Problem("MaHoSo", str(error), ProblemKind.STATE_CONTRADICTION)]
