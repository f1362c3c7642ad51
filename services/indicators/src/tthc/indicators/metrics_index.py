"""The 766 index as Prometheus gauges, computed at scrape time from the read model's cached scorecards.

For every unit of the registry and every exposed period (`MetricsPeriods`), with labels ``unit``,
``period_kind`` (month|quarter|half-year|year) and ``period`` (e.g. 2024-03):

- ``tthc_indicators_score{group}``: each group's points, and the total out of 100 as ``group="TOTAL"``;
  ``tthc_indicators_score_max{group}``: the points the group (or the total) can reach;
- ``tthc_indicators_metric_ratio{metric}``: the metric's ratio as a fraction 0–1;
- ``tthc_indicators_target_gap_ratio{target,metric}``: how far that ratio is below the year's target
  (chỉ tiêu) related to the metric, 0 when met — central targets, for the levels a target applies to;
- ``tthc_indicators_scorecards_collect_seconds``: time spent computing this scrape's scorecards (within a
  budget, see `IndexCollector`); ``tthc_indicators_scorecard_age_seconds``: age of the oldest figures shown;
  ``tthc_indicators_scorecard_failures_total``: scorecards that could not be computed (logged and skipped).

A null value (no input, denominator 0 under a null rule, a metric no event feeds yet) has no series: a
gauge cannot say "not available", and a 0 would be a false figure. Label values are bounded by the
registry, the group and metric codes and the target list — never a dossier id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import Scorecard
from tthc.indicators.domain.targets import TargetCatalogue, TargetRow, TargetUnitLevel, gap
from tthc.indicators.metrics_periods import MetricsPeriods, period_labels
from tthc.indicators.projection.units import UnitInfo
from tthc.kit.clock import Clock

log = logging.getLogger(__name__)

TOTAL = "TOTAL"
PERIOD_LABELS = ("period_kind", "period")
_HUNDRED = 100


class ScorecardSource(Protocol):
    """What the collector reads: the registry's units and a unit's scorecard (the `Indicators` model)."""

    def units(self) -> Sequence[UnitInfo]:
        """Every unit of the registry."""
        ...

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
        """The unit's scorecard for the period, as of min(period end, `as_of`)."""
        ...


_Sample = tuple[str, tuple[str, ...], float]  # family name, label values, value
_NEVER = float("-inf")


@dataclass(frozen=True, slots=True)
class _Computed:
    samples: list[_Sample]
    at: float  # on the collector's timer


