from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tthc.kit.worktime import DayKind, HolidayCalendar, HolidayDataError, shipped_holidays

NAMED_DAYS_OFF = [
    date(2023, 1, 2),  # nghỉ bù Tết Dương lịch
    date(2023, 1, 26),  # Tết Quý Mão, mùng 5
    date(2023, 5, 3),  # nghỉ bù 30/4
    date(2023, 9, 4),  # nghỉ bù Quốc khánh
    date(2024, 1, 1),
    date(2024, 2, 8),
    date(2024, 2, 14),
    date(2024, 4, 18),  # Giỗ Tổ Hùng Vương
    date(2024, 4, 29),  # swapped off for Saturday 04/05
    date(2024, 9, 3),
    date(2025, 1, 27),
    date(2025, 1, 31),
    date(2025, 4, 7),
    date(2025, 5, 2),
    date(2025, 9, 1),
    date(2026, 2, 17),
    date(2026, 4, 27),
    date(2026, 9, 2),
]


def test_shipped_calendar_covers_2023_to_2026() -> None:
    assert {2023, 2024, 2025, 2026} <= shipped_holidays().years


@pytest.mark.parametrize("day", NAMED_DAYS_OFF, ids=str)
def test_official_days_off_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not shipped_holidays().is_working_day(day)


@pytest.mark.parametrize("day", [date(2024, 5, 4), date(2025, 4, 26)], ids=str)
def test_swapped_saturdays_are_working_days(day: date) -> None:
    assert day.weekday() == 5
    assert shipped_holidays().is_working_day(day)


def test_ordinary_weekdays_work_and_weekends_rest() -> None:
    calendar = shipped_holidays()
    assert calendar.is_working_day(date(2024, 3, 5))
    assert not calendar.is_working_day(date(2024, 3, 9))
    assert not calendar.is_working_day(date(2024, 3, 10))


def test_every_shipped_year_has_the_fixed_national_holidays() -> None:
    calendar = shipped_holidays()
    for year in (2023, 2024, 2025, 2026):
        days = {entry.date for entry in calendar.entries(year) if entry.kind is DayKind.HOLIDAY}
        assert {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)} <= days
        assert all(entry.name.strip() for entry in calendar.entries(year))


def write_year(directory: Path, name: str, body: str) -> None:
    (directory / name).write_text(body, encoding="utf-8")


def test_adding_a_year_is_adding_a_file(tmp_path: Path) -> None:
    write_year(
        tmp_path,
        "2030.toml",
        'year = 2030\n[[days]]\ndate = 2030-01-01\nkind = "holiday"\nname = "Tết Dương lịch"\n',
    )
    calendar = HolidayCalendar.from_directory(tmp_path)
    assert calendar.years == {2030}
    assert not calendar.is_working_day(date(2030, 1, 1))
    assert calendar.is_working_day(date(2030, 1, 2))


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("2030.toml", "year = 2031\n", "must be named 2031.toml"),
        ("2030.toml", 'year = 2030\n[[days]]\ndate = 2030-01-01\nkind = "party"\nname = "x"\n', "kind"),
        ("2030.toml", 'year = 2030\n[[days]]\ndate = 2031-01-01\nkind = "holiday"\nname = "x"\n', "outside"),
        (
            "2030.toml",
            'year = 2030\n[[days]]\ndate = 2030-01-02\nkind = "swapped_working_day"\nname = "x"\n',
            "Saturday or Sunday",
        ),
        ("2030.toml", "year = [\n", "2030.toml"),
        ("2030.toml", 'year = 2030\n[[days]]\ndate = 2030-01-01\nkind = "holiday"\nname = " "\n', "name"),
    ],
)
def test_malformed_year_files_are_rejected_with_the_reason(
    tmp_path: Path, name: str, body: str, reason: str
) -> None:
    write_year(tmp_path, name, body)
    with pytest.raises(HolidayDataError, match=reason):
        HolidayCalendar.from_directory(tmp_path)


def test_a_date_listed_twice_is_rejected(tmp_path: Path) -> None:
    entry = '[[days]]\ndate = 2030-01-01\nkind = "holiday"\nname = "Tết Dương lịch"\n'
    write_year(tmp_path, "2030.toml", "year = 2030\n" + entry + entry)
    with pytest.raises(HolidayDataError, match="listed twice"):
        HolidayCalendar.from_directory(tmp_path)
