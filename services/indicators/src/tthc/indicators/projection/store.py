"""The facts store: dossier and procedure facts, parked events and tracking, on SQLite or PostgreSQL.

Tables:
- `dossier_facts` (dossier id PK, unit code, procedure code, received_at, last applied version, facts JSON);
- `procedure_facts` (procedure code PK, version, the latest `ProcedureChanged` JSON);
- `pending_events` (stream, aggregate id, sequence) → the CloudEvent JSON of an event ahead of a gap;
- `tracking` (stream, aggregate id) → the last applied version, its CloudEvent id and where it was read
  (topic, partition, offset, upstream notification id): the record keyed by the upstream position;
- `change_counter`: one row, the last change sequence number handed out.

Change sequence (for read models on a shared store, docs/scale-out.md): every write of a `dossier_facts`
or `procedure_facts` row sets its `change_seq` to the next number of the counter. The counter row is updated
first in every writing transaction, so it serialises the writers' write phases and is held until commit:
numbers are dense and committed in order, and a reader that has seen every change up to `n` only needs the
rows with `change_seq > n`. (A plain database sequence would not do: its numbers are taken before commit, so
a reader could see 11 committed before 10 and skip 10 for ever.)

A whole batch is one transaction: the facts, the parked events and the tracking rows commit together or not
at all. Tracking rows are written with an optimistic check on the version read at the start of the batch, so
two consumers that both think they own a dossier (during a rebalance) cannot both apply: the loser's batch
rolls back with `ConcurrentProjectionError` and is redelivered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tthc.contracts import catalog_v1
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.projection.backends import Database, open_database
from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json
from tthc.indicators.projection.decoding import InboundEvent, Position, Stream, decode
from tthc.indicators.projection.recent import RecentFacts
from tthc.indicators.projection.sequencing import BatchProjection, BatchResult, DossierState, ProcedureState

_CHUNK = 500  # ids per IN (...) list
_COUNTER = "facts"


class ConcurrentProjectionError(RuntimeError):
    """Another consumer applied events of the same aggregate meanwhile; the batch was rolled back."""


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """A committed batch: its counts, the facts it changed (for the in-memory caches) and the change
    sequence numbers its facts rows took (empty when it wrote no facts)."""

    result: BatchResult
    dossiers: dict[str, DossierFacts]
    procedures: dict[str, catalog_v1.ProcedureChanged]
    changes: range = range(0)


@dataclass(frozen=True, slots=True)
class FactsChanges:
    """The facts rows written after a known change sequence number, up to `last` (inclusive)."""

    dossiers: list[DossierFacts]
    procedures: dict[str, catalog_v1.ProcedureChanged]
    last: int


def _schema(instant_type: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE IF NOT EXISTS dossier_facts (
            dossier_id TEXT PRIMARY KEY, unit_code TEXT NOT NULL, procedure_code TEXT NOT NULL,
            received_at {instant_type}, version BIGINT NOT NULL, facts TEXT NOT NULL,
            change_seq BIGINT NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS procedure_facts (
            procedure_code TEXT PRIMARY KEY, version BIGINT NOT NULL, snapshot TEXT NOT NULL,
            change_seq BIGINT NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS pending_events (
            stream TEXT NOT NULL, aggregate_id TEXT NOT NULL, sequence BIGINT NOT NULL, event TEXT NOT NULL,
            topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,
            notification_id BIGINT, PRIMARY KEY (stream, aggregate_id, sequence))""",
        """CREATE TABLE IF NOT EXISTS tracking (
            stream TEXT NOT NULL, aggregate_id TEXT NOT NULL, version BIGINT NOT NULL, event_id TEXT NOT NULL,
            topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,
            notification_id BIGINT, PRIMARY KEY (stream, aggregate_id))""",
        "CREATE TABLE IF NOT EXISTS change_counter (name TEXT PRIMARY KEY, last BIGINT NOT NULL)",
        # never waits on a writer holding the counter row (an ON CONFLICT check alone would)
        f"""INSERT INTO change_counter (name, last) SELECT '{_COUNTER}', 0
            WHERE NOT EXISTS (SELECT 1 FROM change_counter) ON CONFLICT (name) DO NOTHING""",
    )


