"""Reconciles a portal response with the engine: every figure recomputed from the response's counts alone.

Published scores and ratios are never used as inputs; the one exception is a ratio-only metric
(ELECTRONIC_CERTIFIED_COPY), which has no counts, so its published ratio is its input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from tthc.indicators.domain.scoring import DEFAULT, Scorecard, ScoringConfig, score_unit
from tthc.indicators.portal.model import PortalMetric, PortalResponse, PortalUnit

OursLookup = Callable[[str, str | None], Scorecard | None]
"""(unit_code, period) → our own event-derived scorecard, or None when the suite holds no data for it."""


@dataclass(frozen=True, slots=True)
class ReconcileRow:
    """One compared figure: a metric of a unit, or (metric = group code) the unit's group total.

    `comparable` is True when the portal published the figure and the response carries the inputs to
    recompute it; only comparable rows count as matches or mismatches.
    """

    endpoint: str
    unit_code: str
    unit_name: str
    metric: str
    portal_score: Decimal | None
    recomputed_score: Decimal | None
    comparable: bool
    ours_score: Decimal | None = None
    listed: bool = True  # False for a part the response does not list (computed from its raw counts)

    @property
    def diff(self) -> Decimal | None:
        """Returns recomputed − portal, None unless both are numbers."""
        if self.portal_score is None or self.recomputed_score is None:
            return None
        return self.recomputed_score - self.portal_score

    @property
    def matches(self) -> bool:
        """True when the row is comparable and both figures are equal (null = null included)."""
        return self.comparable and self.portal_score == self.recomputed_score

    def as_json(self) -> dict[str, object]:
        """Returns the row with exactly the public keys; numbers as JSON numbers."""
        return {
            "endpoint": self.endpoint,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "metric": self.metric,
            "portal_score": _number(self.portal_score),
            "recomputed_score": _number(self.recomputed_score),
            "diff": _number(self.diff),
        }


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    """Counts over a set of rows."""

    rows: int
    comparable: int
    exact: int
    max_abs_diff: Decimal

    @classmethod
    def of(cls, rows: Iterable[ReconcileRow]) -> ReconcileSummary:
        """Summarises rows."""
        listed = list(rows)
        diffs = [abs(row.diff) for row in listed if row.comparable and row.diff is not None]
        return cls(
            rows=len(listed),
            comparable=sum(row.comparable for row in listed),
            exact=sum(row.matches for row in listed),
            max_abs_diff=max(diffs, default=Decimal("0.00")),
        )


def reconcile(
    response: PortalResponse,
    ours: OursLookup | None = None,
    *,
    period: str | None = None,
    config: ScoringConfig = DEFAULT,
) -> list[ReconcileRow]:
    """Returns one row per listed metric and one group-total row per unit, recomputed by the engine."""
    rows: list[ReconcileRow] = []
    for unit in response.units:
        card = score_unit(unit.inputs(), config)
        theirs = ours(unit.unit_code, period) if ours is not None else None
        rows += [_metric_row(response, unit, metric, card, theirs) for metric in unit.metrics]
        rows.append(_group_row(response, unit, card, theirs))
    return rows


def _metric_row(
    response: PortalResponse,
    unit: PortalUnit,
    metric: PortalMetric,
    card: Scorecard,
    theirs: Scorecard | None,
) -> ReconcileRow:
    recomputable = metric.metric is not None and metric.input.is_available
    recomputed = card.metric(metric.metric).score if recomputable and metric.metric is not None else None
    ours_score = (
        theirs.metric(metric.metric).score if theirs is not None and metric.metric is not None else None
    )
    return ReconcileRow(
        endpoint=response.endpoint.value,
        unit_code=unit.unit_code,
        unit_name=unit.name,
        metric=metric.code,
        portal_score=metric.portal_score,
        recomputed_score=recomputed,
        comparable=recomputable and metric.published,
        ours_score=ours_score,
        listed=metric.published,
    )


def _group_row(
    response: PortalResponse, unit: PortalUnit, card: Scorecard, theirs: Scorecard | None
) -> ReconcileRow:
    group = response.endpoint.group
    recomputed = card.group(group).score
    return ReconcileRow(
        endpoint=response.endpoint.value,
        unit_code=unit.unit_code,
        unit_name=unit.name,
        metric=group.value,
        portal_score=unit.portal_total,
        recomputed_score=recomputed,
        comparable=recomputed is not None and unit.portal_total is not None,
        ours_score=theirs.group(group).score if theirs is not None else None,
    )


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
