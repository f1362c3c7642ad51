"""Which periods the index gauges show: the current month, quarter and year, or a fixed reporting list.

Setting ``TTHC_INDICATORS_METRICS_PERIODS`` (e.g. ``"2024-03,2024-Q1,2024"``) pins the list, so a demo on
2024 data shows figures whatever today's date is; empty (the default) = the periods that contain "now" on
the injected clock. Ranges are refused: a gauge's ``period`` label names a month, quarter, half-year or year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tthc.indicators.domain.periods import Period, PeriodError, PeriodKind

CURRENT_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)


@dataclass(frozen=True, slots=True)
class MetricsPeriods:
    """The periods to expose: `fixed` when given, else the current month, quarter and year."""

    fixed: tuple[Period, ...] = ()

    @classmethod
    def parse(cls, text: str) -> MetricsPeriods:
        """Reads a comma-separated list ("" = the current periods).

        Raises:
            PeriodError: an item is not a period, is a date range, or is listed twice.
        """
        items = [item.strip() for item in text.split(",") if item.strip()]
        periods = tuple(Period.parse(item) for item in items)
        for period in periods:
            if period.kind is PeriodKind.RANGE:
                raise PeriodError(
                    f"a date range cannot label a gauge: {period}; use a month, quarter or year"
                )
        if len(set(periods)) != len(periods):
            raise PeriodError(f"a period is listed twice in {text!r}")
        return cls(periods)

    def at(self, now: datetime) -> tuple[Period, ...]:
        """The periods to expose at `now`."""
        if self.fixed:
            return self.fixed
        return tuple(Period.current(now, kind) for kind in CURRENT_KINDS)


def period_labels(period: Period) -> tuple[str, str]:
    """The gauge labels of a period: (`period_kind`, `period`), e.g. ("month", "2024-03")."""
    return str(period.kind), str(period)
