from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from tthc.kit.clock import VIETNAM
from tthc.kit.worktime import (
    HolidayCalendar,
    HolidayDataMissingError,
    LegalTime,
    TimeUnit,
    WorkingCalendar,
    WorkingHours,
    default_calendar,
)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return default_calendar()


def test_working_hours_within_the_same_morning(calendar: WorkingCalendar) -> None:
    assert calendar.due_date(vn(2024, 3, 5, 8, 0), LegalTime.hours(2)) == vn(2024, 3, 5, 10, 0)


def test_hours_skip_the_lunch_break(calendar: WorkingCalendar) -> None:
    # 10:30 + 2 h = 1 h before lunch + 1 h after 13:30
    assert calendar.due_date(vn(2024, 3, 5, 10, 30), LegalTime.hours(2)) == vn(2024, 3, 5, 14, 30)


def test_reception_during_lunch_counts_from_the_afternoon_opening(calendar: WorkingCalendar) -> None:
    assert calendar.due_date(vn(2024, 3, 5, 12, 15), LegalTime.hours(1)) == vn(2024, 3, 5, 14, 30)


def test_late_afternoon_receipt_carries_into_the_next_morning(calendar: WorkingCalendar) -> None:
    # 16:45 Tuesday + 2 working hours = 15 min on Tuesday + 1 h 45 on Wednesday
    assert calendar.due_date(vn(2024, 3, 5, 16, 45), LegalTime.hours(2)) == vn(2024, 3, 6, 8, 45)


def test_reception_after_closing_starts_the_next_working_morning(calendar: WorkingCalendar) -> None:
    assert calendar.due_date(vn(2024, 3, 5, 18, 30), LegalTime.hours(3)) == vn(2024, 3, 6, 10, 0)


def test_early_receipt_snaps_to_opening(calendar: WorkingCalendar) -> None:
    assert calendar.due_date(vn(2024, 3, 5, 5, 40), LegalTime.hours(1)) == vn(2024, 3, 5, 8, 0)


def test_friday_evening_receipt_counts_from_monday(calendar: WorkingCalendar) -> None:
    assert calendar.due_date(vn(2024, 3, 8, 17, 30), LegalTime.hours(8)) == vn(2024, 3, 11, 17, 0)


def test_working_days_keep_the_clock_time_and_skip_the_weekend(calendar: WorkingCalendar) -> None:
    # Thursday 09:15 + 3 working days: Fri, Mon, Tue
    assert calendar.due_date(vn(2024, 3, 7, 9, 15), LegalTime.working_days(3)) == vn(2024, 3, 12, 9, 15)


def test_working_days_ending_at_a_boundary_fall_at_the_closing(calendar: WorkingCalendar) -> None:
    # received after hours on Monday: counting starts Tuesday 07:00, one full day runs out Tuesday 17:00
    assert calendar.due_date(vn(2024, 3, 4, 19, 0), LegalTime.working_days(1)) == vn(2024, 3, 5, 17, 0)


def test_half_a_working_day_is_four_hours(calendar: WorkingCalendar) -> None:
    # 09:00 + 4 h = 2 h 30 before lunch + 1 h 30 after 13:30
    assert calendar.due_date(vn(2024, 3, 5, 9, 0), LegalTime.working_days("0.5")) == vn(2024, 3, 5, 15, 0)


def test_tet_2024_is_skipped(calendar: WorkingCalendar) -> None:
    # Wednesday 07/02/2024 16:45 + 2 h: the break runs 08–14/02, so the rest falls on Thursday 15/02
    assert calendar.due_date(vn(2024, 2, 7, 16, 45), LegalTime.hours(2)) == vn(2024, 2, 15, 8, 45)
    assert calendar.due_date(vn(2024, 2, 6, 10, 0), LegalTime.working_days(2)) == vn(2024, 2, 15, 10, 0)


