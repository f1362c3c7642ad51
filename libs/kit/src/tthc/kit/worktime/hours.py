"""Office hours: the daily windows in which working time runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tthc.kit.clock import VIETNAM

Window = tuple[time, time]


@dataclass(frozen=True)
class WorkingHours:
    """The working windows of a day, in civil time (default 07:00–11:30 and 13:30–17:00 = 8 h).

    Raises:
        ValueError: windows empty, inverted or overlapping.
    """

    windows: tuple[Window, ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

    def __post_init__(self) -> None:
        if not self.windows:
            raise ValueError("working hours need at least one window")
        previous_end = time.min
        for start, end in self.windows:
            if not previous_end <= start < end:
                raise ValueError(f"working windows must be ascending and disjoint: {self}")
            previous_end = end

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Reads ``"07:00-11:30,13:30-17:00"`` (the form used in configuration)."""
        try:
            pairs = [part.strip().split("-") for part in text.split(",") if part.strip()]
            windows = tuple((time.fromisoformat(a.strip()), time.fromisoformat(b.strip())) for a, b in pairs)
            return cls(windows)
        except (TypeError, ValueError) as error:
            raise ValueError(f"cannot read working hours {text!r}: {error}") from error

    @property
    def day_length(self) -> timedelta:
        """Working time in one full working day."""
        return sum((_span(start, end) for start, end in self.windows), timedelta())

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's windows as aware instants in Asia/Ho_Chi_Minh."""
        return [(_at(day, start), _at(day, end)) for start, end in self.windows]

    def opening(self, day: date) -> datetime:
        """Start of the first window of ``day``."""
        return _at(day, self.windows[0][0])

    def closing(self, day: date) -> datetime:
        """End of the last window of ``day``."""
        return _at(day, self.windows[-1][1])

    def __str__(self) -> str:
        return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.windows)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=VIETNAM)


def _span(start: time, end: time) -> timedelta:
    day = date(2000, 1, 1)
    return datetime.combine(day, end) - datetime.combine(day, start)
