"""What the projection consumer reports about each polled batch, for the metrics (no Kafka import here).

The consumer builds a `ConsumedBatch` from the polled records (`consumed_batch`) after the batch's store
transaction commits (or fails) and hands it to its observer, by default nobody. Everything here is cheap:
the consumer's last known high-water marks (kept by the client from its fetch responses, no request) give
the records behind per partition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tthc.indicators.projection.decoding import InboundEvent
from tthc.indicators.projection.sequencing import BatchResult

Partition = tuple[str, int]
"""(topic, partition)."""


@dataclass(frozen=True, slots=True)
class ConsumedBatch:
    """One polled batch as the consumer saw it.

    - `records` / `unreadable`: records polled / dead-lettered as unreadable, per topic;
    - `events`: the readable events handed to the read model; `result`: what they did (None = the batch
      failed and will be delivered again);
    - `seconds`: from the poll's hand-over to the commit (or the failure);
    - `produced_at`: per readable event, when it was recorded (the Kafka record timestamp, else the
      CloudEvent `time`), as POSIX seconds;
    - `behind`: records behind the batch's last record per partition (None = the client cannot tell);
      `assigned`: the partitions the consumer owns now (None = unknown).
    """

    records: Mapping[str, int]
    unreadable: Mapping[str, int]
    events: Sequence[InboundEvent]
    result: BatchResult | None
    seconds: float
    produced_at: Sequence[float] = ()
    behind: Mapping[Partition, int] = field(default_factory=dict)
    assigned: frozenset[Partition] | None = None


BatchObserver = Callable[[ConsumedBatch], None]
"""Called by the consumer once per batch; must not raise (the consumer logs and ignores it if it does)."""


def ignore_batch(_: ConsumedBatch) -> None:
    """The default observer: nothing."""


def consumed_batch(
    records: Sequence[Any],
    events: Sequence[InboundEvent],
    unreadable_topics: Iterable[str],
    result: BatchResult | None,
    *,
    seconds: float,
    consumer: Any = None,
) -> ConsumedBatch:
    """The report of a batch of Kafka records (aiokafka `ConsumerRecord`s) and of the consumer that polled
    them (None or a test double: no lag)."""
    assigned = _assignment(consumer)
    return ConsumedBatch(
        records=_per_topic(record.topic for record in records),
        unreadable=_per_topic(unreadable_topics),
        events=events,
        result=result,
        seconds=seconds,
        produced_at=produced_at(records, events),
        behind=records_behind(records, consumer, assigned),
        assigned=assigned,
    )


def produced_at(records: Sequence[Any], events: Sequence[InboundEvent]) -> tuple[float, ...]:
    """When each event was recorded: its record's Kafka timestamp (ms), else its CloudEvent `time`."""
    stamps = {
        (record.topic, record.partition, record.offset): record.timestamp / 1000
        for record in records
        if isinstance(getattr(record, "timestamp", None), int) and record.timestamp >= 0
    }
    found: list[float] = []
    for event in events:
        at = event.position
        stamp = stamps.get((at.topic, at.partition, at.offset))
        found.append(stamp if stamp is not None else event.envelope["time"].timestamp())
    return tuple(found)


def records_behind(
    records: Sequence[Any], consumer: Any, assigned: frozenset[Partition] | None
) -> dict[Partition, int]:
    """Per partition of the batch still assigned: the client's last known high-water mark minus the next
    offset to read (partitions without a known mark yet are left out)."""
    highwater = getattr(consumer, "highwater", None)
    if not callable(highwater) or assigned is None:
        return {}
    from aiokafka import TopicPartition  # the client's own key type; imported only with a real consumer

    next_offset: dict[Partition, int] = {}
    for record in records:
        key = (record.topic, record.partition)
        next_offset[key] = max(next_offset.get(key, 0), record.offset + 1)
    behind: dict[Partition, int] = {}
    for (topic, partition), offset in next_offset.items():
        if (topic, partition) not in assigned:
            continue  # revoked by a rebalance meanwhile: the client no longer tracks it
        end = highwater(TopicPartition(topic, partition))
        if isinstance(end, int):
            behind[(topic, partition)] = max(0, end - offset)
    return behind


def _assignment(consumer: Any) -> frozenset[Partition] | None:
    assignment = getattr(consumer, "assignment", None)
    if not callable(assignment):
        return None
    try:
        return frozenset((tp.topic, tp.partition) for tp in assignment())
    except Exception:  # a client between states (closing, rebalancing): the lag is unknown this time
        return None


def _per_topic(topics: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for topic in topics:
        counts[topic] = counts.get(topic, 0) + 1
    return counts