# Created last, in the order writers lock the tables (PostgreSQL takes a share lock even when they exist),
# so that opening a store next to running writers cannot deadlock with them.
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS dossier_facts_by_unit ON dossier_facts (unit_code)",
    "CREATE INDEX IF NOT EXISTS dossier_facts_by_change ON dossier_facts (change_seq)",
    "CREATE INDEX IF NOT EXISTS procedure_facts_by_change ON procedure_facts (change_seq)",
)


class FactsStore:
    """Dossier and procedure facts with exactly-once effects per aggregate version."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._recent = RecentFacts()
        with database.transaction() as cursor:
            for statement in _schema(database.instant_type):
                cursor.execute(statement)
            for table in ("dossier_facts", "procedure_facts"):
                _add_change_seq_if_missing(cursor, table)
            for statement in _INDEXES:
                cursor.execute(statement)

    @classmethod
    def open(cls, url: str) -> FactsStore:
        """A store at `sqlite:///FILE` or `postgresql://…` (tables created when missing)."""
        return cls(open_database(url))

    def close(self) -> None:
        """Closes the connection."""
        self._db.close()

    # -- writing -------------------------------------------------------------------------------------------

    def apply(self, events: Sequence[InboundEvent]) -> StoredBatch:
        """Applies a batch in one transaction (nothing is written if anything in it raises).

        Raises:
            ConcurrentProjectionError: another writer moved one of the batch's aggregates meanwhile.
        """
        with self._db.transaction() as cursor:
            dossiers = self._load_dossiers(cursor, _keys(events, Stream.DOSSIER))
            procedures = self._load_procedures(cursor, _keys(events, Stream.PROCEDURE))
            before = _Before.of(dossiers, procedures)
            projection = BatchProjection(dossiers, procedures)
            for event in events:
                projection.add(event)
            changes = self._write(cursor, projection, before)
        for key in projection.changed_dossiers:  # committed: this version's facts are the stored ones
            self._recent.put(key, dossiers[key].version, dossiers[key].facts)
        changed = {key: dossiers[key].facts for key in projection.changed_dossiers}
        return StoredBatch(
            projection.result(),
            {key: facts for key, facts in changed.items() if facts is not None},
            {key: _snapshot(procedures[key]) for key in projection.changed_procedures},
            changes,
        )

    def _write(self, cursor: Any, projection: BatchProjection, before: _Before) -> range:
        """Writes what changed; returns the change sequence numbers taken by the facts rows."""
        dossier_keys = sorted(projection.changed_dossiers)
        procedure_keys = sorted(projection.changed_procedures)
        facts_rows = [
            row for key in dossier_keys if (row := self._facts_row(key, projection.dossiers[key])) is not None
        ]
        procedure_rows = [
            (key, projection.procedures[key].version, _snapshot(projection.procedures[key]).model_dump_json())
            for key in procedure_keys
        ]
        if not (dossier_keys or procedure_keys or _pending_changed(projection, before)):
            return range(0)
        # first write of the transaction: the counter row lock orders every writer's commit (see above)
        changes = self._claim_changes(cursor, len(facts_rows) + len(procedure_rows))
        numbers = iter(changes)
        for key in dossier_keys:
            last = projection.dossiers[key].last_event
            self._track(cursor, Stream.DOSSIER, key, last, before.dossier_versions.get(key))
        for key in procedure_keys:
            last = projection.procedures[key].last_event
            self._track(cursor, Stream.PROCEDURE, key, last, before.procedure_versions.get(key))
        if facts_rows:
            rows = [(*row, next(numbers)) for row in facts_rows]
            cursor.executemany(self._db.sql(_UPSERT_DOSSIER), rows)
        if procedure_rows:
            rows = [(*row, next(numbers)) for row in procedure_rows]
            cursor.executemany(self._db.sql(_UPSERT_PROCEDURE), rows)
        self._write_pending(cursor, projection, before)
        return changes

    def _claim_changes(self, cursor: Any, count: int) -> range:
        cursor.execute(self._db.sql(_CLAIM_CHANGES), (count, _COUNTER))
        last = int(cursor.fetchall()[0][0])
        return range(last - count + 1, last + 1)

    def _facts_row(self, key: str, state: DossierState) -> tuple[Any, ...] | None:
        facts = state.facts
        if facts is None:
            return None  # only rejected events so far: tracked, no facts to keep
        received = self._db.instant(facts.received_at)
        return (key, facts.unit_code, facts.procedure_code, received, state.version, dossier_to_json(facts))

    def _track(
        self, cursor: Any, stream: Stream, key: str, event: InboundEvent | None, version_before: int | None
    ) -> None:
        if event is None:
            raise ConcurrentProjectionError(f"{stream} {key}: changed without an event")  # cannot happen
        values = (event.sequence, event.event_id, *_position(event))
        if version_before is None:
            try:
                cursor.execute(self._db.sql(_INSERT_TRACKING), (stream.value, key, *values))
            except self._db.integrity_errors as error:
                raise ConcurrentProjectionError(f"{stream} {key} was tracked meanwhile") from error
            return
        cursor.execute(self._db.sql(_UPDATE_TRACKING), (*values, stream.value, key, version_before))
        if cursor.rowcount != 1:
            raise ConcurrentProjectionError(f"{stream} {key} moved past version {version_before} meanwhile")

    def _write_pending(self, cursor: Any, projection: BatchProjection, before: _Before) -> None:
        inserts, deletes = [], []
        for key, state in projection.dossiers.items():
            parked_before = before.pending.get(key, frozenset())
            gone = sorted(parked_before - state.pending.keys())
            deletes += [(Stream.DOSSIER.value, key, seq) for seq in gone]
            inserts += [
                (Stream.DOSSIER.value, key, seq, state.pending[seq].to_json(), *_position(state.pending[seq]))
                for seq in sorted(state.pending.keys() - parked_before)
            ]
        if deletes:
            cursor.executemany(self._db.sql(_DELETE_PENDING), deletes)
        if inserts:
            cursor.executemany(self._db.sql(_INSERT_PENDING), inserts)

    # -- reading the batch's aggregates --------------------------------------------------------------------

    def _load_dossiers(self, cursor: Any, keys: set[str]) -> dict[str, DossierState]:
        states = {key: DossierState() for key in keys}
        for version, key in self._select(cursor, _SELECT_TRACKING, Stream.DOSSIER, keys):
            states[key].version = int(version)
        unknown = set()
        for key, state in states.items():
            known, facts = self._recent.get(key, state.version)
            if known:
                state.facts = facts
            else:
                unknown.add(key)
        for facts, key in self._select(cursor, _SELECT_FACTS, None, unknown):
            states[key].facts = dossier_from_json(facts)
        for sequence, event, key, *where in self._select(cursor, _SELECT_PENDING, Stream.DOSSIER, keys):
            states[key].pending[int(sequence)] = decode(event, Position(*where))
        return states

    def _load_procedures(self, cursor: Any, keys: set[str]) -> dict[str, ProcedureState]:
        states = {key: ProcedureState() for key in keys}
        for version, key in self._select(cursor, _SELECT_TRACKING, Stream.PROCEDURE, keys):
            states[key].version = int(version)
        for snapshot, key in self._select(cursor, _SELECT_SNAPSHOT, None, keys):
            states[key].snapshot = catalog_v1.ProcedureChanged.model_validate_json(snapshot)
        return states

    def _select(self, cursor: Any, template: str, stream: Stream | None, keys: set[str]) -> Iterator[Any]:
        ordered = sorted(keys)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            params = chunk if stream is None else [stream.value, *chunk]
            cursor.execute(self._db.sql(template.format(marks=marks)), params)
            yield from cursor.fetchall()

    # -- reading everything (start-up) ---------------------------------------------------------------------

    def dossiers(self, page_size: int = 10_000) -> Iterator[DossierFacts]:
        """Every stored dossier's facts, read page by page in dossier-id order (keyset pagination)."""
        after = ""
        while True:
            with self._db.transaction() as cursor:
                cursor.execute(self._db.sql(_PAGE_FACTS), (after, page_size))
                rows = cursor.fetchall()
            yield from (dossier_from_json(text) for _, text in rows)
            if len(rows) < page_size:
                return
            after = rows[-1][0]

    def last_change(self) -> int:
        """The last change sequence number committed (0 = none)."""
        with self._db.transaction() as cursor:
            cursor.execute(self._db.sql(_SELECT_COUNTER), (_COUNTER,))
            return int(cursor.fetchall()[0][0])

    def changes_since(self, after: int, page_size: int = 10_000) -> FactsChanges:
        """The facts rows whose last write took a change sequence number above `after`.

        Reads the committed counter first and then only rows up to it, all committed by then; a row
        rewritten meanwhile has moved past it and comes with the next call.
        """
        last = self.last_change()
        dossiers: list[DossierFacts] = []
        start = after
        while start < last:
            with self._db.transaction() as cursor:
                cursor.execute(self._db.sql(_CHANGED_FACTS), (start, last, page_size))
                rows = cursor.fetchall()
            dossiers += [dossier_from_json(text) for _, text in rows]
            if len(rows) < page_size:
                break
            start = int(rows[-1][0])
        procedures: dict[str, catalog_v1.ProcedureChanged] = {}
        if after < last:
            with self._db.transaction() as cursor:
                cursor.execute(self._db.sql(_CHANGED_PROCEDURES), (after, last))
                rows = cursor.fetchall()
            procedures = {code: catalog_v1.ProcedureChanged.model_validate_json(text) for code, text in rows}
        return FactsChanges(dossiers, procedures, max(last, after))

    def is_empty(self) -> bool:
        """No facts, no parked events and no tracking rows (a fresh store)."""
        with self._db.transaction() as cursor:
            for table in _DATA_TABLES:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cursor.fetchall():
                    return False
        return True

    def clear(self) -> None:
        """Deletes every fact, parked event and tracking row (a rebuild); the change counter goes on."""
        with self._db.transaction() as cursor:
            for table in _DATA_TABLES:
                cursor.execute(f"DELETE FROM {table}")
        self._recent.clear()

    def procedures(self) -> dict[str, catalog_v1.ProcedureChanged]:
        """The latest catalogue event of every procedure, by procedure code."""
        with self._db.transaction() as cursor:
            cursor.execute("SELECT procedure_code, snapshot FROM procedure_facts")
            rows = cursor.fetchall()
        return {code: catalog_v1.ProcedureChanged.model_validate_json(text) for code, text in rows}

    def version(self, stream: Stream, aggregate_id: str) -> int:
        """The last applied version of one aggregate (0 = none)."""
        with self._db.transaction() as cursor:
            cursor.execute(self._db.sql(_SELECT_TRACKING.format(marks="?")), (stream.value, aggregate_id))
            rows = cursor.fetchall()
        return int(rows[0][0]) if rows else 0

    def pending_count(self) -> int:
        """Events parked ahead of a missing version."""
        with self._db.transaction() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pending_events")
            return int(cursor.fetchall()[0][0])


