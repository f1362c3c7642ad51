"""Lenient readers for the feed's code and flag fields (numbers may arrive as strings, ``""`` = unknown)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from tthc.dossier.domain.values import ApplicantType, Channel, DossierStatus, OnlinePayment, ReturnMethod

UNKNOWN_CODE = "unknown_code"
BAD_NUMBER = "bad_number"
EMPTY_REQUIRED = "empty_required"
_REQUIRED = object()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integer(value: Any) -> int:
    try:
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise PydanticCustomError(BAD_NUMBER, "not a number: {value}", {"value": repr(value)}) from None
    if not number.is_integer():
        raise PydanticCustomError(BAD_NUMBER, "not a whole number: {value}", {"value": repr(value)})
    return int(number)


def _code_reader(enum: type[Any], default: Any) -> BeforeValidator:
    allowed = ", ".join(str(member.value) for member in enum)

    def read(value: Any) -> Any:
        if _blank(value):
            if default is _REQUIRED:
                raise PydanticCustomError(EMPTY_REQUIRED, "required field is empty")
            return default
        number = _integer(value)
        try:
            return enum(number)
        except ValueError:
            raise PydanticCustomError(
                UNKNOWN_CODE,
                "unknown code {value}; expected one of {allowed}",
                {"value": repr(value), "allowed": allowed},
            ) from None

    return BeforeValidator(read)


def _read_flag(value: Any) -> bool:
    if _blank(value) or value is False:
        return False
    if value is True:
        return True
    number = _integer(value)
    if number not in (0, 1):
        raise PydanticCustomError(
            UNKNOWN_CODE, "unknown flag {value}; expected 0 or 1", {"value": repr(value)}
        )
    return number == 1


def _read_online_payment(value: Any) -> OnlinePayment:
    # HuanVu201 has an unreachable "3" branch; only 1 and 2 mean paid online, so 3 reads as "not online".
    if _blank(value):
        return OnlinePayment.NONE
    number = _integer(value)
    if number in (0, 3):
        return OnlinePayment.NONE
    if number in (1, 2):
        return OnlinePayment(number)
    raise PydanticCustomError(
        UNKNOWN_CODE, "unknown code {value}; expected 0, 1, 2 or 3", {"value": repr(value)}
    )


def _read_count(value: Any) -> int:
    if _blank(value):
        return 0
    number = _integer(value)
    if number < 0:
        raise PydanticCustomError(BAD_NUMBER, "must not be negative: {value}", {"value": repr(value)})
    return number


def _read_small_code(value: Any) -> int | None:
    return None if _blank(value) else _integer(value)


StatusCode = Annotated[DossierStatus, _code_reader(DossierStatus, _REQUIRED)]
ChannelCode = Annotated[
    Channel, _code_reader(Channel, Channel.DIRECT)
]  # DVCQG treats a missing channel as direct
ApplicantTypeCode = Annotated[ApplicantType, _code_reader(ApplicantType, ApplicantType.CITIZEN)]
ReturnMethodCode = Annotated[ReturnMethod | None, _code_reader(ReturnMethod, None)]
Flag = Annotated[bool, BeforeValidator(_read_flag)]
OnlinePaymentCode = Annotated[OnlinePayment, BeforeValidator(_read_online_payment)]
Amount = Annotated[int, BeforeValidator(_read_count)]
SmallCode = Annotated[int | None, BeforeValidator(_read_small_code)]
