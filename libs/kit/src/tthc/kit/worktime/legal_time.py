"""A legal processing time: an amount of hours, working days or calendar days."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import field_validator, model_validator
from pydantic.dataclasses import dataclass


class TimeUnit(StrEnum):
    """How a legal time is counted (``DonViTinh`` of a procedure's time limit)."""

    HOURS = "hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True)
class LegalTime:
    """An amount of time in one unit, e.g. ``LegalTime(Decimal(3), TimeUnit.WORKING_DAYS)``.

    Hours and working days may be fractional (half a working day is common); calendar days are whole.
    """

    amount: Decimal
    unit: TimeUnit

    @field_validator("amount")
    @classmethod
    def _not_negative(cls, amount: Decimal) -> Decimal:
        if not amount.is_finite() or amount < 0:
            raise ValueError("a legal time is a finite amount >= 0")
        return amount

    @model_validator(mode="after")
    def _whole_calendar_days(self) -> LegalTime:
        if self.unit is TimeUnit.CALENDAR_DAYS and self.amount != self.amount.to_integral_value():
            raise ValueError("calendar days must be a whole number")
        return self

    @classmethod
    def hours(cls, amount: Decimal | int | str) -> LegalTime:
        """``amount`` working hours."""
        return cls(Decimal(amount), TimeUnit.HOURS)

    @classmethod
    def working_days(cls, amount: Decimal | int | str) -> LegalTime:
        """``amount`` working days (Saturdays, Sundays and days off skipped)."""
        return cls(Decimal(amount), TimeUnit.WORKING_DAYS)

    @classmethod
    def calendar_days(cls, amount: Decimal | int | str) -> LegalTime:
        """``amount`` calendar days (the end moves off a non-working day)."""
        return cls(Decimal(amount), TimeUnit.CALENDAR_DAYS)

    def __str__(self) -> str:
        return f"{self.amount.normalize():f} {self.unit.value.replace('_', ' ')}"


__all__ = ["LegalTime", "TimeUnit"]
