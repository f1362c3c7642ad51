from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tthc.kit.clock import VIETNAM
from tthc.kit.worktime import LegalTime, TimeUnit, default_calendar

calendar = default_calendar()

# receptions from 2023 to mid-2026 so that every due date stays inside the shipped years
receptions = st.datetimes(
    min_value=datetime(2023, 1, 1),  # hypothesis takes naive bounds plus timezones=
    max_value=datetime(2026, 6, 30),
    timezones=st.just(VIETNAM),
)
day_units = st.sampled_from([TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS])
amounts = st.integers(min_value=1, max_value=60)


@given(receptions, day_units, amounts)
def test_day_based_due_dates_never_fall_on_a_non_working_day(
    received: datetime, unit: TimeUnit, amount: int
) -> None:
    due = calendar.due_date(received, LegalTime(Decimal(amount), unit))
    assert calendar.is_working_day(due.date())
    assert due > received


# a later reception close to the first one: that is where rolling off weekends and holidays could reorder dues
@settings(max_examples=300)
@given(
    receptions,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
    st.sampled_from(list(TimeUnit)),
    amounts,
)
def test_due_date_is_monotonic_in_the_reception_time(
    received: datetime, later_by: timedelta, unit: TimeUnit, amount: int
) -> None:
    legal_time = LegalTime(Decimal(amount), unit)
    assert calendar.due_date(received, legal_time) <= calendar.due_date(received + later_by, legal_time)


@given(receptions, st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=40))
def test_n_then_m_working_days_equals_n_plus_m(received: datetime, n: int, m: int) -> None:
    after_n = calendar.due_date(received, LegalTime.working_days(n))
    direct = calendar.due_date(received, LegalTime.working_days(n + m))
    assert calendar.due_date(after_n, LegalTime.working_days(m)) == direct


@given(
    st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30)),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=60),
)
def test_add_working_days_composes_and_counts_back(start: date, n: int, m: int) -> None:
    twice = calendar.add_working_days(calendar.add_working_days(start, n), m)
    assert twice == calendar.add_working_days(start, n + m)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@settings(max_examples=50)
@given(receptions, st.integers(min_value=1, max_value=30 * 8))
def test_hours_consume_exactly_that_much_working_time(received: datetime, hours: int) -> None:
    due = calendar.due_date(received, LegalTime.hours(hours))
    assert calendar.working_time_between(received, due) == timedelta(hours=hours)
    assert calendar.next_working_instant(received) <= due
