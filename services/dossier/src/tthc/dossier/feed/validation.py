"""Validation of feed records: pydantic shape checks turned into national-field problems, then the rules a
snapshot must satisfy for its status (the dates each status implies) and the references it makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tthc.dossier.domain.values import DossierStatus
from tthc.dossier.feed.codes import BAD_NUMBER, EMPTY_REQUIRED, UNKNOWN_CODE
from tthc.dossier.feed.dates import BAD_DATE
from tthc.dossier.feed.payload import DossierRecord, HistoryRecord
from tthc.dossier.feed.problems import Problem, ProblemKind, RecordRejectedError

Model = TypeVar("Model", bound=BaseModel)

_KIND_BY_ERROR_TYPE = {
    "missing": ProblemKind.MISSING_FIELD,
    EMPTY_REQUIRED: ProblemKind.MISSING_FIELD,
    BAD_DATE: ProblemKind.BAD_DATE,
    UNKNOWN_CODE: ProblemKind.UNKNOWN_CODE,
    BAD_NUMBER: ProblemKind.BAD_VALUE,
    "string_too_long": ProblemKind.OVERSIZED_TEXT,
}

# Which date each status implies, beyond the status itself (a snapshot must say when it got there).
_DATE_REQUIRED_BY_STATUS: dict[DossierStatus, tuple[str, str]] = {
    DossierStatus.REGISTERED: ("submitted_at", "NgayNopHoSo"),
    DossierStatus.REFUSED: ("refused_at", "NgayTuChoi"),
    DossierStatus.WITHDRAWN: ("finished_at", "NgayKetThucXuLy"),
    DossierStatus.STOPPED: ("finished_at", "NgayKetThucXuLy"),
    DossierStatus.RESOLVED: ("finished_at", "NgayKetThucXuLy"),
    DossierStatus.RESULT_RETURNED: ("returned_at", "NgayTra"),
}
_NOT_RECEIVED = frozenset({DossierStatus.REGISTERED, DossierStatus.REFUSED})


def parse_record(raw: Any) -> DossierRecord:
    """A dossier record from its JSON form, checked for shape and for the dates its status implies.

    Raises:
        RecordRejectedError: with every problem found.
    """
    record = _parse(DossierRecord, raw)
    problems = status_problems(record)
    if problems:
        raise RecordRejectedError(problems)
    return record


def parse_history(raw: Any) -> HistoryRecord:
    """A history item from its JSON form.

    Raises:
        RecordRejectedError: with every problem found.
    """
    return _parse(HistoryRecord, raw)


def status_problems(record: DossierRecord) -> list[Problem]:
    """Missing dates and unit that the record's status requires."""
    problems = []
    if not record.unit:
        problems.append(
            Problem("DonViXuLy", "required field is empty (or send MaDonVi)", ProblemKind.MISSING_FIELD)
        )
    if record.status not in _NOT_RECEIVED and record.received_at is None:
        problems.append(_missing_for_status("NgayTiepNhan", record.status))
    if record.status is DossierStatus.REFUSED and record.received_at is None and record.submitted_at is None:
        problems.append(_missing_for_status("NgayNopHoSo", record.status))
    required = _DATE_REQUIRED_BY_STATUS.get(record.status)
    if required and getattr(record, required[0]) is None:
        problems.append(_missing_for_status(required[1], record.status))
    if record.status is DossierStatus.SUPPLEMENT_REQUESTED and not _has_open_supplement(record):
        problems.append(
            Problem("DanhSachHoSoBoSung", "status 5 needs a round with NgayBoSung", ProblemKind.MISSING_FIELD)
        )
    problems.extend(_supplement_problems(record))
    return problems


def reference_problems(
    record: DossierRecord, procedure_known: Callable[[str], bool], unit_known: Callable[[str], bool]
) -> list[Problem]:
    """Problems with the procedure and unit the record refers to."""
    problems = []
    if not procedure_known(record.procedure_code):
        reason = f"unknown procedure {record.procedure_code!r}: not in the catalogue"
        problems.append(Problem("MaTTHC", reason, ProblemKind.UNKNOWN_CODE))
    if not unit_known(record.unit):
        problems.append(Problem(record.unit_field, f"unknown unit {record.unit!r}", ProblemKind.UNKNOWN_CODE))
    return problems


def problems_from_validation(error: ValidationError) -> list[Problem]:
    """Each pydantic error as a problem named by its national field path (``DanhSachLePhi[0].Gia``)."""
    return [_problem(detail) for detail in error.errors(include_url=False)]


def _parse(model: type[Model], raw: Any) -> Model:
    if not isinstance(raw, dict):
        raise RecordRejectedError(
            [Problem("", f"not a JSON object: {_type_name(raw)}", ProblemKind.NOT_AN_OBJECT)]
        )
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise RecordRejectedError(problems_from_validation(error)) from None


def _problem(detail: ErrorDetails) -> Problem:
    kind = _KIND_BY_ERROR_TYPE.get(detail["type"], ProblemKind.BAD_VALUE)
    reason = "required field is missing" if detail["type"] == "missing" else detail["msg"]
    if kind is ProblemKind.OVERSIZED_TEXT:
        reason = f"{reason} (got {len(str(detail['input']))})"
    return Problem(_field_path(detail["loc"]), reason, kind)


def _field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _missing_for_status(field: str, status: DossierStatus) -> Problem:
    return Problem(field, f"required for TrangThaiHoSo {int(status)}", ProblemKind.MISSING_FIELD)


def _has_open_supplement(record: DossierRecord) -> bool:
    return any(item.requested_at is not None and item.supplied_at is None for item in record.supplements)


def _supplement_problems(record: DossierRecord) -> list[Problem]:
    problems = []
    for index, item in enumerate(record.supplements):
        field = f"DanhSachHoSoBoSung[{index}]"
        if item.requested_at is None:
            problems.append(
                Problem(f"{field}.NgayBoSung", "required field is missing", ProblemKind.MISSING_FIELD)
            )
        elif item.supplied_at is not None and item.supplied_at < item.requested_at:
            reason = "supplied before it was requested (NgayTiepNhanBoSung < NgayBoSung)"
            problems.append(Problem(f"{field}.NgayTiepNhanBoSung", reason, ProblemKind.STATE_CONTRADICTION))
    return problems


def _type_name(raw: Any) -> str:
    names = {
        list: "array",
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        type(None): "null",
    }
    return names.get(type(raw), type(raw).__name__)