def test_april_break_2024_with_the_swapped_saturday(calendar: WorkingCalendar) -> None:
    # Friday 26/04 + 3 working days: 27–28 weekend, 29 swapped off, 30/4 and 1/5 holidays,
    # then Thu 02/05, Fri 03/05 and the swapped working Saturday 04/05
    assert calendar.due_date(vn(2024, 4, 26, 10, 0), LegalTime.working_days(3)) == vn(2024, 5, 4, 10, 0)


def test_swapped_saturday_2025_is_a_working_day(calendar: WorkingCalendar) -> None:
    assert calendar.is_working_day(date(2025, 4, 26))
    assert not calendar.is_working_day(date(2025, 5, 2))
    # Friday 25/04 + 1 working day lands on Saturday 26/04
    assert calendar.due_date(vn(2025, 4, 25, 8, 0), LegalTime.working_days(1)) == vn(2025, 4, 26, 8, 0)


def test_national_day_2025_is_skipped(calendar: WorkingCalendar) -> None:
    # Friday 29/08/2025 + 1 working day: weekend, then 1/9 and 2/9 off, so Wednesday 03/09
    assert calendar.due_date(vn(2025, 8, 29, 14, 0), LegalTime.working_days(1)) == vn(2025, 9, 3, 14, 0)


def test_calendar_days_landing_on_a_holiday_move_to_the_next_working_day(calendar: WorkingCalendar) -> None:
    # Friday 26/04/2024 + 4 calendar days = Tuesday 30/04 (holiday), 01/05 holiday, so Thursday 02/05
    due = calendar.due_date(vn(2024, 4, 26, 10, 0), LegalTime.calendar_days(4))
    assert due == vn(2024, 5, 2, 17, 0)


def test_calendar_days_count_weekends_but_never_end_on_one(calendar: WorkingCalendar) -> None:
    # Wednesday 06/03/2024 + 7 calendar days = Wednesday 13/03; + 3 = Saturday 09/03 -> Monday 11/03
    assert calendar.due_date(vn(2024, 3, 6, 9, 0), LegalTime.calendar_days(7)) == vn(2024, 3, 13, 17, 0)
    assert calendar.due_date(vn(2024, 3, 6, 9, 0), LegalTime.calendar_days(3)) == vn(2024, 3, 11, 17, 0)


