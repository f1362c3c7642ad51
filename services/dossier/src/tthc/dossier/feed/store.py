"""The feed's own small store: parked history items, and fingerprints of the records already taken.

**Parked history.** History is pushed separately from dossier records (in chunks of 10 in HuanVu201), so
an item can arrive before the record that opens its dossier. Such an item is kept here, keyed by (MaHoSo,
hash of the item), with the unit of the caller who pushed it. When a record of that dossier is later taken,
the intake replays the parked items into the dossier (checking that their caller could push its unit) and
then releases them. Replaying is idempotent (the aggregate ignores an identical item), so a crash between
the dossier write and the release only replays again.

**Record fingerprints.** A provincial system re-sends old snapshots (retries, replays of a day's file).
The SHA-256 of each accepted record's canonical form is kept per dossier, so a re-sent identical record is
a duplicate even when it is older than what the dossier has become since, while a *new* record that would
take the dossier backwards is still refused.

The store lives beside the event store: its own tables ``feed_parked_history`` and ``feed_seen_records`` in
the same SQLite file or PostgreSQL database (not in the event store itself, so the outbox never sees them),
or in memory.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

TABLE = "feed_parked_history"
SEEN_TABLE = "feed_seen_records"


@dataclass(frozen=True)
class ParkedItem:
    """A parked history item: its key, the unit of the caller who sent it (None = trusted) and its JSON."""

    key: str
    caller_unit: str | None
    payload: dict[str, Any]


@dataclass
class FeedWrites:
    """The feed-store writes of one intake batch, kept until its events are saved, then applied at once."""

    parked: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)  # code, unit, item
    remembered: list[tuple[str, str]] = field(default_factory=list)  # code, record fingerprint
    released: list[tuple[str, str]] = field(default_factory=list)  # code, parked item key

    def __bool__(self) -> bool:
        return bool(self.parked or self.remembered or self.released)


@dataclass(frozen=True)
class FeedSnapshot:
    """What the store knows about some dossiers, read at once: fingerprints, dossiers with parked items."""

    codes: frozenset[str]
    seen: frozenset[tuple[str, str]]  # (code, fingerprint)
    parked: frozenset[str]


class FeedStore(Protocol):
    """Where history items wait for their dossier, and which records were already taken."""

    def park(self, code: str, caller_unit: str | None, payload: dict[str, Any]) -> bool:
        """Keeps the item; False when the same item is already parked."""
        ...

    def parked(self, code: str) -> list[ParkedItem]:
        """The items waiting for dossier ``code``, in the order they were parked."""
        ...

    def release(self, code: str, keys: Iterable[str]) -> None:
        """Forgets the given items of dossier ``code``."""
        ...

    def seen(self, code: str, fingerprint: str) -> bool:
        """True when a record with ``fingerprint`` was already taken for dossier ``code``."""
        ...

    def remember(self, code: str, fingerprint: str) -> None:
        """Notes that the record with ``fingerprint`` was taken for dossier ``code``."""
        ...

    def write(self, writes: FeedWrites) -> None:
        """Parks, remembers and releases everything in ``writes``, in one transaction."""
        ...

    def snapshot(self, codes: Iterable[str]) -> FeedSnapshot:
        """The fingerprints taken for dossiers ``codes`` and which of them have parked items."""
        ...


def item_key(payload: dict[str, Any]) -> str:
    """A stable key for an item or record: SHA-256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class MemoryFeedStore:
    """The feed store in memory (tests, ``memory://`` event stores)."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, ParkedItem]] = {}
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def seen(self, code: str, fingerprint: str) -> bool:
        with self._lock:
            return (code, fingerprint) in self._seen

    def remember(self, code: str, fingerprint: str) -> None:
        with self._lock:
            self._seen.add((code, fingerprint))

    def park(self, code: str, caller_unit: str | None, payload: dict[str, Any]) -> bool:
        key = item_key(payload)
        with self._lock:
            waiting = self._items.setdefault(code, {})
            if key in waiting:
                return False
            waiting[key] = ParkedItem(key, caller_unit, payload)
            return True

    def snapshot(self, codes: Iterable[str]) -> FeedSnapshot:
        wanted = frozenset(codes)
        with self._lock:
            seen = frozenset(entry for entry in self._seen if entry[0] in wanted)
            parked = frozenset(code for code in wanted if self._items.get(code))
        return FeedSnapshot(wanted, seen, parked)

    def write(self, writes: FeedWrites) -> None:
        for code, caller_unit, payload in writes.parked:
            self.park(code, caller_unit, payload)
        with self._lock:
            self._seen.update(writes.remembered)
        for code, key in writes.released:
            self.release(code, [key])

    def parked(self, code: str) -> list[ParkedItem]:
        with self._lock:
            return list(self._items.get(code, {}).values())

    def release(self, code: str, keys: Iterable[str]) -> None:
        with self._lock:
            waiting = self._items.get(code, {})
            for key in keys:
                waiting.pop(key, None)
            if not waiting:
                self._items.pop(code, None)


class SqlFeedStore:
    """The feed store in SQL tables (SQLite file or PostgreSQL), one connection guarded by a lock."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self._connection = connection
        self._p = placeholder
        self._lock = threading.Lock()
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (code TEXT NOT NULL, item_key TEXT NOT NULL, "
            "caller_unit TEXT, payload TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (code, item_key))"
        )
        self._execute(
            f"CREATE TABLE IF NOT EXISTS {SEEN_TABLE} (code TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "PRIMARY KEY (code, fingerprint))"
        )

    def seen(self, code: str, fingerprint: str) -> bool:
        statement = f"SELECT 1 FROM {SEEN_TABLE} WHERE code = {self._p} AND fingerprint = {self._p}"
        with self._lock:
            return self._connection.execute(statement, (code, fingerprint)).fetchone() is not None

    def remember(self, code: str, fingerprint: str) -> None:
        p = self._p
        statement = f"INSERT INTO {SEEN_TABLE} (code, fingerprint) VALUES ({p}, {p}) ON CONFLICT DO NOTHING"
        self._execute(statement, (code, fingerprint))

    def park(self, code: str, caller_unit: str | None, payload: dict[str, Any]) -> bool:
        return self._execute(*self._park_statement(code, caller_unit, payload)) == 1

    def snapshot(self, codes: Iterable[str]) -> FeedSnapshot:
        wanted = frozenset(codes)
        if not wanted:
            return FeedSnapshot(wanted, frozenset(), frozenset())
        among = f"code IN ({', '.join([self._p] * len(wanted))})"
        params = tuple(wanted)
        with self._lock:
            seen = self._connection.execute(
                f"SELECT code, fingerprint FROM {SEEN_TABLE} WHERE {among}", params
            )
            seen_rows = seen.fetchall()
            parked = self._connection.execute(f"SELECT DISTINCT code FROM {TABLE} WHERE {among}", params)
            parked_rows = parked.fetchall()
        return FeedSnapshot(
            wanted, frozenset(map(tuple, seen_rows)), frozenset(row[0] for row in parked_rows)
        )

    def write(self, writes: FeedWrites) -> None:
        p = self._p
        statements = [self._park_statement(code, unit, payload) for code, unit, payload in writes.parked]
        remember = f"INSERT INTO {SEEN_TABLE} (code, fingerprint) VALUES ({p}, {p}) ON CONFLICT DO NOTHING"
        statements += [(remember, entry) for entry in writes.remembered]
        release = f"DELETE FROM {TABLE} WHERE code = {p} AND item_key = {p}"
        statements += [(release, entry) for entry in writes.released]
        with self._lock:
            try:
                for statement, params in statements:
                    self._connection.execute(statement, params)
            except BaseException:
                self._connection.rollback()
                raise
            self._connection.commit()

    def _park_statement(
        self, code: str, caller_unit: str | None, payload: dict[str, Any]
    ) -> tuple[str, tuple[Any, ...]]:
        p, key = self._p, item_key(payload)
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        statement = (
            f"INSERT INTO {TABLE} (code, item_key, caller_unit, payload, seq) "
            f"SELECT {p}, {p}, {p}, {p}, COALESCE(MAX(seq), 0) + 1 FROM {TABLE} WHERE 1 = 1 "
            f"ON CONFLICT (code, item_key) DO NOTHING"
        )
        return statement, (code, key, caller_unit, text)

    def parked(self, code: str) -> list[ParkedItem]:
        statement = f"SELECT item_key, caller_unit, payload FROM {TABLE} WHERE code = {self._p} ORDER BY seq"
        with self._lock:
            rows = self._connection.execute(statement, (code,)).fetchall()
        return [ParkedItem(key, unit, json.loads(text)) for key, unit, text in rows]

    def release(self, code: str, keys: Iterable[str]) -> None:
        for key in keys:
            self._execute(f"DELETE FROM {TABLE} WHERE code = {self._p} AND item_key = {self._p}", (code, key))

    def close(self) -> None:
        """Closes the connection."""
        self._connection.close()

    def _execute(self, statement: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            cursor = self._connection.execute(statement, params)
            self._connection.commit()
            return int(cursor.rowcount)


def open_feed_store(store_url: str) -> FeedStore:
    """The feed store for an event-store URL: the same SQLite file or PostgreSQL database, or memory."""
    if store_url == "memory://" or store_url.startswith("sqlite://:memory:"):
        return MemoryFeedStore()
    if store_url.startswith("sqlite:///"):
        path = store_url.removeprefix("sqlite:///")
        return SqlFeedStore(sqlite3.connect(path, check_same_thread=False, timeout=30), "?")
    if store_url.startswith(("postgresql://", "postgres://")):
        import psycopg

        return SqlFeedStore(psycopg.connect(store_url), "%s")
    raise ValueError(
        f"unsupported store URL {store_url!r}: use sqlite:///FILE, memory:// or postgresql://..."
    )
