"""Index periods (kỳ): month, quarter, half-year, year and date ranges; calendar or legal reporting window.

A period is a closed range of civil dates in Asia/Ho_Chi_Minh, `first_day`..`last_day` (both inclusive, as
the law writes "từ ngày … đến hết ngày …"). As instants it is half-open: `start` = first_day 00:00 local
(included), `end` = the day after last_day 00:00 local (excluded), so consecutive periods tile time.

The legal reporting window (thời gian chốt số liệu, NĐ 09/2019) runs from the 15th of the month before the
first month to the 14th of the last month: March = 15 Feb..14 Mar, Q1 = 15 Dec (previous year)..14 Mar,
year = 15 Dec (previous year)..14 Dec.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_CUTOFF_DAY = 15  # reporting windows start on the 15th and end on the 14th


class PeriodError(ValueError):
    """A period that cannot exist (bad text, month 13, a range that ends before it starts, …)."""


class PeriodKind(StrEnum):
    """The length of a period."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half-year"
    YEAR = "year"
    RANGE = "range"


class Window(StrEnum):
    """Calendar months, or the legal reporting window shifted to the 15th."""

    CALENDAR = "calendar"
    REPORTING = "reporting"


_MONTHS_PER = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF_YEAR: 6, PeriodKind.YEAR: 12}
_REPORTING_PREFIX = "reporting:"
_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-Q([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})-H([12])$"), PeriodKind.HALF_YEAR),
    (re.compile(r"^(\d{4})()$"), PeriodKind.YEAR),
)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VIETNAM)


def local_date(at: datetime) -> date:
    """The civil date of an aware instant in Asia/Ho_Chi_Minh."""
    if at.tzinfo is None:
        raise PeriodError(f"naive datetime {at!r}: instants must carry a timezone")
    return at.astimezone(VIETNAM).date()


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    months = year * 12 + (month - 1) + delta
    return months // 12, months % 12 + 1


