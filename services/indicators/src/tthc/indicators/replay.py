"""Rebuilding the facts store from the event topics (they keep everything: architecture §3).

`replay` reads the dossier and catalogue topics with manual partition assignment (never joining a consumer
group, so the live consumers are not disturbed) from offset 0 up to the end offsets captured when it starts,
and applies every polled batch to the store in one transaction, exactly as the live consumer does (same
decoding, same exactly-once rule: a re-published copy is counted as a duplicate). Events published after the
start are left to the consumer that runs next.

- The target store must be fresh: `StoreNotEmptyError` unless `force`, which clears it first.
- `group`: also commit each applied batch's next offsets for this consumer group, so workers started with
  it on the rebuilt store go on from where the replay stopped. Kafka refuses these commits while the group
  has live members. With `from_beginning=False` the replay resumes from the group's committed offsets into
  the existing store (an interrupted rebuild; the store's tracking makes any overlap harmless).
- Nothing is dead-lettered again (the live consumer did it); unreadable and rejected events are counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tthc.indicators.entrypoints.kafka import read_records
from tthc.indicators.projection.store import FactsStore

Progress = Callable[[int, int], None]
"""Called after each batch with the number of records just replayed and the total to replay."""


class StoreNotEmptyError(RuntimeError):
    """A replay into a store that already holds facts, parked events or tracking rows."""


class ReplayStalledError(RuntimeError):
    """The topics stopped delivering records before the end offsets captured at the start."""


class MissingTopicError(LookupError):
    """A topic to replay does not exist on the broker."""


@dataclass(frozen=True, slots=True)
class ReplaySource:
    """Where to read: bootstrap servers, topics, an optional group to commit to, and where to start."""

    bootstrap: str
    topics: tuple[str, ...]
    group: str | None = None
    from_beginning: bool = True
    max_records: int = 2000
    stall_timeout_s: float = 60.0


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay read and did; `parked` is what the store still holds ahead of a gap at the end."""

    records: int
    unreadable: int
    applied: int
    duplicates: int
    parked: int
    rejected: int
    dossiers: int
    procedures: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """Records replayed per second of wall time."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


def replay(
    store: FactsStore, source: ReplaySource, *, force: bool = False, progress: Progress | None = None
) -> ReplayReport:
    """Replays the topics into `store` (see the module docstring).

    Raises:
        StoreNotEmptyError: a replay from the beginning into a store that is not fresh, without `force`.
        MissingTopicError: a topic does not exist.
        ReplayStalledError: no record arrived for `stall_timeout_s` before the end offsets were reached.
    """
    if source.from_beginning and not store.is_empty():
        if not force:
            raise StoreNotEmptyError("the store already holds a projection; use a fresh one or force")
        store.clear()
    started = time.monotonic()
    totals = _Totals()
    with _Reader(source) as reader:
        for records in reader.batches():
            events, letters = read_records(records)
            result = store.apply(events).result
            reader.commit(records)
            totals.add(len(records), len(letters), result.applied, result.duplicates, len(result.rejected))
            if progress is not None:
                progress(len(records), reader.total)
    return ReplayReport(
        records=totals.records,
        unreadable=totals.unreadable,
        applied=totals.applied,
        duplicates=totals.duplicates,
        parked=store.pending_count(),
        rejected=totals.rejected,
        dossiers=sum(1 for _ in store.dossiers()),
        procedures=len(store.procedures()),
        seconds=time.monotonic() - started,
    )


@dataclass(slots=True)
class _Totals:
    records: int = 0
    unreadable: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, records: int, unreadable: int, applied: int, duplicates: int, rejected: int) -> None:
        self.records += records
        self.unreadable += unreadable
        self.applied += applied
        self.duplicates += duplicates
        self.rejected += rejected


class _Reader:
    """kafka-python consumer on manually assigned partitions, from the start offsets to the captured ends."""

    def __init__(self, source: ReplaySource) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self._source = source
        self._consumer = KafkaConsumer(
            bootstrap_servers=source.bootstrap,
            group_id=source.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=source.max_records,
        )
        partitions = []
        for topic in source.topics:
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                self._consumer.close()
                raise MissingTopicError(f"no such topic: {topic}")
            partitions += [TopicPartition(topic, number) for number in sorted(numbers)]
        self._consumer.assign(partitions)
        self._starts = self._start_offsets(partitions)
        self._ends: dict[Any, int] = self._consumer.end_offsets(partitions)
        for partition, offset in self._starts.items():
            self._consumer.seek(partition, offset)
        self.total: int = sum(max(0, self._ends[tp] - self._starts[tp]) for tp in partitions)

    def _start_offsets(self, partitions: Sequence[Any]) -> dict[Any, int]:
        beginnings: dict[Any, int] = self._consumer.beginning_offsets(partitions)
        if self._source.from_beginning or self._source.group is None:
            return beginnings
        return {tp: self._consumer.committed(tp) or beginnings[tp] for tp in partitions}

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._consumer.close()

    def batches(self) -> Iterator[list[Any]]:
        """Polled batches (records of every partition, each in offset order) until every end is reached."""
        waiting = {tp for tp in self._ends if self._starts[tp] < self._ends[tp]}
        self._consumer.pause(*[tp for tp in self._ends if tp not in waiting])
        last_record = time.monotonic()
        while waiting:
            polled = self._consumer.poll(timeout_ms=500, max_records=self._source.max_records)
            records = [
                record for tp, batch in polled.items() for record in batch if record.offset < self._ends[tp]
            ]
            for tp in [tp for tp in waiting if self._consumer.position(tp) >= self._ends[tp]]:
                waiting.discard(tp)
                self._consumer.pause(tp)
            if records:
                last_record = time.monotonic()
                yield records
            elif time.monotonic() - last_record > self._source.stall_timeout_s:
                raise ReplayStalledError(
                    f"no records for {self._source.stall_timeout_s}s; waiting on {waiting}"
                )

    def commit(self, records: Sequence[Any]) -> None:
        """Commits the next offsets after `records` for the group (when there is one)."""
        if self._source.group is None or not records:
            return
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        nexts: dict[Any, Any] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            nexts[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
        self._consumer.commit(nexts)
