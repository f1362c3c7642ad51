"""Relay capacity: a second relay drains the whole stored log as one backlog into a throwaway topic.

During the feed run the relay only has to keep up with the intake, so its rate there is the intake's.
This measures how fast the same mapping and producer settings empty a backlog (e.g. after an outage),
without duplicating the run's events on the public topics.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.persistence import Notification

from tthc.dossier.outbox import OutboxMapper
from tthc.kit.kafka.topics import TopicSpec, ensure_topics
from tthc.kit.relay import OutboundRecord, OutboxRelay


@dataclass(frozen=True)
class DrainResult:
    """Notifications read, records published and the seconds it took."""

    notifications: int
    records: int
    seconds: float

    def figures(self) -> dict[str, float]:
        """Rates as plain numbers."""
        return {
            "backlog_notifications": self.notifications,
            "backlog_records": self.records,
            "backlog_seconds": round(self.seconds, 2),
            "backlog_events_per_s": round(self.notifications / self.seconds, 1),
            "backlog_records_per_s": round(self.records / self.seconds, 1),
        }


def drain_backlog(app: Any, bootstrap: str, batch_size: int = 500, partitions: int = 3) -> DrainResult:
    """Relays ``app``'s whole notification log with a fresh relay name into a throwaway topic."""
    topic = f"bench.relay-drain.{uuid.uuid4().hex[:12]}"
    ensure_topics(bootstrap, [TopicSpec(topic, partitions=partitions, retention_ms=3_600_000)])
    try:
        return asyncio.run(_drain(app, bootstrap, topic, batch_size))
    finally:
        _delete_topic(bootstrap, topic)


async def _drain(app: Any, bootstrap: str, topic: str, batch_size: int) -> DrainResult:
    mapper = OutboxMapper(
        app.mapper, lambda dossier_id, version: app.repository.get(dossier_id, version=version)
    )
    published = 0

    def to_records(notification: Notification) -> Sequence[OutboundRecord]:
        nonlocal published
        records = [replace(record, topic=topic) for record in mapper(notification)]
        published += len(records)
        return records

    relay = OutboxRelay(app, to_records, bootstrap, name=f"bench-drain-{topic}", batch_size=batch_size)
    async with relay:
        started = time.perf_counter()
        moved = await relay.run_until_caught_up()
        seconds = time.perf_counter() - started
    return DrainResult(moved, published, seconds)


def _delete_topic(bootstrap: str, topic: str) -> None:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tthc-bench")
    try:
        admin.delete_topics([topic])
    finally:
        admin.close()