@dataclass(frozen=True, slots=True)
class Period:
    """A period of the index. Build it with `month`, `quarter`, `half_year`, `year`, `range` or `parse`.

    `year` and `index` (month 1–12, quarter 1–4, half 1–2; 1 for a year) identify a named period; both are
    None for a range.
    """

    kind: PeriodKind
    window: Window
    first_day: date
    last_day: date
    year: int | None = None
    index: int | None = None
    # the instants, computed once (counting asks for them once per dossier)
    _start: datetime = field(init=False, repr=False, compare=False)
    _end: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise PeriodError(f"period ends ({self.last_day}) before it starts ({self.first_day})")
        object.__setattr__(self, "_start", _midnight(self.first_day))
        object.__setattr__(self, "_end", _midnight(self.last_day + timedelta(days=1)))

    # -- constructors --------------------------------------------------------------------------------------

    @classmethod
    def _named(cls, kind: PeriodKind, year: int, index: int, window: Window) -> Period:
        span = _MONTHS_PER[kind]
        if not 2 <= year <= 9998:
            raise PeriodError(f"year {year} is out of range")
        if not 1 <= index <= 12 // span:
            raise PeriodError(f"{kind} {index} does not exist")
        first_month = (index - 1) * span + 1
        last_month = first_month + span - 1
        if window is Window.CALENDAR:
            first = date(year, first_month, 1)
            next_year, next_month = _month_shift(year, last_month, 1)
            last = date(next_year, next_month, 1) - timedelta(days=1)
        else:
            prev_year, prev_month = _month_shift(year, first_month, -1)
            first = date(prev_year, prev_month, _CUTOFF_DAY)
            last = date(year, last_month, _CUTOFF_DAY - 1)
        return cls(kind, window, first, last, year, index)

    @classmethod
    def month(cls, year: int, month: int, window: Window = Window.CALENDAR) -> Period:
        """A month (calendar, or 15th of the previous month..14th of this one)."""
        return cls._named(PeriodKind.MONTH, year, month, window)

    @classmethod
    def quarter(cls, year: int, quarter: int, window: Window = Window.CALENDAR) -> Period:
        """A quarter (Q1 reporting window = 15 Dec of the previous year..14 Mar)."""
        return cls._named(PeriodKind.QUARTER, year, quarter, window)

    @classmethod
    def half_year(cls, year: int, half: int, window: Window = Window.CALENDAR) -> Period:
        """A half-year (H1 reporting window = 15 Dec of the previous year..14 Jun)."""
        return cls._named(PeriodKind.HALF_YEAR, year, half, window)

    @classmethod
    def whole_year(cls, year: int, window: Window = Window.CALENDAR) -> Period:
        """A year (reporting window = 15 Dec of the previous year..14 Dec)."""
        return cls._named(PeriodKind.YEAR, year, 1, window)

    @classmethod
    def range(cls, first_day: date, last_day: date) -> Period:
        """An arbitrary range of civil dates, both inclusive."""
        return cls(PeriodKind.RANGE, Window.CALENDAR, first_day, last_day)

    @classmethod
    def parse(cls, text: str, window: Window = Window.CALENDAR) -> Period:
        """Parses "2024-03", "2024-Q1", "2024-H1", "2024" or "2024-03-01..2024-03-15".

        A "reporting:" prefix (as `str()` writes it) selects the legal reporting window.

        Raises:
            PeriodError: the text is not a period.
        """
        text = text.strip()
        if text.startswith(_REPORTING_PREFIX):
            text, window = text.removeprefix(_REPORTING_PREFIX), Window.REPORTING
        if found := _RANGE.match(text):
            try:
                first, last = (date.fromisoformat(part) for part in found.groups())
            except ValueError as error:
                raise PeriodError(f"not a date range: {text!r}") from error
            return cls.range(first, last)
        for pattern, kind in _PATTERNS:
            if found := pattern.match(text):
                year, index = int(found.group(1)), int(found.group(2) or 1)
                return cls._named(kind, year, index, window)
        expected = "2024-03, 2024-Q1, 2024-H1, 2024 or 2024-03-01..2024-03-15"
        raise PeriodError(f"not a period: {text!r} (expected {expected})")

    @classmethod
    def current(cls, now: datetime, kind: PeriodKind, window: Window = Window.CALENDAR) -> Period:
        """The period of `kind` that contains `now`.

        Raises:
            PeriodError: `kind` is RANGE (a range has no "current" one).
        """
        if kind is PeriodKind.RANGE:
            raise PeriodError("a range has no current period")
        day = local_date(now)
        year, month = day.year, day.month
        if window is Window.REPORTING and day.day >= _CUTOFF_DAY:
            year, month = _month_shift(year, month, 1)
        return cls._named(kind, year, (month - 1) // _MONTHS_PER[kind] + 1, window)

    # -- instants ------------------------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """First instant (included): first_day 00:00 in Asia/Ho_Chi_Minh."""
        return self._start

    @property
    def end(self) -> datetime:
        """First instant after the period (excluded): the day after last_day, 00:00 local."""
        return self._end

    @property
    def last_instant(self) -> datetime:
        """The last representable instant inside the period (end − 1 µs)."""
        return self.end - timedelta(microseconds=1)

    @property
    def days(self) -> int:
        """Number of civil days in the period."""
        return (self.last_day - self.first_day).days + 1

    def contains(self, at: datetime) -> bool:
        """True when the instant lies in [start, end)."""
        if at.tzinfo is None:
            raise PeriodError(f"naive datetime {at!r}: instants must carry a timezone")
        return self._start <= at < self._end

    def as_of(self, now: datetime) -> datetime:
        """The instant the period is judged at: min(end, now) (the open period is judged at "now")."""
        return min(self.end, now)

    def is_closed(self, now: datetime) -> bool:
        """The period is over at `now` (its figures are final)."""
        return now >= self.end

    def is_open(self, now: datetime) -> bool:
        """`now` lies inside the period (its figures are live and provisional)."""
        return self.contains(now)

    # -- navigation ----------------------------------------------------------------------------------------

    def months(self) -> Iterator[Period]:
        """The months of a named period, in the same window (a month yields itself).

        Raises:
            PeriodError: the period is a range.
        """
        year, index = self._identity()
        span = _MONTHS_PER[self.kind]
        for month in range((index - 1) * span + 1, index * span + 1):
            yield Period.month(year, month, self.window)

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (negative = earlier), same kind and window.

        Raises:
            PeriodError: the period is a range.
        """
        year, index = self._identity()
        per_year = 12 // _MONTHS_PER[self.kind]
        absolute = year * per_year + (index - 1) + steps
        return Period._named(self.kind, absolute // per_year, absolute % per_year + 1, self.window)

    def share_of_year(self) -> Fraction:
        """The period's share of a year: 1/12 for a month, 1/4 a quarter, … (a range: days / 365)."""
        if self.kind is PeriodKind.RANGE:
            return Fraction(self.days, 365)
        return Fraction(_MONTHS_PER[self.kind], 12)

    def _identity(self) -> tuple[int, int]:
        if self.year is None or self.index is None:
            raise PeriodError("a date range has no months or neighbours")
        return self.year, self.index

    def __str__(self) -> str:
        if self.kind is PeriodKind.RANGE:
            return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"
        year, index = self._identity()
        suffix = {
            PeriodKind.MONTH: f"-{index:02d}",
            PeriodKind.QUARTER: f"-Q{index}",
            PeriodKind.HALF_YEAR: f"-H{index}",
            PeriodKind.YEAR: "",
        }[self.kind]
        prefix = _REPORTING_PREFIX if self.window is Window.REPORTING else ""
        return f"{prefix}{year}{suffix}"
