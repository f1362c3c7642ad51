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
from tthc.indicators.projection import store_sql as sql
from tthc.indicators.projection.backends import Database, open_database
from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json
from tthc.indicators.projection.decoding import InboundEvent, Position, Stream, decode
from tthc.indicators.projection.recent import RecentFacts
from tthc.indicators.projection.sequencing import BatchProjection, BatchResult, DossierState, ProcedureState

_CHUNK = 500  # ids per IN (...) list


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


class FactsStore:
    """Dossier and procedure facts with exactly-once effects per aggregate version."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._recent = RecentFacts()
        with database.transaction() as cursor:
            for statement in sql.schema(database.instant_type):
                cursor.execute(statement)
            for table in ("dossier_facts", "procedure_facts"):
                _add_change_seq_if_missing(cursor, table)
            for statement in sql.INDEXES:
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
        """Applies a batch: reads its aggregates, projects in memory, then writes what changed in one
        transaction (nothing is written if anything raises).

        Reading and projecting take no write lock, so writers in other processes (a parallel replay, a
        second worker) only queue for the short write; the tracking rows' optimistic version check catches
        any aggregate another writer moved in between.

        Raises:
            ConcurrentProjectionError: another writer moved one of the batch's aggregates meanwhile.
        """
        with self._db.reading() as cursor:
            dossiers = self._load_dossiers(cursor, _keys(events, Stream.DOSSIER))
            procedures = self._load_procedures(cursor, _keys(events, Stream.PROCEDURE))
        before = _Before.of(dossiers, procedures)
        projection = BatchProjection(dossiers, procedures)
        for event in events:
            projection.add(event)
        rows = self._rows(projection, before)
        changes = range(0)
        if rows is not None:
            with self._db.transaction() as cursor:
                changes = self._write(cursor, rows)
        for key in projection.changed_dossiers:  # committed: this version's facts are the stored ones
            self._recent.put(key, dossiers[key].version, dossiers[key].facts)
        changed = {key: dossiers[key].facts for key in projection.changed_dossiers}
        return StoredBatch(
            projection.result(),
            {key: facts for key, facts in changed.items() if facts is not None},
            {key: _snapshot(procedures[key]) for key in projection.changed_procedures},
            changes,
        )

    def _rows(self, projection: BatchProjection, before: _Before) -> _Rows | None:
        """Everything the batch writes, serialised before the write lock is taken; None = nothing."""
        dossier_keys = sorted(projection.changed_dossiers)
        procedure_keys = sorted(projection.changed_procedures)
        if not (dossier_keys or procedure_keys or _pending_changed(projection, before)):
            return None
        tracking = [
            _tracking_row(Stream.DOSSIER, key, projection.dossiers[key].last_event, before.dossier_versions)
            for key in dossier_keys
        ] + [
            _tracking_row(
                Stream.PROCEDURE, key, projection.procedures[key].last_event, before.procedure_versions
            )
            for key in procedure_keys
        ]
        facts = [
            row for key in dossier_keys if (row := self._facts_row(key, projection.dossiers[key])) is not None
        ]
        procedure_rows = [
            (key, projection.procedures[key].version, _snapshot(projection.procedures[key]).model_dump_json())
            for key in procedure_keys
        ]
        inserts, deletes = _pending_rows(projection, before)
        return _Rows(tracking, facts, procedure_rows, inserts, deletes)

    def _write(self, cursor: Any, rows: _Rows) -> range:
        """Writes one batch's rows; returns the change sequence numbers taken by the facts rows."""
        # first write of the transaction: the counter row lock orders every writer's commit (see above)
        changes = self._claim_changes(cursor, len(rows.facts) + len(rows.procedures))
        numbers = iter(changes)
        for stream, key, values, version_before in rows.tracking:
            self._track(cursor, stream, key, values, version_before)
        if rows.facts:
            cursor.executemany(
                self._db.sql(sql.UPSERT_DOSSIER), [(*row, next(numbers)) for row in rows.facts]
            )
        if rows.procedures:
            numbered = [(*row, next(numbers)) for row in rows.procedures]
            cursor.executemany(self._db.sql(sql.UPSERT_PROCEDURE), numbered)
        if rows.pending_deletes:
            cursor.executemany(self._db.sql(sql.DELETE_PENDING), rows.pending_deletes)
        if rows.pending_inserts:
            cursor.executemany(self._db.sql(sql.INSERT_PENDING), rows.pending_inserts)
        return changes

    def _claim_changes(self, cursor: Any, count: int) -> range:
        cursor.execute(self._db.sql(sql.CLAIM_CHANGES), (count, sql.COUNTER))
        last = int(cursor.fetchall()[0][0])
        return range(last - count + 1, last + 1)

    def _facts_row(self, key: str, state: DossierState) -> tuple[Any, ...] | None:
        facts = state.facts
        if facts is None:
            return None  # only rejected events so far: tracked, no facts to keep
        received = self._db.instant(facts.received_at)
        return (key, facts.unit_code, facts.procedure_code, received, state.version, dossier_to_json(facts))

    def _track(
        self, cursor: Any, stream: Stream, key: str, values: tuple[Any, ...], version_before: int | None
    ) -> None:
        if version_before is None:
            try:
                cursor.execute(self._db.sql(sql.INSERT_TRACKING), (stream.value, key, *values))
            except self._db.integrity_errors as error:
                raise ConcurrentProjectionError(f"{stream} {key} was tracked meanwhile") from error
            return
        cursor.execute(self._db.sql(sql.UPDATE_TRACKING), (*values, stream.value, key, version_before))
        if cursor.rowcount != 1:
            raise ConcurrentProjectionError(f"{stream} {key} moved past version {version_before} meanwhile")

    # -- reading the batch's aggregates --------------------------------------------------------------------

    def _load_dossiers(self, cursor: Any, keys: set[str]) -> dict[str, DossierState]:
        states = {key: DossierState() for key in keys}
        for version, key in self._select(cursor, sql.SELECT_TRACKING, Stream.DOSSIER, keys):
            states[key].version = int(version)
        unknown = set()
        for key, state in states.items():
            known, facts = self._recent.get(key, state.version)
            if known:
                state.facts = facts
            else:
                unknown.add(key)
        for facts, key in self._select(cursor, sql.SELECT_FACTS, None, unknown):
            states[key].facts = dossier_from_json(facts)
        for sequence, event, key, *where in self._select(cursor, sql.SELECT_PENDING, Stream.DOSSIER, keys):
            states[key].pending[int(sequence)] = decode(event, Position(*where))
        return states

    def _load_procedures(self, cursor: Any, keys: set[str]) -> dict[str, ProcedureState]:
        states = {key: ProcedureState() for key in keys}
        for version, key in self._select(cursor, sql.SELECT_TRACKING, Stream.PROCEDURE, keys):
            states[key].version = int(version)
        for snapshot, key in self._select(cursor, sql.SELECT_SNAPSHOT, None, keys):
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
                cursor.execute(self._db.sql(sql.PAGE_FACTS), (after, page_size))
                rows = cursor.fetchall()
            yield from (dossier_from_json(text) for _, text in rows)
            if len(rows) < page_size:
                return
            after = rows[-1][0]

    def last_change(self) -> int:
        """The last change sequence number committed (0 = none)."""
        with self._db.transaction() as cursor:
            cursor.execute(self._db.sql(sql.SELECT_COUNTER), (sql.COUNTER,))
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
                cursor.execute(self._db.sql(sql.CHANGED_FACTS), (start, last, page_size))
                rows = cursor.fetchall()
            dossiers += [dossier_from_json(text) for _, text in rows]
            if len(rows) < page_size:
                break
            start = int(rows[-1][0])
        procedures: dict[str, catalog_v1.ProcedureChanged] = {}
        if after < last:
            with self._db.transaction() as cursor:
                cursor.execute(self._db.sql(sql.CHANGED_PROCEDURES), (after, last))
                rows = cursor.fetchall()
            procedures = {code: catalog_v1.ProcedureChanged.model_validate_json(text) for code, text in rows}
        return FactsChanges(dossiers, procedures, max(last, after))

    def is_empty(self) -> bool:
        """No facts, no parked events and no tracking rows (a fresh store)."""
        with self._db.transaction() as cursor:
            for table in sql.DATA_TABLES:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cursor.fetchall():
                    return False
        return True

    def clear(self) -> None:
        """Deletes every fact, parked event and tracking row (a rebuild); the change counter goes on."""
        with self._db.transaction() as cursor:
            for table in sql.DATA_TABLES:
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
            cursor.execute(self._db.sql(sql.SELECT_TRACKING.format(marks="?")), (stream.value, aggregate_id))
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


