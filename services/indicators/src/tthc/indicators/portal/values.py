"""Reading JSON values of a portal response strictly (numbers, counts, objects)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tthc.indicators.portal.errors import PortalResponseError

JsonObject = Mapping[str, Any]


def as_object(value: object, where: str) -> JsonObject:
    """Returns `value` as a JSON object or raises PortalResponseError."""
    if not isinstance(value, Mapping):
        raise PortalResponseError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def as_list(value: object, where: str) -> list[Any]:
    """Returns `value` as a JSON array (None → empty) or raises PortalResponseError."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PortalResponseError(f"{where}: expected an array, got {type(value).__name__}")
    return value


def decimal_or_none(value: object, where: str) -> Decimal | None:
    """Returns a published number as an exact Decimal of its JSON text, None for null or absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PortalResponseError(f"{where}: expected a number, got {value!r}")
    return Decimal(str(value))


def count_or_none(value: object, where: str) -> int | None:
    """Returns a published count as an int, None for null or absent."""
    number = decimal_or_none(value, where)
    if number is None:
        return None
    if number != number.to_integral_value() or number < 0:
        raise PortalResponseError(f"{where}: expected a non-negative whole count, got {value!r}")
    return int(number)