class IndexCollector:
    """A custom collector of the index gauges (see the module docstring); never raises during a scrape.

    A scrape recomputes scorecards, least recently computed first, until `budget_s` is spent (at least
    one per scrape), and exposes the last computed figures of every unit and period. With warm caches
    every scorecard is recomputed at every scrape; when counting is slow (a cold start, many pending
    dossiers reaching their due dates at once) the scrape stays short and the figures catch up over the
    next scrapes, the age of the oldest one being ``tthc_indicators_scorecard_age_seconds``. A scrape that
    arrives while another one refreshes waits for it and exposes its figures (scrapes never queue up
    refreshes behind a slow count).
    """

    def __init__(
        self,
        source: ScorecardSource,
        clock: Clock,
        periods: MetricsPeriods | None = None,
        targets: Iterable[TargetCatalogue] = (),
        *,
        budget_s: float = 2.0,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._source, self._clock, self._timer, self._budget = source, clock, timer, budget_s
        self._periods = periods or MetricsPeriods()
        self._targets: Mapping[int, TargetCatalogue] = {catalogue.year: catalogue for catalogue in targets}
        self._computed: dict[tuple[str, Period], _Computed] = {}
        self._failures = 0
        self._lock = threading.Lock()  # one scrape at a time refreshes the figures

    def describe(self) -> Iterable[Metric]:
        """The families this collector exposes (without computing anything)."""
        return [*_families().values(), *_self_families(0.0, 0.0, 0)]

    def collect(self) -> Iterable[Metric]:
        """Refreshes the figures within the budget and exposes them; failures are logged and skipped."""
        refresh = self._lock.acquire(blocking=False)  # else another scrape is refreshing: reuse its figures
        if not refresh:
            self._lock.acquire()
        try:
            started = self._timer()
            if refresh:
                self._refresh(started)
            seconds = self._timer() - started
            oldest = max((started - computed.at for computed in self._computed.values()), default=0.0)
            samples = [sample for computed in self._computed.values() for sample in computed.samples]
            failures = self._failures
        finally:
            self._lock.release()
        families = _families()
        for name, labels, value in samples:
            families[name].add_metric(labels, value)
        return [*families.values(), *_self_families(seconds, max(0.0, oldest), failures)]

    def _refresh(self, started: float) -> None:
        try:
            now = self._clock.now()
            periods, units = self._periods.at(now), tuple(self._source.units())
        except Exception:
            log.exception("index gauges: cannot list the units or periods; the last figures stay")
            self._failures += 1
            return
        wanted = {(unit.code, period): unit for period in periods for unit in units}
        for gone in self._computed.keys() - wanted.keys():  # a period that ended, a unit that left
            del self._computed[gone]
        due = sorted(wanted, key=lambda key: self._computed[key].at if key in self._computed else _NEVER)
        for count, (code, period) in enumerate(due):
            if count and self._timer() - started >= self._budget:
                break
            try:
                card = self._source.scorecard(code, period, now)
                samples = scorecard_samples(
                    wanted[code, period], period, card, self._targets.get(period.year or 0)
                )
                self._computed[code, period] = _Computed(samples, self._timer())
            except Exception:
                log.exception("index gauges: scorecard of %s for %s failed; skipped", code, period)
                self._computed.pop((code, period), None)
                self._failures += 1


def scorecard_samples(
    unit: UnitInfo, period: Period, card: Scorecard, targets: TargetCatalogue | None
) -> list[_Sample]:
    """The samples of one unit's scorecard (nulls omitted)."""
    at = period_labels(period)
    samples: list[_Sample] = [
        ("score", (unit.code, TOTAL, *at), float(card.total)),
        ("score_max", (unit.code, TOTAL, *at), float(card.max_total)),
    ]
    for group in card.groups:
        samples.append(("score_max", (unit.code, str(group.code), *at), float(group.max_score)))
        if group.score is not None:
            samples.append(("score", (unit.code, str(group.code), *at), float(group.score)))
    ratios = {metric.code: metric.ratio for metric in card.metrics if metric.ratio is not None}
    for code, ratio in ratios.items():
        samples.append(("metric_ratio", (unit.code, str(code), *at), float(ratio) / _HUNDRED))
    for row in _targets_of(unit, targets):
        for code in row.related_metrics:
            if code in ratios:
                shortfall = gap(ratios[code], row).shortfall
                samples.append(
                    ("target_gap", (unit.code, row.id, str(code), *at), float(shortfall) / _HUNDRED)
                )
    return samples


def _targets_of(unit: UnitInfo, targets: TargetCatalogue | None) -> tuple[TargetRow, ...]:
    if targets is None:
        return ()
    level = TargetUnitLevel.__members__.get(unit.level)
    return tuple(
        row
        for row in targets.rows
        if row.unit == "%" and (row.applies_to(level) if level is not None else not row.unit_levels)
    )


def _families() -> dict[str, GaugeMetricFamily]:
    return {
        "score": GaugeMetricFamily(
            "tthc_indicators_score",
            "Index 766 points of a unit for a period, by group; group=TOTAL is the total out of 100",
            labels=("unit", "group", *PERIOD_LABELS),
        ),
        "score_max": GaugeMetricFamily(
            "tthc_indicators_score_max",
            "Points a group (or the TOTAL) can reach under the unit's scoring rules",
            labels=("unit", "group", *PERIOD_LABELS),
        ),
        "metric_ratio": GaugeMetricFamily(
            "tthc_indicators_metric_ratio",
            "Ratio (0-1) of an index 766 metric for a unit and period; absent when not available",
            labels=("unit", "metric", *PERIOD_LABELS),
        ),
        "target_gap": GaugeMetricFamily(
            "tthc_indicators_target_gap_ratio",
            "How far (0-1) a metric's ratio is below the year's related target; 0 when the target is met",
            labels=("unit", "target", "metric", *PERIOD_LABELS),
        ),
    }


def _self_families(seconds: float, oldest: float, failures: int) -> tuple[Metric, ...]:
    return (
        GaugeMetricFamily(
            "tthc_indicators_scorecards_collect_seconds",
            "Time spent computing the scorecards of the last scrape",
            value=seconds,
        ),
        GaugeMetricFamily(
            "tthc_indicators_scorecard_age_seconds",
            "Age of the oldest exposed scorecard (0 when every one was computed in this scrape)",
            value=oldest,
        ),
        CounterMetricFamily(
            "tthc_indicators_scorecard_failures",
            "Scorecards that failed during a scrape (logged and skipped)",
            value=failures,
        ),
    )