@dataclass(frozen=True, slots=True)
class _Before:
    dossier_versions: dict[str, int]
    procedure_versions: dict[str, int]
    pending: dict[str, frozenset[int]]

    @classmethod
    def of(cls, dossiers: dict[str, DossierState], procedures: dict[str, ProcedureState]) -> _Before:
        # version 0 = no tracking row yet (an INSERT); otherwise the UPDATE checks the version read
        return cls(
            {key: state.version for key, state in dossiers.items() if state.version},
            {key: state.version for key, state in procedures.items() if state.version},
            {key: frozenset(state.pending) for key, state in dossiers.items() if state.pending},
        )


def _add_change_seq_if_missing(cursor: Any, table: str) -> None:
    """Stores created before the change sequence get the column (0: loaded at start like every row)."""
    cursor.execute(f"SELECT * FROM {table} LIMIT 0")
    if "change_seq" not in {column[0] for column in cursor.description}:
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0")


def _pending_changed(projection: BatchProjection, before: _Before) -> bool:
    return any(
        frozenset(state.pending) != before.pending.get(key, frozenset())
        for key, state in projection.dossiers.items()
    )


def _position(event: InboundEvent) -> tuple[str, int, int, int | None]:
    at = event.position
    return at.topic, at.partition, at.offset, at.notification_id


