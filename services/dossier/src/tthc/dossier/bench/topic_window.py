"""What one run put on a shared topic: note the end offsets before, read from there to the end after.

The public topics are shared by every service and test on a broker and keep everything, so a run is
identified by the offsets it started from, not by reading the whole topic.
"""

from __future__ import annotations

import time
from typing import Any

Offsets = dict[int, int]  # partition -> offset


def end_offsets(bootstrap: str, topic: str) -> Offsets:
    """The current end offset of each partition of ``topic``."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def records_since(offsets_before: Offsets, offsets_now: Offsets) -> int:
    """How many records were appended between two ``end_offsets`` readings."""
    return sum(offset - offsets_before.get(partition, 0) for partition, offset in offsets_now.items())


def read_since(bootstrap: str, topic: str, start: Offsets, timeout_s: float = 120.0) -> list[Any]:
    """Every record of ``topic`` from ``start`` to the current end (kafka-python ``ConsumerRecord``s,
    in offset order within each partition, partitions one after another).

    Raises:
        TimeoutError: the records up to the end could not be read in time.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        max_partition_fetch_bytes=8 << 20,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, start.get(tp.partition, 0))
        end = consumer.end_offsets(partitions)
        by_partition: dict[int, list[Any]] = {tp.partition: [] for tp in partitions}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} up to {end} within {timeout_s}s")
            for tp, batch in consumer.poll(timeout_ms=500, max_records=10_000).items():
                by_partition[tp.partition].extend(r for r in batch if r.offset < end[tp])
        return [record for partition in sorted(by_partition) for record in by_partition[partition]]
    finally:
        consumer.close()
