"""Kafka entry point of the indicators projection: public dossier and catalogue events → the facts store.

One batch subscriber on ``tthc.dossier.events.v1`` and ``tthc.catalog.events.v1``: explicit group
(``tthc-indicators`` by default), from the earliest offset, up to ``max_records`` records per poll. A polled
batch is one store transaction (run in a worker thread); the offsets are committed (manual ack) only after
that transaction commits. If it fails, the batch is not acknowledged: the consumer seeks back to its first
records and the batch is delivered again after ``retry_delay_s`` (re-applying is harmless: the store
skips versions it already has).

Nothing is dropped silently. A message that is not a public event this service reads, and an event the facts
could not absorb (still counted in its dossier's version), go to ``<topic>.dlq`` with headers
``x-dlq-reason``, ``x-original-topic``, ``x-original-partition``, ``x-original-offset``.

An optional observer (the service metrics) hears about every batch, committed or failed, after the fact; it
cannot change or stop the projection (an error in it is logged and ignored).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.annotations import KafkaMessage

from tthc.contracts import topics
from tthc.indicators.application import Indicators
from tthc.indicators.config import IndicatorsSettings
from tthc.indicators.metrics_batch import BatchObserver, consumed_batch, ignore_batch
from tthc.indicators.projection.decoding import (
    InboundEvent,
    Position,
    Stream,
    UnreadableEventError,
    decode,
)
from tthc.indicators.projection.sequencing import BatchResult, Rejection

log = logging.getLogger(__name__)

GROUP_ID = "tthc-indicators"


@dataclass(frozen=True, slots=True)
class ConsumerOptions:
    """Topics, consumer group and batching of the projection subscriber."""

    dossier_topic: str = topics.DOSSIER_EVENTS
    catalog_topic: str = topics.CATALOG_EVENTS
    group_id: str = GROUP_ID
    max_records: int = 1000
    batch_timeout_ms: int = 200
    retry_delay_s: float = 1.0

    @classmethod
    def of(cls, settings: IndicatorsSettings) -> ConsumerOptions:
        """The options in the service settings."""
        return cls(
            dossier_topic=settings.dossier_topic,
            catalog_topic=settings.catalog_topic,
            group_id=settings.group_id,
            max_records=settings.max_records,
            batch_timeout_ms=settings.batch_timeout_ms,
        )


@dataclass(frozen=True, slots=True)
class _DeadLetter:
    topic: str
    value: bytes
    key: bytes | None
    headers: dict[str, str]


def build_router(
    indicators: Indicators, options: ConsumerOptions | None = None, observer: BatchObserver = ignore_batch
) -> KafkaRouter:
    """A router with the projection subscriber and its dead-letter publishers; `observer` hears each batch."""
    options = options or ConsumerOptions()
    router = KafkaRouter()
    # the batches' own thread: the default executor also serves scrapes and queries, which must not make a
    # batch wait for a free thread
    projection = ThreadPoolExecutor(max_workers=1, thread_name_prefix="indicators-projection")
    publishers = {
        topic: router.publisher(topics.dead_letter(topic))
        for topic in (options.dossier_topic, options.catalog_topic)
    }

    async def publish(letters: Sequence[_DeadLetter]) -> None:
        for letter in letters:
            publisher = publishers.get(letter.topic, publishers[options.dossier_topic])
            await publisher.publish(letter.value, key=letter.key, headers=letter.headers)

    def stream_topic(event: InboundEvent) -> str:
        fallback = options.catalog_topic if event.stream is Stream.PROCEDURE else options.dossier_topic
        return event.position.topic or fallback

    @router.subscriber(
        options.dossier_topic,
        options.catalog_topic,
        group_id=options.group_id,
        auto_offset_reset="earliest",
        batch=True,
        max_records=options.max_records,
        batch_timeout_ms=options.batch_timeout_ms,
        ack_policy=AckPolicy.MANUAL,
    )
    async def on_public_events(message: KafkaMessage) -> None:
        started = time.perf_counter()
        records = _records(message.raw_message)
        events, unreadable = read_records(records)
        try:
            await publish(unreadable)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(projection, indicators.apply_batch, events)
            await publish([_rejected(item, stream_topic(item.event)) for item in result.rejected])
        except Exception:
            log.exception("projection batch of %d records failed; it will be delivered again", len(records))
            _report(
                observer,
                records,
                events,
                unreadable=(),
                result=None,
                started=started,
                consumer=message.consumer,
            )
            await asyncio.sleep(options.retry_delay_s)
            await message.nack()
            return
        await message.ack()
        _report(
            observer,
            records,
            events,
            unreadable=unreadable,
            result=result,
            started=started,
            consumer=message.consumer,
        )
        _log_result(result, len(records))

    return router


def build_broker(
    settings: IndicatorsSettings,
    indicators: Indicators,
    *,
    observer: BatchObserver = ignore_batch,
    **broker_options: Any,
) -> KafkaBroker:
    """A broker on the settings' bootstrap servers with the projection router included."""
    broker = KafkaBroker(settings.kafka_bootstrap_servers, **broker_options)
    broker.include_router(build_router(indicators, ConsumerOptions.of(settings), observer))
    return broker


