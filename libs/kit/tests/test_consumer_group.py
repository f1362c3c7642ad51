"""A consumer group member commits, stops, and a restarted member resumes after the committed offset."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tthc.kit.testing.kafka import fresh_topic

pytestmark = pytest.mark.kafka


async def _produce(bootstrap: str, topic: str, values: range) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for n in values:
            await producer.send_and_wait(topic, value=str(n).encode(), key=b"same-key")
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, group: str, count: int) -> list[tuple[int, bytes]]:
    """Read ``count`` records as a member of ``group``, commit exactly after the last one, leave."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group,
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    seen: list[tuple[int, bytes]] = []
    try:
        while len(seen) < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=count - len(seen))
            for records in batches.values():
                seen.extend((r.offset, r.value) for r in records)
        await consumer.commit({TopicPartition(topic, 0): seen[-1][0] + 1})
    finally:
        await consumer.stop()
    return seen


async def test_a_restarted_member_resumes_after_the_committed_offset(kafka_bootstrap: str) -> None:
    topic = fresh_topic(kafka_bootstrap)
    group = f"{topic}.group"
    await _produce(kafka_bootstrap, topic, range(20))

    first = await _consume(kafka_bootstrap, topic, group, 12)
    assert [value for _, value in first] == [str(n).encode() for n in range(12)]

    await _produce(kafka_bootstrap, topic, range(20, 25))
    second = await _consume(kafka_bootstrap, topic, group, 13)
    assert second[0][0] == first[-1][0] + 1
    assert [value for _, value in second] == [str(n).encode() for n in range(12, 25)]