def test_input_in_another_timezone_is_read_as_the_same_instant(calendar: WorkingCalendar) -> None:
    received = datetime(2024, 3, 5, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    due = calendar.due_date(received, LegalTime.hours(1))
    assert due == vn(2024, 3, 5, 9, 0)
    assert due.utcoffset() == timedelta(hours=7)


def test_naive_input_is_rejected(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        calendar.due_date(datetime(2024, 3, 5, 9, 0), LegalTime.hours(1))
    with pytest.raises(ValueError, match="naive"):
        calendar.next_working_instant(datetime(2024, 3, 5, 9, 0))


def test_a_year_without_data_is_an_error_not_a_year_without_holidays(calendar: WorkingCalendar) -> None:
    with pytest.raises(HolidayDataMissingError, match="2031"):
        calendar.is_working_day(date(2031, 3, 5))
    with pytest.raises(HolidayDataMissingError, match=r"2028\.toml"):
        calendar.due_date(vn(2027, 12, 30, 9, 0), LegalTime.working_days(5))


def test_supplement_pause_over_a_weekend_shifts_by_the_working_days_lost(calendar: WorkingCalendar) -> None:
    # paused Friday 01/03/2024, resumed Monday 04/03: one working day (Monday) is lost
    due = vn(2024, 3, 6, 10, 0)
    assert calendar.shift_for_pause(due, vn(2024, 3, 1, 15, 0), vn(2024, 3, 4, 9, 0)) == vn(2024, 3, 7, 10, 0)


def test_supplement_returned_the_same_day_does_not_move_the_due_date(calendar: WorkingCalendar) -> None:
    due = vn(2024, 3, 6, 17, 0)
    assert calendar.shift_for_pause(due, vn(2024, 3, 4, 8, 0), vn(2024, 3, 4, 16, 0)) == due


def test_supplement_pause_over_tet_counts_only_working_days(calendar: WorkingCalendar) -> None:
    # paused Tue 06/02/2024, resumed Fri 16/02: working days lost are 07/02, 15/02 and 16/02
    due = vn(2024, 2, 20, 9, 0)
    shifted = calendar.shift_for_pause(due, vn(2024, 2, 6, 9, 0), vn(2024, 2, 16, 9, 0))
    assert shifted == vn(2024, 2, 23, 9, 0)


def test_pause_that_ends_before_it_starts_is_rejected(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="before the pause"):
        calendar.shift_for_pause(vn(2024, 3, 6, 9), vn(2024, 3, 4, 9), vn(2024, 3, 1, 9))


def test_working_days_between_counts_the_half_open_interval(calendar: WorkingCalendar) -> None:
    assert calendar.working_days_between(date(2024, 3, 1), date(2024, 3, 4)) == 1
    assert calendar.working_days_between(date(2024, 3, 4), date(2024, 3, 8)) == 4
    assert calendar.working_days_between(date(2024, 3, 8), date(2024, 3, 4)) == -4
    assert calendar.working_days_between(date(2024, 2, 7), date(2024, 2, 15)) == 1


def test_add_working_days_forwards_and_backwards(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2024, 4, 26), 2) == date(2024, 5, 3)
    assert calendar.add_working_days(date(2024, 5, 3), -2) == date(2024, 4, 26)
    assert calendar.add_working_days(date(2024, 4, 27), 0) == date(2024, 4, 27)


def test_next_working_instant(calendar: WorkingCalendar) -> None:
    assert calendar.next_working_instant(vn(2024, 3, 5, 9, 0)) == vn(2024, 3, 5, 9, 0)
    assert calendar.next_working_instant(vn(2024, 3, 5, 11, 30)) == vn(2024, 3, 5, 13, 30)
    assert calendar.next_working_instant(vn(2024, 3, 5, 17, 0)) == vn(2024, 3, 6, 7, 0)
    assert calendar.next_working_instant(vn(2024, 2, 9, 9, 0)) == vn(2024, 2, 15, 7, 0)


def test_working_time_between_skips_nights_lunch_and_days_off(calendar: WorkingCalendar) -> None:
    assert calendar.working_time_between(vn(2024, 3, 1, 15, 0), vn(2024, 3, 4, 9, 0)) == timedelta(hours=4)
    assert calendar.working_time_between(vn(2024, 3, 5, 11, 0), vn(2024, 3, 5, 14, 0)) == timedelta(hours=1)


def test_custom_working_hours() -> None:
    hours = WorkingHours.parse("08:00-12:00, 13:00-17:00")
    calendar = WorkingCalendar(default_calendar().holidays, hours)
    assert hours.day_length == timedelta(hours=8)
    assert calendar.due_date(vn(2024, 3, 5, 11, 0), LegalTime.hours(2)) == vn(2024, 3, 5, 14, 0)


@pytest.mark.parametrize("text", ["", "07:00-06:00", "07:00-12:00,11:00-17:00", "seven-eleven", "07:00"])
def test_bad_working_hours_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="working"):
        WorkingHours.parse(text)


def test_default_windows_sum_to_eight_hours() -> None:
    hours = WorkingHours()
    assert hours.windows[0] == (time(7, 0), time(11, 30))
    assert hours.day_length == timedelta(hours=8)


def test_legal_time_rules() -> None:
    assert LegalTime(Decimal(3), TimeUnit.WORKING_DAYS) == LegalTime.working_days(3)
    with pytest.raises(ValueError, match="whole number"):
        LegalTime.calendar_days("1.5")
    with pytest.raises(ValueError, match=">= 0"):
        LegalTime.hours(-1)


def test_an_empty_holiday_calendar_still_requires_declared_years() -> None:
    calendar = WorkingCalendar(HolidayCalendar([], years=[2030]))
    assert calendar.due_date(vn(2030, 1, 4, 9, 0), LegalTime.working_days(1)) == vn(2030, 1, 7, 9, 0)
    with pytest.raises(HolidayDataMissingError):
        calendar.is_working_day(date(2031, 1, 1))
