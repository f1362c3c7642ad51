"""The holiday calendar: public holidays, compensatory days off and swapped working Saturdays, per year.

The calendar is data, one TOML file per year (``data/holidays/<year>.toml``); adding a year is adding a file.
A date in a year without a file is an error, never silently "no holidays".
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from importlib.resources import files
from importlib.resources.abc import Traversable

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

SATURDAY = 5


class DayKind(StrEnum):
    """Why a date differs from the ordinary Monday–Friday week."""

    HOLIDAY = "holiday"  # ngày nghỉ lễ, Tết
    COMPENSATORY_DAY_OFF = "compensatory_day_off"  # ngày nghỉ bù (or a weekday swapped off)
    SWAPPED_WORKING_DAY = "swapped_working_day"  # ngày làm bù: a weekend day worked instead


class CalendarDay(BaseModel):
    """One dated entry of the calendar, with its Vietnamese name."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    date: date
    kind: DayKind
    name: str

    @field_validator("name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("every calendar day needs a name")
        return name


class HolidayDataMissingError(LookupError):
    """A date falls in a year for which no holiday data is loaded."""

    def __init__(self, year: int, known: Iterable[int]) -> None:
        self.year = year
        known_text = ", ".join(str(y) for y in sorted(known)) or "none"
        super().__init__(
            f"no holiday calendar for {year} (loaded years: {known_text}); "
            f"add data/holidays/{year}.toml with that year's official schedule"
        )


class HolidayDataError(ValueError):
    """A holiday data file is malformed or inconsistent."""


class HolidayCalendar:
    """Which dates are working days for civil servants, for the loaded years."""

    def __init__(self, days: Iterable[CalendarDay], years: Iterable[int]) -> None:
        self._years = frozenset(years)
        self._days: dict[date, CalendarDay] = {}
        for day in days:
            _check_entry(day, self._years, self._days)
            self._days[day.date] = day

    @classmethod
    def from_directory(cls, directory: Traversable) -> HolidayCalendar:
        """Loads every ``<year>.toml`` in ``directory``."""
        sources = sorted(
            (entry for entry in directory.iterdir() if entry.name.endswith(".toml")), key=lambda e: e.name
        )
        loaded = [_read_year(source) for source in sources]
        return cls((day for _, days in loaded for day in days), (year for year, _ in loaded))

    @property
    def years(self) -> frozenset[int]:
        """The years this calendar knows."""
        return self._years

    def entry(self, day: date) -> CalendarDay | None:
        """The calendar entry of ``day``, if it has one."""
        self._require_year(day.year)
        return self._days.get(day)

    def entries(self, year: int) -> list[CalendarDay]:
        """All entries of ``year``, in date order."""
        self._require_year(year)
        return sorted((d for d in self._days.values() if d.date.year == year), key=lambda d: d.date)

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is no day off, and on a swapped working Saturday/Sunday.

        Raises:
            HolidayDataMissingError: the year has no data.
        """
        entry = self.entry(day)
        if entry is None:
            return day.weekday() < SATURDAY
        return entry.kind is DayKind.SWAPPED_WORKING_DAY

    def _require_year(self, year: int) -> None:
        if year not in self._years:
            raise HolidayDataMissingError(year, self._years)


def shipped_holidays() -> HolidayCalendar:
    """The calendar shipped with the kit (reads the package data on each call)."""
    return HolidayCalendar.from_directory(files("tthc.kit.worktime") / "data" / "holidays")


def _read_year(source: Traversable) -> tuple[int, list[CalendarDay]]:
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
        year = int(document["year"])
        days = [CalendarDay.model_validate(raw) for raw in document.get("days", [])]
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, ValidationError) as error:
        raise HolidayDataError(f"{source.name}: {error}") from error
    if source.name != f"{year}.toml":
        raise HolidayDataError(f"{source.name}: declares year {year}; the file must be named {year}.toml")
    return year, days


def _check_entry(day: CalendarDay, years: frozenset[int], seen: dict[date, CalendarDay]) -> None:
    if day.date.year not in years:
        raise HolidayDataError(f"{day.date} ({day.name}) is outside the declared years")
    if day.date in seen:
        raise HolidayDataError(f"{day.date} is listed twice ({seen[day.date].name!r}, {day.name!r})")
    if day.kind is DayKind.SWAPPED_WORKING_DAY and day.date.weekday() < SATURDAY:
        raise HolidayDataError(f"{day.date} ({day.name}): a swapped working day must be a Saturday or Sunday")
