"""Reading the topics for a replay: aiokafka on manually assigned partitions, from the start to the ends.

No consumer group is joined (the live consumers are not disturbed); a group, when given, only receives offset
commits and, for a resumed rebuild, provides the start offsets. Large fetches keep the broker round trips
few; each batch holds the records of every partition in offset order.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tthc.indicators.replay import ReplaySource

_FETCH_MAX_BYTES = 64 << 20
_PARTITION_FETCH_MAX_BYTES = 16 << 20
_POLL_MS = 500


class ReplayStalledError(RuntimeError):
    """The topics stopped delivering records before the end offsets captured at the start."""


class MissingTopicError(LookupError):
    """A topic to replay does not exist on the broker."""


async def topic_partitions(consumer: Any, source: ReplaySource) -> list[tuple[str, int]]:
    """The (topic, partition) pairs to read: every partition of the source's topics, or its chosen ones.

    Raises:
        MissingTopicError: a topic (or a chosen partition) does not exist.
    """
    # The consumer tracks no topic metadata before an assignment: ask the cluster for all of it once.
    cluster = await consumer._client.fetch_all_metadata()
    everything = []
    for topic in source.topics:
        numbers = cluster.partitions_for_topic(topic)
        if not numbers:
            raise MissingTopicError(f"no such topic: {topic}")
        everything += [(topic, number) for number in sorted(numbers)]
    if not source.partitions:
        return everything
    missing = set(source.partitions) - set(everything)
    if missing:
        raise MissingTopicError(f"no such partitions: {sorted(missing)}")
    return [where for where in everything if where in set(source.partitions)]


async def partition_sizes(source: ReplaySource) -> dict[tuple[str, int], int]:
    """How many records each partition to read holds (end offset − beginning offset)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=source.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(*where) for where in await topic_partitions(consumer, source)]
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): max(0, ends[tp] - starts[tp]) for tp in partitions}


class TopicReader:
    """An aiokafka consumer from the start offsets to the end offsets captured when it opens."""

    def __init__(self, source: ReplaySource) -> None:
        from aiokafka import AIOKafkaConsumer

        self._source = source
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=source.bootstrap,
            group_id=source.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_bytes=_FETCH_MAX_BYTES,
            max_partition_fetch_bytes=_PARTITION_FETCH_MAX_BYTES,
        )
        self._starts: dict[Any, int] = {}
        self._ends: dict[Any, int] = {}
        self.total = 0

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        try:
            await self._open()
        except BaseException:
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def _open(self) -> None:
        from aiokafka import TopicPartition

        chosen = await topic_partitions(self._consumer, self._source)
        partitions = [TopicPartition(*where) for where in chosen]
        self._consumer.assign(partitions)
        self._starts = await self._start_offsets(partitions)
        self._ends = await self._consumer.end_offsets(partitions)
        for partition, offset in self._starts.items():
            self._consumer.seek(partition, offset)
        self.total = sum(max(0, self._ends[tp] - self._starts[tp]) for tp in partitions)

    async def _start_offsets(self, partitions: Sequence[Any]) -> dict[Any, int]:
        beginnings: dict[Any, int] = await self._consumer.beginning_offsets(partitions)
        if self._source.from_beginning or self._source.group is None:
            return beginnings
        return {tp: await self._consumer.committed(tp) or beginnings[tp] for tp in partitions}

    async def batches(self) -> AsyncIterator[list[Any]]:
        """Fetched batches (records of every partition, each in offset order) until every end is reached.

        Raises:
            ReplayStalledError: no record arrived for the source's stall timeout before the ends.
        """
        waiting = {tp for tp in self._ends if self._starts[tp] < self._ends[tp]}
        self._consumer.pause(*[tp for tp in self._ends if tp not in waiting])
        last_record = time.monotonic()
        while waiting:
            fetched = await self._consumer.getmany(timeout_ms=_POLL_MS, max_records=self._source.max_records)
            records = [
                record for tp, batch in fetched.items() for record in batch if record.offset < self._ends[tp]
            ]
            for tp in list(waiting):
                if await self._consumer.position(tp) >= self._ends[tp]:
                    waiting.discard(tp)
                    self._consumer.pause(tp)
            if records:
                last_record = time.monotonic()
                yield records
            elif time.monotonic() - last_record > self._source.stall_timeout_s:
                raise ReplayStalledError(
                    f"no records for {self._source.stall_timeout_s}s; waiting on {waiting}"
                )

    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commits `offsets` (the next offset per (topic, partition)) for the group, when there is one."""
        if self._source.group is None or not offsets:
            return
        from aiokafka import TopicPartition

        await self._consumer.commit({TopicPartition(*where): offset for where, offset in offsets.items()})
