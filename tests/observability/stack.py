"""A running indicators projection for the observability tests: real Kafka consumer, read model, /metrics.

`IndicatorsUnderTest` runs the projection subscriber (FastStream on the real broker) on its own event loop
in a background thread, so synchronous, module-scoped fixtures can drive it; its registry is served over
HTTP by prometheus-client's threaded server, the way Prometheus scrapes the service.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry, start_http_server

from tthc.contracts.envelope import CloudEvent
from tthc.indicators.application import Indicators
from tthc.indicators.domain.targets import load_targets_2024
from tthc.indicators.entrypoints.kafka import ConsumerOptions, build_router
from tthc.indicators.metrics import IndicatorsMetrics
from tthc.indicators.metrics_periods import MetricsPeriods
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitTree
from tthc.kit.clock import SystemClock
from tthc.kit.kafka.topics import TopicSpec, ensure_topics
from tthc.kit.testing.kafka import fresh_topic


class Topics:
    """Fresh dossier (3 partitions) and catalogue topics with their dead-letter topics."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.dossiers = fresh_topic(bootstrap, "test.observability.dossier", partitions=3)
        self.catalog = fresh_topic(bootstrap, "test.observability.catalog")
        ensure_topics(bootstrap, [TopicSpec(self.dossiers + ".dlq"), TopicSpec(self.catalog + ".dlq")])

    def publish(self, events: Sequence[CloudEvent[Any]]) -> int:
        """Publishes public events the way the relays do (key = dossier id / procedure code)."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        try:
            for event in events:
                catalogue = event.type.startswith("vn.tthc.catalog.")
                topic = self.catalog if catalogue else self.dossiers
                key = event.subject if catalogue else str(event.data.dossier_id)
                producer.send(topic, event.model_dump_json().encode(), key=key.encode())
            producer.flush(timeout=60)
        finally:
            producer.close()
        return len(events)


class IndicatorsUnderTest:
    """The read model, its projection consumer on a background loop, and its metrics on an HTTP port."""

    def __init__(self, topics: Topics, store: Path, tree: UnitTree, periods: str) -> None:
        self.topics = topics
        self.indicators = Indicators(FactsStore.open(f"sqlite:///{store}"), tree, SystemClock())
        self.registry = CollectorRegistry()
        self.metrics = IndicatorsMetrics.create(
            self.registry,
            indicators=self.indicators,
            periods=MetricsPeriods.parse(periods),
            targets=[load_targets_2024()],
        )
        options = ConsumerOptions(
            topics.dossiers, topics.catalog, f"{topics.dossiers}.indicators", max_records=100
        )
        self._broker = KafkaBroker(topics.bootstrap)
        self._broker.include_router(build_router(self.indicators, options, self.metrics.observe_batch))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="indicators-consumer", daemon=True
        )
        self._server: Any = None

    @property
    def target(self) -> str:
        """``127.0.0.1:PORT`` of /metrics."""
        return f"127.0.0.1:{self._server.server_port}"

    def start(self) -> None:
        """Starts the consumer and the metrics server."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._broker.start(), self._loop).result(60)
        self._server, _ = start_http_server(0, addr="127.0.0.1", registry=self.registry)

    def stop(self) -> None:
        """Stops the metrics server, the consumer and its loop; closes the store."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._broker.stop(), self._loop).result(60)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._loop.close()
        self.indicators.close()

    def events_processed(self) -> float:
        """Events counted by the consumer so far, every outcome and topic."""
        return sum(
            sample.value
            for family in self.metrics.events.collect()
            for sample in family.samples
            if sample.name.endswith("_total")
        )

    def wait_for_events(self, count: int, timeout_s: float = 90.0) -> None:
        """Waits until the consumer has counted `count` events."""
        deadline = time.monotonic() + timeout_s
        while self.events_processed() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumed {self.events_processed()} of {count} events")
            time.sleep(0.2)
