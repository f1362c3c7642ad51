"""How far a consumer group is behind on some topics (records not yet committed)."""

from __future__ import annotations

from collections.abc import Iterable


def group_lag(bootstrap: str, group: str, topics: Iterable[str]) -> int:
    """Records on ``topics`` not yet committed by ``group`` (a never-committed partition counts fully)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in consumer.partitions_for_topic(topic) or ()
        ]
        ends = consumer.end_offsets(partitions)
        return sum(end - (consumer.committed(tp) or 0) for tp, end in ends.items())
    finally:
        consumer.close()
