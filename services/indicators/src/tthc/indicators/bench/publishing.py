"""Putting the workload on Kafka: fresh topics, a bulk publisher and a paced one (aiokafka).

The bulk publisher batches (`linger_ms`, large batches) and waits for the acknowledgements of a whole window
of sends at once instead of one by one; the paced publisher sends a steady number of events per second in
small ticks (the freshness load).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from tthc.indicators.bench.workload import Record
from tthc.kit.kafka.topics import TopicSpec, ensure_topics

_WINDOW = 20_000  # sends in flight before waiting for their acknowledgements


@dataclass(frozen=True)
class BenchTopics:
    """The run's own dossier and catalogue topics (and their dead-letter twins)."""

    dossier: str
    catalog: str

    @classmethod
    def fresh(cls, bootstrap: str, dossier_partitions: int = 3, name: str | None = None) -> BenchTopics:
        """New topics with a random suffix, or the topics called `name` (created when missing); the
        records are kept one day."""
        suffix = name or uuid.uuid4().hex[:10]
        topics = cls(f"bench.index.{suffix}.dossier.v1", f"bench.index.{suffix}.catalog.v1")
        day = 24 * 3600 * 1000
        specs = [
            TopicSpec(topics.dossier, partitions=dossier_partitions, retention_ms=day),
            TopicSpec(topics.catalog, partitions=1, retention_ms=day),
        ]
        ensure_topics(bootstrap, [*specs, *(spec.dead_letter() for spec in specs)])
        return topics

    def delete(self, bootstrap: str) -> None:
        """Removes the topics (best effort)."""
        from kafka.admin import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tthc-bench-index")
        try:
            names = [self.dossier, self.catalog, self.dossier + ".dlq", self.catalog + ".dlq"]
            admin.delete_topics(names)
        except Exception:
            pass
        finally:
            admin.close()


def producer(bootstrap: str) -> Any:
    """A batching producer (not started)."""
    from aiokafka import AIOKafkaProducer

    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024, acks=1, max_request_size=4 << 20
    )


async def publish_all(bootstrap: str, topic: str, records: Iterable[Record]) -> tuple[int, float]:
    """Publishes every record; returns (count, seconds)."""
    sender = producer(bootstrap)
    await sender.start()
    count, started = 0, time.perf_counter()
    try:
        for window in _windows(iter(records), _WINDOW):
            futures = [await sender.send(topic, value, key=key) for key, value in window]
            await asyncio.gather(*futures)
            count += len(window)
    finally:
        await sender.stop()
    return count, time.perf_counter() - started


def _windows(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while window := list(islice(records, size)):
        yield window


async def publish_paced(  # noqa: PLR0917 - the pace's knobs
    sender: Any, topic: str, records: Iterator[Record], rate: float, stop: asyncio.Event, tick_s: float = 0.01
) -> int:
    """Sends `rate` records per second (in `tick_s` ticks) until `stop` is set or records run out."""
    sent, started = 0, time.perf_counter()
    while not stop.is_set():
        due = max(0, int((time.perf_counter() - started) * rate) - sent)
        taken = list(islice(records, due))
        for key, value in taken:
            await sender.send(topic, value, key=key)
        sent += len(taken)
        if len(taken) < due:
            return sent  # the records ran out
        await asyncio.sleep(tick_s)
    return sent


def commit_ends(bootstrap: str, topics: tuple[str, ...], group: str) -> None:
    """Commits the topics' end offsets for `group` (a service started with it reads only what comes next)."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, number)
            for topic in topics
            for number in consumer.partitions_for_topic(topic) or ()
        ]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, None, -1) for tp, end in ends.items()})
    finally:
        consumer.close()