def read_records(records: Sequence[Any]) -> tuple[list[InboundEvent], list[_DeadLetter]]:
    """Decodes Kafka records into inbound events; the unreadable ones become dead letters."""
    events: list[InboundEvent] = []
    letters: list[_DeadLetter] = []
    for record in records:
        notification = _notification_id(record.headers) if record.headers else None
        position = tuple.__new__(Position, (record.topic, record.partition, record.offset, notification))
        value = record.value or b""
        try:
            events.append(decode(value, position))
        except UnreadableEventError as error:
            letters.append(_DeadLetter(record.topic, value, record.key, _origin(position, error)))
    return events, letters


def _report(
    observer: BatchObserver,
    records: Sequence[Any],
    events: Sequence[InboundEvent],
    *,
    unreadable: Sequence[_DeadLetter],
    result: BatchResult | None,
    started: float,
    consumer: Any,
) -> None:
    """Tells the observer about a batch (a failed one: `result` None, its dead letters not counted yet)."""
    try:
        topics = [letter.topic for letter in unreadable]
        seconds = time.perf_counter() - started
        observer(consumed_batch(records, events, topics, result, seconds=seconds, consumer=consumer))
    except Exception:
        log.exception("the batch observer failed; the projection goes on")


def _records(raw: Any) -> tuple[Any, ...]:
    return tuple(raw) if isinstance(raw, (tuple, list)) else (raw,)


def _notification_id(headers: Sequence[tuple[str, bytes]]) -> int | None:
    """The upstream notification id of a record's headers (the last one given), if it is a number."""
    text = ""
    for name, value in headers:
        if name == "es-notification-id":
            text = (value or b"").decode(errors="replace")
    return int(text) if text.isdigit() else None


def _origin(position: Position, reason: object) -> dict[str, str]:
    return {
        "x-dlq-reason": str(reason),
        "x-original-topic": position.topic,
        "x-original-partition": str(position.partition),
        "x-original-offset": str(position.offset),
    }


def _rejected(rejection: Rejection, topic: str) -> _DeadLetter:
    event = rejection.event
    headers = _origin(event.position, f"not applicable: {rejection.reason}")
    headers["x-dlq-event-id"] = event.event_id
    return _DeadLetter(topic, event.to_json().encode(), event.aggregate_id.encode(), headers)


def _log_result(result: BatchResult, records: int) -> None:
    log.debug(
        "projected %d records: %d applied, %d duplicates, %d parked, %d rejected",
        records, result.applied, result.duplicates, result.parked, len(result.rejected),
    )  # fmt: skip