@dataclass(frozen=True, slots=True)
class _Rows:
    """One batch's rows, ready to write."""

    tracking: list[tuple[Stream, str, tuple[Any, ...], int | None]]
    facts: list[tuple[Any, ...]]
    procedures: list[tuple[Any, ...]]
    pending_inserts: list[tuple[Any, ...]]
    pending_deletes: list[tuple[Any, ...]]


def _tracking_row(
    stream: Stream, key: str, event: InboundEvent | None, versions_before: dict[str, int]
) -> tuple[Stream, str, tuple[Any, ...], int | None]:
    if event is None:
        raise ConcurrentProjectionError(f"{stream} {key}: changed without an event")  # cannot happen
    return stream, key, (event.sequence, event.event_id, *_position(event)), versions_before.get(key)


def _pending_rows(
    projection: BatchProjection, before: _Before
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The parked events to insert and to delete (drained)."""
    inserts: list[tuple[Any, ...]] = []
    deletes: list[tuple[Any, ...]] = []
    for key, state in projection.dossiers.items():
        parked_before = before.pending.get(key, frozenset())
        deletes += [(Stream.DOSSIER.value, key, seq) for seq in sorted(parked_before - state.pending.keys())]
        inserts += [
            (Stream.DOSSIER.value, key, seq, state.pending[seq].to_json(), *_position(state.pending[seq]))
            for seq in sorted(state.pending.keys() - parked_before)
        ]
    return inserts, deletes


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