def _keys(events: Sequence[InboundEvent], stream: Stream) -> set[str]:
    return {event.aggregate_id for event in events if event.stream is stream}


def _snapshot(state: ProcedureState) -> catalog_v1.ProcedureChanged:
    if state.snapshot is None:
        raise ConcurrentProjectionError("a changed procedure without a snapshot")  # cannot happen
    return state.snapshot


_SELECT_TRACKING = "SELECT version, aggregate_id FROM tracking WHERE stream = ? AND aggregate_id IN ({marks})"
_SELECT_FACTS = "SELECT facts, dossier_id FROM dossier_facts WHERE dossier_id IN ({marks})"
_PAGE_FACTS = "SELECT dossier_id, facts FROM dossier_facts WHERE dossier_id > ? ORDER BY dossier_id LIMIT ?"
_SELECT_SNAPSHOT = "SELECT snapshot, procedure_code FROM procedure_facts WHERE procedure_code IN ({marks})"
_SELECT_PENDING = """SELECT sequence, event, aggregate_id, topic, kafka_partition, kafka_offset,
    notification_id FROM pending_events WHERE stream = ? AND aggregate_id IN ({marks})"""
_INSERT_TRACKING = """INSERT INTO tracking (stream, aggregate_id, version, event_id, topic, kafka_partition,
    kafka_offset, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
_UPDATE_TRACKING = """UPDATE tracking SET version = ?, event_id = ?, topic = ?, kafka_partition = ?,
    kafka_offset = ?, notification_id = ? WHERE stream = ? AND aggregate_id = ? AND version = ?"""
_UPSERT_DOSSIER = """INSERT INTO dossier_facts (dossier_id, unit_code, procedure_code, received_at, version,
    facts, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dossier_id) DO UPDATE SET
    unit_code = excluded.unit_code, procedure_code = excluded.procedure_code,
    received_at = excluded.received_at, version = excluded.version, facts = excluded.facts,
    change_seq = excluded.change_seq"""
_UPSERT_PROCEDURE = """INSERT INTO procedure_facts (procedure_code, version, snapshot, change_seq)
    VALUES (?, ?, ?, ?) ON CONFLICT (procedure_code) DO UPDATE SET version = excluded.version,
    snapshot = excluded.snapshot, change_seq = excluded.change_seq"""
_CLAIM_CHANGES = "UPDATE change_counter SET last = last + ? WHERE name = ? RETURNING last"
_SELECT_COUNTER = "SELECT last FROM change_counter WHERE name = ?"
_CHANGED_FACTS = """SELECT change_seq, facts FROM dossier_facts WHERE change_seq > ? AND change_seq <= ?
    ORDER BY change_seq LIMIT ?"""
_CHANGED_PROCEDURES = """SELECT procedure_code, snapshot FROM procedure_facts
    WHERE change_seq > ? AND change_seq <= ?"""
_DATA_TABLES = ("dossier_facts", "procedure_facts", "pending_events", "tracking")
_INSERT_PENDING = """INSERT INTO pending_events (stream, aggregate_id, sequence, event, topic,
    kafka_partition, kafka_offset, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (stream, aggregate_id, sequence) DO NOTHING"""
_DELETE_PENDING = "DELETE FROM pending_events WHERE stream = ? AND aggregate_id = ? AND sequence = ?"
