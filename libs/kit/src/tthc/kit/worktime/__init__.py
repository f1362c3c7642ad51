"""Working time in Vietnamese civil time: office hours, the holiday calendar and due-date arithmetic.

Typical use::

    calendar = default_calendar()
    due = calendar.due_date(received_at, LegalTime.working_days(3))
"""

from __future__ import annotations

from tthc.kit.worktime.calendar import WorkingCalendar, default_calendar
from tthc.kit.worktime.holidays import (
    CalendarDay,
    DayKind,
    HolidayCalendar,
    HolidayDataError,
    HolidayDataMissingError,
    shipped_holidays,
)
from tthc.kit.worktime.hours import WorkingHours
from tthc.kit.worktime.legal_time import LegalTime, TimeUnit

__all__ = [
    "CalendarDay",
    "DayKind",
    "HolidayCalendar",
    "HolidayDataError",
    "HolidayDataMissingError",
    "LegalTime",
    "TimeUnit",
    "WorkingCalendar",
    "WorkingHours",
    "default_calendar",
    "shipped_holidays",
]
