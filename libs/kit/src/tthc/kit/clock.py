"""Injected time. Every service reads "now" through a Clock, never from the system directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    """A source of the current instant (timezone-aware)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; for tests, simulations and "as of" evaluation."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def local(at: datetime) -> datetime:
    """The same instant as civil time in Asia/Ho_Chi_Minh."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: all instants must carry a timezone")
    return at.astimezone(VIETNAM)
