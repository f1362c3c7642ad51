"""The consumer's metrics: outcomes by topic, batches, lag from high-water marks, latency; the hook."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.message import KafkaAckableMessage
from prometheus_client import CollectorRegistry

from tthc.contracts import topics
from tthc.indicators.application import Indicators
from tthc.indicators.entrypoints.kafka import ConsumerOptions, build_router
from tthc.indicators.metrics import MIXED, IndicatorsMetrics
from tthc.indicators.metrics_batch import ConsumedBatch, consumed_batch
from tthc.indicators.projection.decoding import InboundEvent
from tthc.indicators.projection.scenarios import DossierScenario, Step, procedure_changed, scenario_events
from tthc.indicators.projection.sequencing import BatchResult, Rejection
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree
from tthc.kit.clock import FixedClock

from .projection.conftest import inbound

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2024, 3, 4, 8, tzinfo=VN)
NOW = datetime(2024, 3, 4, 12, tzinfo=VN)
DOSSIERS, CATALOG = topics.DOSSIER_EVENTS, topics.CATALOG_EVENTS


def dossier(code: str) -> DossierScenario:
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, code), code=code, unit_code="H.01", procedure_code="P1",
        received_at=T0, due_at=T0 + timedelta(days=2),
        steps=(Step("start", T0 + timedelta(hours=1)), Step("resolve", T0 + timedelta(hours=3), number=1)),
    )  # fmt: skip


def procedure_events(count: int) -> list[InboundEvent]:
    from tthc.indicators.projection.decoding import Position, from_envelope

    return [from_envelope(procedure_changed(f"P{n}", 1), Position(CATALOG, 0, n)) for n in range(count)]


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> IndicatorsMetrics:
    return IndicatorsMetrics.create(registry, clock=FixedClock(NOW))


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_a_committed_batch_counts_each_outcome_under_its_topic(
    metrics: IndicatorsMetrics, registry: CollectorRegistry
) -> None:
    events = inbound(dossier("HS-1"), DOSSIERS)
    result = BatchResult(applied=3, duplicates=1, parked=0, rejected=(Rejection(events[2], "odd"),))
    produced = (NOW.timestamp() - 1.5, NOW.timestamp() - 0.25, NOW.timestamp() + 3)  # the last: clock skew
    metrics.observe_batch(ConsumedBatch({DOSSIERS: 5}, {DOSSIERS: 1}, events, result, 0.04, produced))

    def events_total(outcome: str, topic: str = DOSSIERS) -> float:
        return value(registry, "tthc_indicators_events_processed_total", topic=topic, outcome=outcome)

    assert [events_total(o) for o in ("applied", "duplicate", "parked", "rejected", "unreadable")] == [
        2,
        1,
        0,
        1,
        1,
    ]
    assert value(registry, "tthc_indicators_batches_total", outcome="committed") == 1
    assert registry.get_sample_value("tthc_indicators_batches_total", {"outcome": "failed"}) == 0
    assert value(registry, "tthc_indicators_batch_duration_seconds_sum") == pytest.approx(0.04)
    assert value(registry, "tthc_indicators_projection_latency_seconds_count") == 3
    assert value(registry, "tthc_indicators_projection_latency_seconds_sum") == pytest.approx(1.75)
    assert value(registry, "tthc_indicators_projection_latency_seconds_bucket", le="0.25") == 2  # 0.25 and 0


def test_a_batch_from_several_topics_counts_applied_and_duplicates_as_mixed(
    metrics: IndicatorsMetrics, registry: CollectorRegistry
) -> None:
    events = [*procedure_events(2), *inbound(dossier("HS-2"), DOSSIERS)]
    result = BatchResult(applied=4, duplicates=1, parked=1, rejected=(Rejection(events[-1], "odd"),))
    metrics.observe_batch(ConsumedBatch({DOSSIERS: 4, CATALOG: 2}, {}, events, result, 0.01))
    assert value(registry, "tthc_indicators_events_processed_total", topic=MIXED, outcome="applied") == 3
    assert value(registry, "tthc_indicators_events_processed_total", topic=MIXED, outcome="duplicate") == 1
    assert value(registry, "tthc_indicators_events_processed_total", topic=DOSSIERS, outcome="parked") == 1
    assert value(registry, "tthc_indicators_events_processed_total", topic=DOSSIERS, outcome="rejected") == 1
    assert value(registry, "tthc_indicators_events_processed_total", topic=CATALOG, outcome="applied") == 0


def test_a_failed_batch_counts_as_failed_and_nothing_else(
    metrics: IndicatorsMetrics, registry: CollectorRegistry
) -> None:
    events = inbound(dossier("HS-3"), DOSSIERS)
    metrics.observe_batch(ConsumedBatch({DOSSIERS: 4}, {}, events, None, 0.5, (NOW.timestamp(),) * 4))
    assert value(registry, "tthc_indicators_batches_total", outcome="failed") == 1
    assert value(registry, "tthc_indicators_batches_total", outcome="committed") == 0
    assert value(registry, "tthc_indicators_projection_latency_seconds_count") == 0
    assert value(registry, "tthc_indicators_events_processed_total", topic=DOSSIERS, outcome="applied") == 0


def test_lag_sums_the_owned_partitions_per_topic_and_forgets_revoked_ones(
    metrics: IndicatorsMetrics, registry: CollectorRegistry
) -> None:
    def observe(behind: dict[tuple[str, int], int], assigned: set[tuple[str, int]]) -> dict[str, float]:
        metrics.observe_batch(ConsumedBatch({}, {}, [], BatchResult(), 0.0, (), behind, frozenset(assigned)))
        return {
            t: value(registry, "tthc_indicators_consumer_lag_records", topic=t) for t in (DOSSIERS, CATALOG)
        }

    everything = {(DOSSIERS, 0), (DOSSIERS, 1), (CATALOG, 0)}
    assert observe({(DOSSIERS, 0): 5, (DOSSIERS, 1): 3, (CATALOG, 0): 2}, everything) == {
        DOSSIERS: 8,
        CATALOG: 2,
    }
    assert observe({(DOSSIERS, 0): 1}, everything) == {DOSSIERS: 4, CATALOG: 2}  # partition 1 unchanged
    assert observe({}, {(DOSSIERS, 0), (CATALOG, 0)}) == {DOSSIERS: 1, CATALOG: 2}  # partition 1 revoked
    assert observe({}, {(CATALOG, 0)}) == {DOSSIERS: 0, CATALOG: 2}  # no dossier partition owned any more


class FakeConsumer:
    """The two cheap, synchronous aiokafka consumer calls the report uses."""

    def __init__(self, highwater: dict[tuple[str, int], int | None]) -> None:
        self._highwater = highwater

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(topic, partition) for topic, partition in self._highwater}

    def highwater(self, partition: TopicPartition) -> int | None:
        return self._highwater[(partition.topic, partition.partition)]


def record(topic: str, partition: int, offset: int, timestamp: int | None) -> Any:
    return SimpleNamespace(topic=topic, partition=partition, offset=offset, timestamp=timestamp)


def test_the_report_of_polled_records_computes_lag_and_recording_times() -> None:
    scenario = dossier("HS-4")
    events = inbound(scenario, DOSSIERS)  # offsets 0.. on partition 0
    records: Sequence[Any] = [
        record(DOSSIERS, 0, 0, 1_709_530_000_123),
        record(DOSSIERS, 0, 1, None),  # no Kafka timestamp: the CloudEvent time is used
        record(DOSSIERS, 0, 2, -1),
        record(DOSSIERS, 2, 7, 1_709_530_002_000),  # unreadable, on a partition whose mark is unknown
        record(CATALOG, 0, 4, 1_709_530_003_000),  # revoked meanwhile: not in the assignment
    ]
    consumer = FakeConsumer({(DOSSIERS, 0): 10, (DOSSIERS, 2): None})
    result = BatchResult(applied=3)
    report = consumed_batch(records, events, [DOSSIERS], result, seconds=0.3, consumer=consumer)
    assert len(events) == 3
    assert report.records == {DOSSIERS: 4, CATALOG: 1}
    assert report.unreadable == {DOSSIERS: 1}
    assert report.behind == {(DOSSIERS, 0): 7}  # high-water mark 10, next offset to read 3
    assert report.assigned == {(DOSSIERS, 0), (DOSSIERS, 2)}
    times = [event.time.timestamp() for event in scenario_events(scenario)]
    assert report.produced_at == (1_709_530_000.123, times[1], times[2])
    assert consumed_batch(records, events, [], result, seconds=0.1).behind == {}  # no consumer, no lag


TREE = UnitTree([UnitInfo("H", "Tỉnh", "PROVINCE"), UnitInfo("H.01", "Xã", "COMMUNE", "H")])


@pytest.fixture
def indicators(tmp_path: Path) -> Indicators:
    return Indicators(FactsStore.open(f"sqlite:///{tmp_path / 'facts.db'}"), TREE, FixedClock(NOW))


def wire(scenario: DossierScenario) -> list[bytes]:
    return [event.model_dump_json().encode() for event in scenario_events(scenario)]


async def test_the_subscriber_reports_every_batch_to_its_observer(indicators: Indicators) -> None:
    seen: list[ConsumedBatch] = []
    broker = KafkaBroker()
    broker.include_router(build_router(indicators, ConsumerOptions(retry_delay_s=0), seen.append))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(b"{not json", *wire(dossier("HS-5")), topic=DOSSIERS)
        await test_broker.publish_batch(*wire(dossier("HS-5")), topic=DOSSIERS)
    first, second = seen
    assert (first.records, first.unreadable, len(first.events)) == ({DOSSIERS: 4}, {DOSSIERS: 1}, 3)
    assert first.result == BatchResult(applied=3)
    assert second.result == BatchResult(duplicates=3)
    assert len(first.produced_at) == 3
    assert first.seconds > 0


async def test_a_failing_observer_does_not_stop_the_projection(
    indicators: Indicators, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_: ConsumedBatch) -> None:
        raise RuntimeError("metrics broken")

    broker = KafkaBroker()
    broker.include_router(build_router(indicators, ConsumerOptions(retry_delay_s=0), broken))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(*wire(dossier("HS-6")), topic=DOSSIERS)
    assert indicators.dossier(str(dossier("HS-6").dossier_id)) is not None
    assert "observer failed" in caplog.text


async def test_a_failed_store_transaction_is_reported_without_a_result(
    indicators: Indicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(events: object) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(indicators, "apply_batch", broken)
    monkeypatch.setattr(KafkaAckableMessage, "nack", _nothing)  # the in-memory broker cannot seek back
    seen: list[ConsumedBatch] = []
    broker = KafkaBroker()
    broker.include_router(build_router(indicators, ConsumerOptions(retry_delay_s=0), seen.append))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(b"{not json", *wire(dossier("HS-7")), topic=DOSSIERS)
    [report] = seen
    assert report.result is None
    assert report.unreadable == {}  # counted when the batch is delivered again and commits


async def _nothing(_: object) -> None:
    return None
