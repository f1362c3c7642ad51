"""Checks on what an outbox relay left on a topic: ids, per-key order, duplicate copies (for tests)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def header(record: Any, name: str) -> bytes:
    """The value of header ``name`` of a kafka-python ConsumerRecord."""
    value: bytes = dict(record.headers)[name]
    return value


def notification_ids(records: list[Any]) -> list[int]:
    """The ``es-notification-id`` of each record, in read order."""
    return [int(header(r, "es-notification-id")) for r in records]


def versions_by_key(records: list[Any], drop_duplicates: bool) -> dict[bytes, list[int]]:
    """Per key, the aggregate versions in the order read (optionally keeping only the first copy)."""
    seen: set[int] = set()
    versions: dict[bytes, list[int]] = defaultdict(list)
    for record in records:
        nid = int(header(record, "es-notification-id"))
        if drop_duplicates and nid in seen:
            continue
        seen.add(nid)
        versions[record.key].append(int(header(record, "es-originator-version")))
    return dict(versions)


def copies_by_id(records: list[Any]) -> dict[int, set[tuple[bytes, bytes, tuple[Any, ...]]]]:
    """Per notification id, the distinct (key, value, headers) seen; one entry means identical copies."""
    copies: dict[int, set[tuple[bytes, bytes, tuple[Any, ...]]]] = defaultdict(set)
    for record in records:
        copies[int(header(record, "es-notification-id"))].add(
            (record.key, record.value, tuple(record.headers))
        )
    return dict(copies)
