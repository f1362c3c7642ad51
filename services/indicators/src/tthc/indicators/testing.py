"""Test support for the indicators projection on a real broker: fresh topics, publishing, group offsets.

Used by the service's tests and the suite's integration tests (no I/O at import; nothing here runs in the
service).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from tthc.contracts.envelope import CloudEvent
from tthc.indicators.replay import ReplaySource
from tthc.kit.kafka.topics import TopicSpec, ensure_topics
from tthc.kit.testing.kafka import fresh_topic


class ProjectionTopics:
    """A fresh dossier topic (3 partitions by default), catalogue topic, their DLQs and a consumer group."""

    def __init__(self, bootstrap: str, partitions: int = 3) -> None:
        self.bootstrap = bootstrap
        self.dossiers = fresh_topic(bootstrap, "test.indicators.dossier", partitions=partitions)
        self.catalog = fresh_topic(bootstrap, "test.indicators.catalog")
        ensure_topics(bootstrap, [TopicSpec(self.dossiers + ".dlq"), TopicSpec(self.catalog + ".dlq")])
        self.group = f"{self.dossiers}.indicators"
        self.notification = 0

    async def publish(self, events: Sequence[CloudEvent[Any]], partition: int | None = None) -> int:
        """Publishes the events (key = dossier id / procedure code), in order; returns how many."""
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=True, acks="all")
        await producer.start()
        try:
            sent = []
            for event in events:
                self.notification += 1
                catalogue = event.type.startswith("vn.tthc.catalog.")
                topic = self.catalog if catalogue else self.dossiers
                key = str(event.subject if catalogue else event.data.dossier_id).encode()
                headers = [("es-notification-id", str(self.notification).encode())]
                value = event.model_dump_json().encode()
                sent.append(await producer.send(topic, value, key=key, headers=headers, partition=partition))
            await asyncio.gather(*sent)
        finally:
            await producer.stop()
        return len(events)

    def committed(self, group: str | None = None) -> tuple[int, int]:
        """(records committed by the group, records on the topics), over both topics."""
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=group or self.group, enable_auto_commit=False
        )
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in (self.dossiers, self.catalog)
                for p in consumer.partitions_for_topic(topic) or ()
            ]
            ends = consumer.end_offsets(partitions)
            return sum(consumer.committed(tp) or 0 for tp in partitions), sum(ends.values())
        finally:
            consumer.close()

    def lag(self, group: str | None = None) -> int:
        """Records not yet committed by the group."""
        done, total = self.committed(group)
        return total - done

    def source(self, group: str | None = None) -> ReplaySource:
        """These topics as a replay source."""
        return ReplaySource(self.bootstrap, (self.dossiers, self.catalog), group=group, max_records=2000)
