"""The outbox relay against real Kafka, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import Tracking, TrackingRecorder
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tthc.kit.eventstore import store_env
from tthc.kit.relay import OutboxRelay, PrometheusRelayObserver, notification_records
from tthc.kit.testing.kafka import fresh_topic, read_topic
from tthc.kit.testing.relayed import copies_by_id, header, notification_ids, versions_by_key
from tthc.kit.testing.sample import TallyApp

pytestmark = pytest.mark.kafka


def _app(store_url: str) -> TallyApp:
    return TallyApp(env=dict(store_env(store_url, TallyApp.name)))


@pytest.fixture
def app(store_url: str) -> Iterator[TallyApp]:
    application = _app(store_url)
    yield application
    application.close()


def _seed(app: TallyApp, tallies: int, rounds: int, prefix: str = "t") -> int:
    ids = [app.open_tally(f"{prefix}{i}") for i in range(tallies)]
    app.add_many(ids, rounds)
    return tallies * (rounds + 1)


async def test_publishes_every_event_once_in_order_per_key(app: TallyApp, kafka_bootstrap: str) -> None:
    topic = fresh_topic(kafka_bootstrap, partitions=3)
    stored = _seed(app, tallies=7, rounds=15)
    relay = OutboxRelay(app, notification_records(topic), kafka_bootstrap, batch_size=40)
    assert relay.lag() == stored

    async with relay:
        assert await relay.run_until_caught_up() == stored

    assert relay.position() == app.recorder.max_notification_id() == stored
    assert relay.lag() == 0
    records = read_topic(kafka_bootstrap, topic)
    assert sorted(notification_ids(records)) == list(range(1, stored + 1))
    assert all(versions == list(range(1, 17)) for versions in versions_by_key(records, False).values())
    assert len(versions_by_key(records, False)) == 7
    by_id = {n.id: n for n in app.recorder.select_notifications(None, stored + 1)}
    for record in records:
        source = by_id[int(header(record, "es-notification-id"))]
        assert record.key == str(source.originator_id).encode()
        assert record.value == source.state
        assert header(record, "es-topic") == source.topic.encode()


async def test_a_restarted_relay_resumes_after_its_position(store_url: str, kafka_bootstrap: str) -> None:
    topic = fresh_topic(kafka_bootstrap, partitions=2)
    first_app = _app(store_url)
    first = _seed(first_app, tallies=4, rounds=9, prefix="a")
    async with OutboxRelay(first_app, notification_records(topic), kafka_bootstrap) as relay:
        await relay.run_until_caught_up()
    more = _seed(first_app, tallies=3, rounds=4, prefix="b")
    first_app.close()

    # A new process: new application object on the same store, new relay with the same name.
    second_app = _app(store_url)
    async with OutboxRelay(second_app, notification_records(topic), kafka_bootstrap) as relay:
        assert relay.position() == first
        assert await relay.run_until_caught_up() == more
    second_app.close()

    assert sorted(notification_ids(read_topic(kafka_bootstrap, topic))) == list(range(1, first + more + 1))


class _CrashOnce:
    """A tracking recorder that fails its first write, like a crash between the acks and the tracking."""

    def __init__(self, inner: TrackingRecorder) -> None:
        self.inner = inner
        self.failures = 0

    def insert_tracking(self, tracking: Tracking) -> None:
        if self.failures == 0:
            self.failures += 1
            raise ConnectionError("store went away after the acks")
        self.inner.insert_tracking(tracking)

    def max_tracking_id(self, application_name: str) -> int | None:
        return self.inner.max_tracking_id(application_name)


async def test_a_lost_tracking_write_resends_the_batch_unchanged(app: TallyApp, kafka_bootstrap: str) -> None:
    topic = fresh_topic(kafka_bootstrap, partitions=3)
    stored = _seed(app, tallies=5, rounds=11)
    tracking: Any = _CrashOnce(app.factory.tracking_recorder())
    failures: list[BaseException] = []

    class Observer:
        def batch_relayed(self, records_by_topic: dict[str, int], position: int, seconds: float) -> None:
            if position == stored:
                relay.request_stop()

        def batch_failed(self, error: BaseException) -> None:
            failures.append(error)

    relay = OutboxRelay(
        app, notification_records(topic), kafka_bootstrap,
        batch_size=25, tracking=tracking, observer=Observer(), retry_backoff_s=0.05,
    )  # fmt: skip
    async with relay:
        await asyncio.wait_for(relay.run(), timeout=60)

    assert [type(error) for error in failures] == [ConnectionError]
    assert relay.position() == stored
    records = read_topic(kafka_bootstrap, topic)
    assert len(records) == stored + 25  # the first batch went out twice
    assert sorted(set(notification_ids(records))) == list(range(1, stored + 1))
    assert all(len(copies) == 1 for copies in copies_by_id(records).values())  # duplicates are identical
    assert all(v == list(range(1, 13)) for v in versions_by_key(records, drop_duplicates=True).values())


async def test_nudge_wakes_the_polling_loop(app: TallyApp, kafka_bootstrap: str) -> None:
    topic = fresh_topic(kafka_bootstrap)
    _seed(app, tallies=1, rounds=2)
    relay = OutboxRelay(app, notification_records(topic), kafka_bootstrap, poll_interval_s=60.0)
    async with relay:
        running = asyncio.create_task(relay.run())
        await _until(lambda: relay.lag() == 0, timeout_s=20)
        app.open_tally("late")
        assert relay.lag() == 1
        relay.nudge()
        await _until(lambda: relay.lag() == 0, timeout_s=10)  # far sooner than the 60 s poll
        relay.request_stop()
        await asyncio.wait_for(running, timeout=10)
    assert len(read_topic(kafka_bootstrap, topic)) == 4


async def test_prometheus_observer_counts_records_and_position(app: TallyApp, kafka_bootstrap: str) -> None:
    topic = fresh_topic(kafka_bootstrap)
    stored = _seed(app, tallies=3, rounds=3)
    registry = CollectorRegistry()
    observer = PrometheusRelayObserver(
        Counter("t_relay_records", "records", ["topic"], registry=registry),
        Histogram("t_relay_batch_seconds", "batch", registry=registry),
        Gauge("t_relay_position", "position", registry=registry),
        Counter("t_relay_failures", "failures", registry=registry),
    )
    async with OutboxRelay(
        app, notification_records(topic), kafka_bootstrap, batch_size=5, observer=observer
    ) as r:
        await r.run_until_caught_up()

    assert registry.get_sample_value("t_relay_records_total", {"topic": topic}) == stored
    assert registry.get_sample_value("t_relay_position") == stored
    assert registry.get_sample_value("t_relay_batch_seconds_count") == -(-stored // 5)
    assert registry.get_sample_value("t_relay_failures_total") == 0


async def _until(condition: Any, timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)
