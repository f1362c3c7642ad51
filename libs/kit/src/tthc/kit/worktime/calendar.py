"""Working-time arithmetic: due dates, pauses and working-day counts in Asia/Ho_Chi_Minh civil time.

Conventions (index-766 §3.4):
- Reception outside the working windows counts from the next working instant: after closing → next working
  morning, before opening → opening, during lunch → afternoon opening.
- HOURS consume working time through the windows, across days.
- WORKING_DAYS consume ``n`` full working days of windows: the due instant is at the same working clock
  time ``n`` working days later. When the count ends exactly at a closing time, the due instant is that
  closing (the earliest instant at which the time has run out), not the next opening.
- CALENDAR_DAYS: the last day is the reception date + ``n``, moved forward to a working day, and the time
  runs out at that day's closing (Bộ luật Dân sự 2015 art. 148: a term ends at the end of its last day, and
  a last day that is a rest day or holiday carries over to the next working day). Using the closing keeps
  the due date monotonic in the reception time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from tthc.kit.clock import local
from tthc.kit.worktime.holidays import HolidayCalendar, shipped_holidays
from tthc.kit.worktime.hours import WorkingHours
from tthc.kit.worktime.legal_time import LegalTime, TimeUnit

ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Holiday calendar + office hours: answers every "when is it due" question."""

    def __init__(self, holidays: HolidayCalendar, hours: WorkingHours | None = None) -> None:
        self.holidays = holidays
        self.hours = hours or WorkingHours()

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day (raises HolidayDataMissingError for an unknown year)."""
        return self.holidays.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        day -= ONE_DAY
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n`` < 0; ``day`` itself when 0)."""
        step = self.next_working_day if n >= 0 else self.previous_working_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in ``(a, b]``; negative (−count in ``(b, a]``) when ``b`` < ``a``."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for offset in range(1, (b - a).days + 1) if self.is_working_day(a + offset * ONE_DAY))

    def next_working_instant(self, at: datetime) -> datetime:
        """``at`` itself when inside a working window, else the start of the next window (civil time)."""
        at = local(at)
        day = at.date()
        if self.is_working_day(day):
            for start, end in self.hours.windows_on(day):
                if at < end:
                    return max(at, start)
        return self.hours.opening(self.next_working_day(day))

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of working time has elapsed since ``start``.

        ``start`` is first moved to the next working instant, so a zero duration gives that instant.
        """
        if duration < timedelta():
            raise ValueError("working time to add must not be negative")
        at = self.next_working_instant(start)
        left_today = self._working_time_left(at)
        if duration > left_today:
            duration -= left_today
            day = self.next_working_day(at.date())
            while duration > self.hours.day_length:
                duration -= self.hours.day_length
                day = self.next_working_day(day)
            at = self.hours.opening(day)
        return self._advance_within_day(at, duration)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time elapsed from ``a`` to ``b`` (zero when ``b`` <= ``a``)."""
        a, b = local(a), local(b)
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                for start, end in self.hours.windows_on(day):
                    total += max(timedelta(), min(end, b) - max(start, a))
            day += ONE_DAY
        return total

    def due_date(self, received_at: datetime, legal_time: LegalTime) -> datetime:
        """When a dossier received at ``received_at`` with ``legal_time`` to process is due (ngày hẹn trả)."""
        if legal_time.unit is TimeUnit.CALENDAR_DAYS:
            start = self.next_working_instant(received_at).date()
            last = start + int(legal_time.amount) * ONE_DAY
            if not self.is_working_day(last):
                last = self.next_working_day(last)
            return self.hours.closing(last)
        per_unit = self.hours.day_length if legal_time.unit is TimeUnit.WORKING_DAYS else timedelta(hours=1)
        return self.add_working_time(received_at, _scaled(per_unit, legal_time.amount))

    def shift_for_pause(self, due: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
        """The due instant after a supplement pause (index-766 §3.4 "After a supplement").

        The pause counts the working days in ``(pause date, resume date]``: a supplement returned the same day
        costs nothing, one returned the next working day shifts the due instant by one working day. The due
        instant keeps its working clock time.
        """
        paused_from, resumed_at = local(paused_from), local(resumed_at)
        if resumed_at < paused_from:
            raise ValueError(f"resumed at {resumed_at} before the pause began at {paused_from}")
        days = self.working_days_between(paused_from.date(), resumed_at.date())
        if days == 0:
            return local(due)
        return self.add_working_time(due, days * self.hours.day_length)

    def _working_time_left(self, at: datetime) -> timedelta:
        return sum(
            (end - max(at, start) for start, end in self.hours.windows_on(at.date()) if at < end), timedelta()
        )

    def _advance_within_day(self, at: datetime, duration: timedelta) -> datetime:
        for start, end in self.hours.windows_on(at.date()):
            if at >= end:
                continue
            at = max(at, start)
            if duration <= end - at:
                return at + duration
            duration -= end - at
        raise RuntimeError("working time overflowed the day; callers pass at most the time left today")


@cache
def default_calendar(hours: WorkingHours | None = None) -> WorkingCalendar:
    """The shipped holiday calendar with ``hours`` (default office hours); loaded on first use."""
    return WorkingCalendar(shipped_holidays(), hours)


def _scaled(unit: timedelta, amount: Decimal) -> timedelta:
    microseconds = Decimal(unit // timedelta(microseconds=1)) * amount
    return timedelta(microseconds=int(microseconds.to_integral_value()))
