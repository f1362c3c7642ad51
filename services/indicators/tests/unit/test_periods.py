"""Periods: parsing, calendar and legal reporting windows, local-time boundaries, navigation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc.indicators.domain.periods import Period, PeriodError, PeriodKind, Window

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024-03", date(2024, 3, 1), date(2024, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-03-05..2024-04-02", date(2024, 3, 5), date(2024, 4, 2)),
    ],
)
def test_parses_calendar_periods(text: str, first: date, last: date) -> None:
    period = Period.parse(text)
    assert (period.first_day, period.last_day) == (first, last)
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024-03", date(2024, 2, 15), date(2024, 3, 14)),
        ("2024-01", date(2023, 12, 15), date(2024, 1, 14)),
        ("2024-Q1", date(2023, 12, 15), date(2024, 3, 14)),
        ("2024-Q2", date(2024, 3, 15), date(2024, 6, 14)),
        ("2024-Q3", date(2024, 6, 15), date(2024, 9, 14)),
        ("2024-Q4", date(2024, 9, 15), date(2024, 12, 14)),
        ("2024-H1", date(2023, 12, 15), date(2024, 6, 14)),
        ("2024", date(2023, 12, 15), date(2024, 12, 14)),
    ],
)
def test_legal_reporting_windows_run_from_the_15th_to_the_14th(text: str, first: date, last: date) -> None:
    period = Period.parse(text, Window.REPORTING)
    assert (period.first_day, period.last_day) == (first, last)
    assert str(period) == f"reporting:{text}"
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-00", "2024-Q5", "2024-H3", "24-03", "2024/03", "", "2024-02-30..2024-03-01"]
)
def test_rejects_what_is_not_a_period(text: str) -> None:
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_a_range_cannot_end_before_it_starts() -> None:
    with pytest.raises(PeriodError):
        Period.range(date(2024, 3, 2), date(2024, 3, 1))


def test_boundaries_are_local_midnights_and_the_end_is_excluded() -> None:
    q1 = Period.quarter(2024, 1)
    assert q1.start == datetime(2024, 1, 1, tzinfo=VN)
    assert q1.end == datetime(2024, 4, 1, tzinfo=VN)
    # 31 Mar 17:30 UTC is already 1 April in Vietnam
    assert not q1.contains(datetime(2024, 3, 31, 17, 30, tzinfo=UTC))
    assert q1.contains(datetime(2024, 3, 31, 16, 59, tzinfo=UTC))
    assert q1.contains(q1.start)
    assert not q1.contains(q1.end)
    assert q1.contains(q1.last_instant)
    # 31 Dec 2023 17:00 UTC = 1 Jan 2024 00:00 in Vietnam
    assert q1.contains(datetime(2023, 12, 31, 17, 0, tzinfo=UTC))


def test_naive_instants_are_rejected() -> None:
    with pytest.raises(PeriodError):
        Period.month(2024, 3).contains(datetime(2024, 3, 5))


def test_as_of_and_closing() -> None:
    march = Period.month(2024, 3)
    during = datetime(2024, 3, 10, 12, tzinfo=VN)
    after = datetime(2024, 4, 2, tzinfo=VN)
    assert march.as_of(during) == during
    assert march.as_of(after) == march.end
    assert not march.is_closed(during)
    assert march.is_open(during)
    assert march.is_closed(march.end)
    assert not march.is_open(after)


@pytest.mark.parametrize(
    ("now", "kind", "window", "expected"),
    [
        (datetime(2024, 3, 14, 23, tzinfo=VN), PeriodKind.MONTH, Window.REPORTING, "reporting:2024-03"),
        (datetime(2024, 3, 15, 0, tzinfo=VN), PeriodKind.MONTH, Window.REPORTING, "reporting:2024-04"),
        (datetime(2024, 12, 15, 8, tzinfo=VN), PeriodKind.YEAR, Window.REPORTING, "reporting:2025"),
        (datetime(2024, 12, 15, 8, tzinfo=VN), PeriodKind.QUARTER, Window.REPORTING, "reporting:2025-Q1"),
        (datetime(2024, 12, 31, 18, tzinfo=UTC), PeriodKind.QUARTER, Window.CALENDAR, "2025-Q1"),
        (datetime(2024, 6, 30, 12, tzinfo=VN), PeriodKind.HALF_YEAR, Window.CALENDAR, "2024-H1"),
    ],
)
def test_current_period(now: datetime, kind: PeriodKind, window: Window, expected: str) -> None:
    current = Period.current(now, kind, window)
    assert str(current) == expected
    assert current.contains(now)


def test_months_of_a_quarter_follow_its_window() -> None:
    assert [str(m) for m in Period.quarter(2024, 2).months()] == ["2024-04", "2024-05", "2024-06"]
    legal_q1 = Period.quarter(2024, 1, Window.REPORTING)
    months = list(legal_q1.months())
    assert [m.first_day for m in months] == [date(2023, 12, 15), date(2024, 1, 15), date(2024, 2, 15)]
    assert months[-1].last_day == legal_q1.last_day
    assert len(list(Period.whole_year(2024).months())) == 12


def test_shifting_crosses_year_boundaries() -> None:
    assert str(Period.month(2024, 1).shifted(-1)) == "2023-12"
    assert str(Period.quarter(2024, 4).shifted(1)) == "2025-Q1"
    assert str(Period.whole_year(2024, Window.REPORTING).shifted(-2)) == "reporting:2022"
    with pytest.raises(PeriodError):
        Period.range(date(2024, 1, 1), date(2024, 1, 2)).shifted(1)


def test_share_of_year() -> None:
    assert Period.month(2024, 3).share_of_year() == Fraction(1, 12)
    assert Period.quarter(2024, 3).share_of_year() == Fraction(1, 4)
    assert Period.whole_year(2024).share_of_year() == 1
    assert Period.range(date(2024, 1, 1), date(2024, 3, 13)).share_of_year() == Fraction(73, 365)


@given(
    year=st.integers(2000, 2100),
    kind=st.sampled_from([PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF_YEAR, PeriodKind.YEAR]),
    window=st.sampled_from(list(Window)),
)
def test_consecutive_periods_tile_time(year: int, kind: PeriodKind, window: Window) -> None:
    period = Period.current(datetime(year, 6, 1, tzinfo=VN), kind, window)
    following = period.shifted(1)
    assert following.start == period.end
    assert following.first_day == period.last_day + timedelta(days=1)
    months = list(period.months())
    assert months[0].start == period.start
    assert months[-1].end == period.end
    assert all(a.end == b.start for a, b in itertools.pairwise(months))
