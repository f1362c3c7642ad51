"""Plain DB-API access to SQLite (a file, the default) or PostgreSQL (by URL), no ORM.

SQL is written once with `?` placeholders; the PostgreSQL backend rewrites them to `%s`. One connection per
store, guarded by a lock: writes come from one consumer task at a time (through `asyncio.to_thread`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol


class StoreUrlError(ValueError):
    """A store URL that is neither `sqlite:///FILE` nor `postgresql://…`."""


class Cursor(Protocol):
    """The part of a DB-API cursor the store uses."""

    rowcount: int

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, params: Sequence[Sequence[Any]], /) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Database(Protocol):
    """A connection with transactions, the dialect's placeholder rewrite and its integrity errors."""

    integrity_errors: tuple[type[Exception], ...]
    instant_type: str

    def transaction(self) -> Any:
        """A context manager yielding a cursor; commits on exit, rolls back on an exception."""

    def reading(self) -> Any:
        """A context manager yielding a cursor for reads that take no write lock (one snapshot)."""

    def sql(self, text: str) -> str:
        """`text` with the dialect's placeholders."""

    def instant(self, at: datetime | None) -> Any:
        """An aware instant as the dialect stores it."""

    def close(self) -> None:
        """Closes the connection."""


class SqliteDatabase:
    """A SQLite file in WAL mode; `BEGIN IMMEDIATE` takes the write lock up front."""

    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    instant_type = "TEXT"

    def __init__(self, path: str, page_cache_mib: int | None = None) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        if page_cache_mib is not None:
            self._connection.execute(f"PRAGMA cache_size=-{int(page_cache_mib) * 1024}")
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction."""
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Cursor]:
        """A deferred transaction: one WAL snapshot, no lock held against other writers."""
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN")
            try:
                yield cursor
            finally:
                cursor.execute("COMMIT")

    def sql(self, text: str) -> str:
        """SQLite speaks `?` natively."""
        return text

    def instant(self, at: datetime | None) -> Any:
        """ISO 8601 text in UTC (sorts as time)."""
        return None if at is None else at.astimezone(UTC).isoformat()

    def close(self) -> None:
        """Closes the file."""
        self._connection.close()


class PostgresDatabase:
    """One psycopg connection; each transaction is `conn.transaction()`."""

    instant_type = "TIMESTAMPTZ"

    def __init__(self, url: str) -> None:
        import psycopg

        self.integrity_errors: tuple[type[Exception], ...] = (psycopg.IntegrityError,)
        self._connection = psycopg.connect(url, autocommit=True)
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One transaction."""
        with self._lock, self._connection.transaction(), self._connection.cursor() as cursor:
            yield cursor

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A transaction that only reads (PostgreSQL readers never block writers)."""
        with self.transaction() as cursor:
            yield cursor

    def sql(self, text: str) -> str:
        """`?` → `%s` (the store's SQL has no literal question marks)."""
        return text.replace("?", "%s")

    def instant(self, at: datetime | None) -> Any:
        """psycopg adapts aware datetimes to timestamptz."""
        return at

    def close(self) -> None:
        """Closes the connection."""
        self._connection.close()


def open_database(url: str, *, page_cache_mib: int | None = None) -> SqliteDatabase | PostgresDatabase:
    """`sqlite:///FILE` (or `sqlite:///:memory:`) or `postgresql://…` / `postgres://…`; `page_cache_mib`
    sizes SQLite's page cache for this connection (None: SQLite's 2 MiB; PostgreSQL's cache is the server's).

    Raises:
        StoreUrlError: another scheme.
    """
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url.removeprefix("sqlite:///") or ":memory:", page_cache_mib)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    raise StoreUrlError(f"unsupported store URL {url!r}: use sqlite:///FILE or postgresql://…")
