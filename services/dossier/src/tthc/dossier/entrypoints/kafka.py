"""Kafka entry point of the provincial feed: ``tthc.feed.dossier.v1`` → the feed intake.

A message value is one HoSoDongBoDVC record or a JSON array of them. The Kafka channel is trusted: only
the province's own integration services can produce to the topic (broker ACLs), so each record speaks for
its own unit (``DonViXuLy`` / ``MaDonVi``) and no token is checked; the unit must still exist.

Consumption: group ``tthc-dossier-feed``, from the earliest offset, acknowledged after processing
(``AckPolicy.ACK``; the handler returns only when every record is applied or dead-lettered). Nothing is
dropped silently: an unreadable message (not JSON), each rejected record, and a message whose processing
failed go to ``tthc.feed.dossier.v1.dlq`` with headers ``x-dlq-reason``, ``x-dlq-field``, ``x-dlq-index``,
``x-original-topic``, ``x-original-partition`` and ``x-original-offset``. Re-delivered records are harmless:
the intake answers "duplicate" for what it already has.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage

from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.results import Outcome, RecordResult
from tthc.kit.kafka.topics import DLQ_SUFFIX, DOSSIER_FEED

FEED_GROUP_ID = "tthc-dossier-feed"
log = logging.getLogger(__name__)


def build_feed_router(
    intake: FeedIntake, *, topic: str = DOSSIER_FEED, group_id: str = FEED_GROUP_ID
) -> KafkaRouter:
    """A router with the feed subscriber and its dead-letter publisher; include it in the service's broker."""
    router = KafkaRouter()
    dead_letters = router.publisher(topic + DLQ_SUFFIX)
    writer = anyio.CapacityLimiter(1)

    async def dead_letter(message: KafkaMessage, body: bytes, headers: dict[str, str]) -> None:
        key = getattr(message.raw_message, "key", None)
        await dead_letters.publish(body, key=key, headers={**_origin(message), **headers})

    @router.subscriber(topic, group_id=group_id, auto_offset_reset="earliest", ack_policy=AckPolicy.ACK)
    async def on_feed_dossier(message: KafkaMessage) -> None:
        try:
            batch = _as_batch(json.loads(message.body))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            await dead_letter(
                message, message.body, {"x-dlq-reason": f"not JSON: {error}", "x-dlq-field": ""}
            )
            return
        try:
            results = await anyio.to_thread.run_sync(intake.ingest, batch, Caller.trusted(), limiter=writer)
        except Exception as error:  # the whole message is kept for replay, never acknowledged silently
            log.exception("feed message processing failed")
            await dead_letter(
                message, message.body, {"x-dlq-reason": f"processing failed: {error}", "x-dlq-field": ""}
            )
            return
        for result in results:
            if result.outcome is Outcome.REJECTED:
                await dead_letter(message, _record_bytes(batch[result.index]), _rejection_headers(result))

    return router


def _as_batch(document: Any) -> list[Any]:
    return document if isinstance(document, list) else [document]


def _record_bytes(record: Any) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode()


def _rejection_headers(result: RecordResult) -> dict[str, str]:
    return {
        "x-dlq-reason": "; ".join(f"{problem.field}: {problem.reason}" for problem in result.errors),
        "x-dlq-field": ",".join(dict.fromkeys(problem.field for problem in result.errors)),
        "x-dlq-index": str(result.index),
    }


def _origin(message: KafkaMessage) -> dict[str, str]:
    raw = message.raw_message
    return {
        "x-original-topic": str(getattr(raw, "topic", "")),
        "x-original-partition": str(getattr(raw, "partition", "")),
        "x-original-offset": str(getattr(raw, "offset", "")),
    }
