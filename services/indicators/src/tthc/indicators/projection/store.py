"""The facts store: dossier and procedure facts, parked events and tracking, on SQLite or PostgreSQL.

Tables:
- `dossier_facts` (dossier id PK, unit code, procedure code, received_at, last applied version, facts JSON);
- `procedure_facts` (procedure code PK, version, the latest `ProcedureChanged` JSON);
- `pending_events` (stream, aggregate id, sequence) → the CloudEvent JSON of an event ahead of a gap;
- `tracking` (stream, aggregate id) → the last applied version, its CloudEvent id and where it was read
  (topic, partition, offset, upstream notification id): the record keyed by the upstream position.

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
from tthc.indicators.projection.sequencing import BatchProjection, BatchResult, DossierState, ProcedureState

_CHUNK = 500  # ids per IN (...) list


class ConcurrentProjectionError(RuntimeError):
    """Another consumer applied events of the same aggregate meanwhile; the batch was rolled back."""


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """A committed batch: its counts and the facts it changed (for the in-memory caches)."""

    result: BatchResult
    dossiers: dict[str, DossierFacts]
    procedures: dict[str, catalog_v1.ProcedureChanged]


def _schema(instant_type: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE IF NOT EXISTS dossier_facts (
            dossier_id TEXT PRIMARY KEY, unit_code TEXT NOT NULL, procedure_code TEXT NOT NULL,
            received_at {instant_type}, version BIGINT NOT NULL, facts TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS dossier_facts_by_unit ON dossier_facts (unit_code)",
        """CREATE TABLE IF NOT EXISTS procedure_facts (
            procedure_code TEXT PRIMARY KEY, version BIGINT NOT NULL, snapshot TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS pending_events (
            stream TEXT NOT NULL, aggregate_id TEXT NOT NULL, sequence BIGINT NOT NULL, event TEXT NOT NULL,
            topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,
            notification_id BIGINT, PRIMARY KEY (stream, aggregate_id, sequence))""",
        """CREATE TABLE IF NOT EXISTS tracking (
            stream TEXT NOT NULL, aggregate_id TEXT NOT NULL, version BIGINT NOT NULL, event_id TEXT NOT NULL,
            topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,
            notification_id BIGINT, PRIMARY KEY (stream, aggregate_id))""",
    )


class FactsStore:
    """Dossier and procedure facts with exactly-once effects per aggregate version."""

    def __init__(self, database: Database) -> None:
        self._db = database
        with database.transaction() as cursor:
            for statement in _schema(database.instant_type):
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
            self._write(cursor, projection, before)
        changed = {key: dossiers[key].facts for key in projection.changed_dossiers}
        return StoredBatch(
            projection.result(),
            {key: facts for key, facts in changed.items() if facts is not None},
            {key: _snapshot(procedures[key]) for key in projection.changed_procedures},
        )

    def _write(self, cursor: Any, projection: BatchProjection, before: _Before) -> None:
        dossier_keys = sorted(projection.changed_dossiers)
        procedure_keys = sorted(projection.changed_procedures)
        for key in dossier_keys:
            last = projection.dossiers[key].last_event
            self._track(cursor, Stream.DOSSIER, key, last, before.dossier_versions.get(key))
        for key in procedure_keys:
            last = projection.procedures[key].last_event
            self._track(cursor, Stream.PROCEDURE, key, last, before.procedure_versions.get(key))
        facts_rows = [self._facts_row(key, projection.dossiers[key]) for key in dossier_keys]
        facts_rows = [row for row in facts_rows if row is not None]
        if facts_rows:
            cursor.executemany(self._db.sql(_UPSERT_DOSSIER), facts_rows)
        procedure_rows = [
            (key, projection.procedures[key].version, _snapshot(projection.procedures[key]).model_dump_json())
            for key in procedure_keys
        ]
        if procedure_rows:
            cursor.executemany(self._db.sql(_UPSERT_PROCEDURE), procedure_rows)
        self._write_pending(cursor, projection, before)

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
        for facts, key in self._select(cursor, _SELECT_FACTS, None, keys):
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
    facts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dossier_id) DO UPDATE SET unit_code = excluded.unit_code,
    procedure_code = excluded.procedure_code, received_at = excluded.received_at, version = excluded.version,
    facts = excluded.facts"""
_UPSERT_PROCEDURE = """INSERT INTO procedure_facts (procedure_code, version, snapshot) VALUES (?, ?, ?)
    ON CONFLICT (procedure_code) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot"""
_INSERT_PENDING = """INSERT INTO pending_events (stream, aggregate_id, sequence, event, topic,
    kafka_partition, kafka_offset, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (stream, aggregate_id, sequence) DO NOTHING"""
_DELETE_PENDING = "DELETE FROM pending_events WHERE stream = ? AND aggregate_id = ? AND sequence = ?"
