"""The result of scoring one unit for one period (bảng điểm)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tthc.indicators.domain.scoring.metrics import GroupCode, MetricCode


@dataclass(frozen=True, slots=True)
class MetricScore:
    """One metric's figures, in the portal's conventions.

    `ratio` is a percentage rounded half-up to 2 decimals (None when null); `score` is rounded half-up to
    2 decimals, None when null (denominator 0 under a null rule, no input, or a tracked metric with
    `max_score` 0). `rule` describes how the score was computed; `flags` carries data-quality notes.
    """

    code: MetricCode
    name: str
    name_vi: str
    group: GroupCode
    numerator: int | None
    denominator: int | None
    ratio: Decimal | None
    score: Decimal | None
    max_score: int
    rule: str
    flags: frozenset[str]


@dataclass(frozen=True, slots=True)
class GroupScore:
    """One group's total: the sum of its rounded, non-null metric scores; None when no metric had inputs."""

    code: GroupCode
    name: str
    name_vi: str
    max_score: int
    score: Decimal | None

    @property
    def ratio(self) -> Decimal | None:
        """Returns score / max × 100 rounded half-up to 2 decimals, the portal's unit `ratio`."""
        if self.score is None or self.max_score == 0:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Scorecard:
    """All groups and metrics of one unit and period, and the total out of 100 (null groups count 0)."""

    groups: tuple[GroupScore, ...]
    metrics: tuple[MetricScore, ...]
    total: Decimal

    @property
    def max_total(self) -> int:
        """Returns the sum of the group maxima (100 under every configuration)."""
        return sum(group.max_score for group in self.groups)

    def group(self, code: GroupCode) -> GroupScore:
        """Returns the group with this code."""
        return next(group for group in self.groups if group.code == code)

    def metric(self, code: MetricCode) -> MetricScore:
        """Returns the metric with this code."""
        return next(metric for metric in self.metrics if metric.code == code)

    def metrics_of(self, code: GroupCode) -> tuple[MetricScore, ...]:
        """Returns the metrics of one group, in definition order."""
        return tuple(metric for metric in self.metrics if metric.group == code)
