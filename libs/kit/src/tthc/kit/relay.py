"""The outbox relay: copies an eventsourcing application's notification log to Kafka, in order, at least once.

The notification log is the outbox (events and their notification ids commit with the aggregate change).
The relay reads it after its tracked position, maps each notification to zero or more records with an
injected function, publishes them with an idempotent producer (``acks=all``), waits for every ack of the
batch and only then records ``Tracking(relay_name, last_id)`` in the application's own database. A crash
between the acks and the tracking write re-sends that batch: consumers deduplicate by notification id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Tracking, TrackingRecorder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboundRecord:
    """One Kafka record to publish for a notification. Records with the same key keep their order."""

    topic: str
    key: bytes
    value: bytes
    headers: Sequence[tuple[str, bytes]] = ()


ToRecords = Callable[[Notification], Sequence[OutboundRecord]]


def notification_records(topic: str) -> ToRecords:
    """A mapping that forwards the stored event as is: key = aggregate id, value = stored state.

    Headers: ``es-topic`` (stored event topic), ``es-notification-id``, ``es-originator-version``.
    """

    def to_records(notification: Notification) -> Sequence[OutboundRecord]:
        return [
            OutboundRecord(
                topic=topic,
                key=str(notification.originator_id).encode(),
                value=notification.state,
                headers=[
                    ("es-topic", notification.topic.encode()),
                    ("es-notification-id", str(notification.id).encode()),
                    ("es-originator-version", str(notification.originator_version).encode()),
                ],
            )
        ]

    return to_records


class RelayObserver(Protocol):
    """Receives the relay's measurements (e.g. to update Prometheus metrics)."""

    def batch_relayed(self, records_by_topic: dict[str, int], position: int, seconds: float) -> None:
        """A batch was acknowledged and its position recorded."""

    def batch_failed(self, error: BaseException) -> None:
        """A batch failed; it will be retried from the last recorded position."""


class NullObserver:
    """Ignores every measurement."""

    def batch_relayed(self, records_by_topic: dict[str, int], position: int, seconds: float) -> None:
        """Ignore."""

    def batch_failed(self, error: BaseException) -> None:
        """Ignore."""


class PrometheusRelayObserver:
    """Feeds prometheus objects owned by the service (no global registry here).

    ``records_total``: Counter labelled by ``topic``; ``batch_seconds``: Histogram; ``position``: Gauge;
    ``failures_total``: Counter.
    """

    def __init__(self, records_total: Any, batch_seconds: Any, position: Any, failures_total: Any) -> None:
        self._records_total = records_total
        self._batch_seconds = batch_seconds
        self._position = position
        self._failures_total = failures_total

    def batch_relayed(self, records_by_topic: dict[str, int], position: int, seconds: float) -> None:
        """Count records per topic, observe the duration, set the position."""
        for topic, count in records_by_topic.items():
            self._records_total.labels(topic=topic).inc(count)
        self._batch_seconds.observe(seconds)
        self._position.set(position)

    def batch_failed(self, error: BaseException) -> None:  # noqa: ARG002 - the count is what matters
        """Count the failure."""
        self._failures_total.inc()


class OutboxRelay:
    """Follows ``app``'s notification log and publishes it to Kafka; use as ``async with relay: ...``.

    ``run()`` polls every ``poll_interval_s`` (``nudge()`` wakes it early); ``run_until_caught_up()``
    relays until nothing is left. The position lives in ``tracking`` (default: a tracking recorder from the
    application's own factory, so the same SQLite file or PostgreSQL database).
    """

    def __init__(
        self,
        app: Application[Any],
        to_records: ToRecords,
        bootstrap_servers: str,
        *,
        name: str | None = None,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        retry_backoff_s: float = 1.0,
        observer: RelayObserver | None = None,
        tracking: TrackingRecorder | None = None,
        producer_options: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.name = name or f"{app.name}->kafka"
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.retry_backoff_s = retry_backoff_s
        self._to_records = to_records
        self._bootstrap = bootstrap_servers
        self._observer: RelayObserver = observer or NullObserver()
        self._tracking = tracking or app.factory.tracking_recorder()
        self._producer_options = producer_options or {}
        self._producer: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False

    async def __aenter__(self) -> OutboxRelay:
        await self.open()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect the producer (idempotent, ``acks=all``)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await self._connect()

    async def _connect(self) -> None:
        from aiokafka import AIOKafkaProducer

        options = {"linger_ms": 5, **self._producer_options, "enable_idempotence": True, "acks": "all"}
        self._producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, **options)
        await self._producer.start()

    async def close(self) -> None:
        """Flush and disconnect the producer."""
        self.request_stop()
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    def position(self) -> int:
        """The last notification id whose records were acknowledged and recorded (0 before the first)."""
        return self._tracking.max_tracking_id(self.name) or 0

    def lag(self) -> int:
        """Notifications stored but not yet relayed."""
        return max(0, (self.app.recorder.max_notification_id() or 0) - self.position())

    def nudge(self) -> None:
        """Wake ``run()`` now instead of at the next poll; safe to call from any thread."""
        if self._loop is None or self._wake is None:
            return
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    def request_stop(self) -> None:
        """Make ``run()`` return after the current batch."""
        self._stopping = True
        self.nudge()

    async def relay_batch(self) -> int:
        """Relay at most ``batch_size`` notifications; returns how many were consumed from the log."""
        if self._producer is None:
            raise RuntimeError("relay is not open: use `async with relay:` or await relay.open()")
        started = time.perf_counter()
        start = await asyncio.to_thread(self.position)
        notifications = await asyncio.to_thread(
            self.app.recorder.select_notifications, start, self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        counts = await self._publish([r for n in notifications for r in self._to_records(n)])
        last = notifications[-1].id
        await asyncio.to_thread(self._tracking.insert_tracking, Tracking(self.name, last))
        self._observer.batch_relayed(counts, last, time.perf_counter() - started)
        return len(notifications)

    async def _publish(self, records: Sequence[OutboundRecord]) -> dict[str, int]:
        # Sequential send() keeps the order per key; the acks are awaited together.
        acks = []
        counts: dict[str, int] = {}
        for record in records:
            acks.append(
                await self._producer.send(
                    record.topic, value=record.value, key=record.key, headers=list(record.headers)
                )
            )
            counts[record.topic] = counts.get(record.topic, 0) + 1
        await asyncio.gather(*acks)
        return counts

    async def run_until_caught_up(self) -> int:
        """Relay batches until the log has nothing new; returns the number of notifications relayed."""
        total = 0
        while moved := await self.relay_batch():
            total += moved
        return total

    async def run(self) -> None:
        """Relay forever (until ``request_stop()`` or cancellation), backing off after failures."""
        self._stopping = False
        while not self._stopping:
            try:
                moved = await self.relay_batch()
            except Exception as error:
                log.warning("relay %s batch failed, retrying: %s", self.name, error)
                self._observer.batch_failed(error)
                await self._restart_producer()
                await self._pause(self.retry_backoff_s)
                continue
            if moved < self.batch_size:
                await self._pause(self.poll_interval_s)

    async def _pause(self, seconds: float) -> None:
        if self._wake is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _restart_producer(self) -> None:
        # After a failed send an idempotent producer may hold a broken sequence; start a fresh session.
        try:
            if self._producer is not None:
                await self._producer.stop()
        except Exception as error:
            log.debug("ignoring error while stopping producer: %s", error)
        self._producer = None
        await self._connect()
