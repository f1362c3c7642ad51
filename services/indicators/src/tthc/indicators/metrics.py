"""Prometheus metrics of the indicators service (``tthc_indicators_*``) on a registry the bootstrap injects.

The projection consumer's metrics, fed by `IndicatorsMetrics.observe_batch` (the consumer's observer):

- ``tthc_indicators_events_processed_total{topic,outcome}``: outcome = applied, duplicate, parked, rejected
  (taken in sequence but unusable, dead-lettered; not also counted as applied) or unreadable
  (dead-lettered before the read model). "applied" includes events parked earlier and applied now. The
  read model counts a batch as a whole (`BatchResult`), so applied and duplicate go to the batch's topic,
  or to ``topic="mixed"`` for a batch polled from several topics; parked goes to the dossier topic (only
  dossier events park); rejected and unreadable always go to their own record's topic.
- ``tthc_indicators_batches_total{outcome}`` (committed, failed), ``tthc_indicators_batch_duration_seconds``;
- ``tthc_indicators_consumer_lag_records{topic}``: records behind, summed over the topic's partitions this
  instance owns (the client's last known high-water marks; no extra request);
- ``tthc_indicators_projection_latency_seconds``: from an event's recording (Kafka record timestamp) to the
  commit of the batch that carried it (clock skew below 0 counts as 0).

The index gauges (scores, ratios, target gaps) come from `IndexCollector`, registered by `create` when a
read model is given.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tthc.indicators.domain.targets import TargetCatalogue
from tthc.indicators.metrics_batch import ConsumedBatch, Partition
from tthc.indicators.metrics_index import IndexCollector, ScorecardSource
from tthc.indicators.metrics_periods import MetricsPeriods
from tthc.indicators.projection.decoding import Stream
from tthc.kit.clock import Clock, SystemClock

__all__ = ["MIXED", "IndicatorsMetrics"]

MIXED = "mixed"
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400)
_BATCH_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass
class IndicatorsMetrics:
    """The indicators service's own metrics (see the module docstring). Labels are bounded: topics,
    outcomes; the index gauges add unit, group, metric and target codes."""

    events: Counter
    batches: Counter
    batch_seconds: Histogram
    lag: Gauge
    latency: Histogram
    clock: Clock
    index: IndexCollector | None = None
    _behind: dict[Partition, int] = field(default_factory=dict)
    _lag_topics: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls,
        registry: CollectorRegistry,
        *,
        clock: Clock | None = None,
        indicators: ScorecardSource | None = None,
        periods: MetricsPeriods | None = None,
        targets: Iterable[TargetCatalogue] = (),
        scrape_budget_s: float = 2.0,
    ) -> IndicatorsMetrics:
        """The metrics on `registry`; with `indicators`, the index gauges too (periods from `clock`, at most
        about `scrape_budget_s` of scorecard computation per scrape)."""
        clock = clock or SystemClock()
        index = None
        if indicators is not None:
            index = IndexCollector(indicators, clock, periods, targets, budget_s=scrape_budget_s)
            registry.register(index)
        metrics = cls(
            events=Counter(
                "tthc_indicators_events_processed",
                "Events consumed by the projection, by topic and outcome "
                "(applied, duplicate, parked, rejected, unreadable)",
                ["topic", "outcome"],
                registry=registry,
            ),
            batches=Counter(
                "tthc_indicators_batches",
                "Polled batches, by outcome (committed, failed: delivered again)",
                ["outcome"],
                registry=registry,
            ),
            batch_seconds=Histogram(
                "tthc_indicators_batch_duration_seconds",
                "Duration of one batch: decode, dead-letter, store transaction, cache update",
                buckets=_BATCH_BUCKETS,
                registry=registry,
            ),
            lag=Gauge(
                "tthc_indicators_consumer_lag_records",
                "Records not yet consumed, over the topic's partitions this instance owns",
                ["topic"],
                registry=registry,
            ),
            latency=Histogram(
                "tthc_indicators_projection_latency_seconds",
                "From an event's recording on Kafka to the commit of the batch that applied it",
                buckets=_LATENCY_BUCKETS,
                registry=registry,
            ),
            clock=clock,
            index=index,
        )
        for outcome in ("committed", "failed"):  # exposed at 0 from the start, so rates and alerts work
            metrics.batches.labels(outcome)
        return metrics

    def observe_batch(self, batch: ConsumedBatch) -> None:
        """Records one batch (the consumer's observer)."""
        self.batch_seconds.observe(batch.seconds)
        self._count_events(batch)
        self._update_lag(batch)
        if batch.result is None:
            self.batches.labels("failed").inc()
            return
        self.batches.labels("committed").inc()
        now = self.clock.now().timestamp()
        for produced in batch.produced_at:
            self.latency.observe(max(0.0, now - produced))

    def _count_events(self, batch: ConsumedBatch) -> None:
        for topic, count in batch.unreadable.items():
            self.events.labels(topic, "unreadable").inc(count)
        result = batch.result
        if result is None:
            return
        for rejection in result.rejected:
            self.events.labels(rejection.event.position.topic, "rejected").inc()
        if result.parked:  # only dossier events wait for a missing version
            self.events.labels(_topic_of(batch, Stream.DOSSIER), "parked").inc(result.parked)
        topic = _topic_of(batch)
        for outcome, count in (
            ("applied", result.applied - len(result.rejected)),
            ("duplicate", result.duplicates),
        ):
            if count:
                self.events.labels(topic, outcome).inc(count)

    def _update_lag(self, batch: ConsumedBatch) -> None:
        with self._lock:
            self._behind.update(batch.behind)
            if batch.assigned is not None:
                owned = batch.assigned
                self._behind = {key: behind for key, behind in self._behind.items() if key in owned}
            totals = dict.fromkeys(self._lag_topics, 0)  # a topic no longer owned reads 0, not its last value
            for (topic, _), behind in self._behind.items():
                totals[topic] = totals.get(topic, 0) + behind
            for topic, total in totals.items():
                self.lag.labels(topic).set(total)
            self._lag_topics = set(totals)


def _topic_of(batch: ConsumedBatch, stream: Stream | None = None) -> str:
    """The topic of the batch's events (of one stream), or MIXED when they come from several."""
    topics = {event.position.topic for event in batch.events if stream is None or event.stream is stream}
    return topics.pop() if len(topics) == 1 else MIXED
