"""Kafka helpers for tests: throwaway topics and reading a whole topic back."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tthc.kit.kafka.topics import TopicSpec, ensure_topics


def fresh_topic(bootstrap: str, prefix: str = "test", partitions: int = 1, retention_ms: int = -1) -> str:
    """Create a uniquely named topic and return its name."""
    name = f"{prefix}.{uuid.uuid4().hex[:12]}"
    ensure_topics(bootstrap, [TopicSpec(name, partitions=partitions, retention_ms=retention_ms)])
    return name


def read_topic(bootstrap: str, topic: str, timeout_s: float = 60.0) -> list[Any]:
    """Every record currently in ``topic`` (all partitions, from the beginning, no consumer group).

    Returns kafka-python ``ConsumerRecord`` objects, in offset order within each partition.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read {len(records)} records of {topic}, expected {sum(end.values())}")
            for batch in consumer.poll(timeout_ms=500, max_records=5000).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def topic_size(bootstrap: str, topic: str) -> int:
    """Number of records in ``topic`` (sum of end offsets; the suite never deletes records)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()
