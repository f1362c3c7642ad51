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

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tthc.contracts import catalog_v1
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.projection import store_sql as sql
from tthc.indicators.projection.backends import Database, open_database
from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json
from tthc.indicators.projection.decoding import InboundEvent, Position, Stream, decode
from tthc.indicators.projection.recent import RecentFacts
from tthc.indicators.projection.sequencing import DossierState, ProcedureState, Tracked
from tthc.indicators.projection.window import ConcurrentProjectionError, ProjectionWindow, Rows, StoredBatch

__all__ = ["ConcurrentProjectionError", "FactsChanges", "FactsStore", "ProjectionWindow", "StoredBatch"]

_CHUNK = 500  # ids per IN (...) list


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
    def open(cls, url: str, *, page_cache_mib: int | None = None) -> FactsStore:
        """A store at `sqlite:///FILE` or `postgresql://…` (tables created when missing); `page_cache_mib`:
        SQLite's page cache for this connection (default 2 MiB)."""
        return cls(open_database(url, page_cache_mib=page_cache_mib))

    def close(self) -> None:
        """Closes the connection."""
        self._db.close()

    # -- writing -------------------------------------------------------------------------------------------

    def apply(self, events: Sequence[InboundEvent]) -> StoredBatch:
        """Applies a batch: reads its aggregates, projects in memory, then writes what changed in one
        transaction (nothing is written if anything raises). A `window` of one batch.

        Reading and projecting take no write lock, so writers in other processes (a parallel replay, a
        second worker) only queue for the short write; the tracking rows' optimistic version check catches
        any aggregate another writer moved in between.

        Raises:
            ConcurrentProjectionError: another writer moved one of the batch's aggregates meanwhile.
        """
        window = self.window()
        window.add(events)
        return window.commit()

    def window(self) -> ProjectionWindow:
        """An empty projection window on this store: batches added to it are written by one `commit`."""
        return ProjectionWindow(self)

    def load_states(
        self, dossier_keys: set[str], procedure_keys: set[str]
    ) -> tuple[dict[str, DossierState], dict[str, ProcedureState]]:
        """The stored states of these aggregates (fresh ones for unknown keys), read without the write lock
        (for `ProjectionWindow`)."""
        with self._db.reading() as cursor:
            return self._load_dossiers(cursor, dossier_keys), self._load_procedures(cursor, procedure_keys)

    def write_rows(self, rows: Rows) -> range:
        """Writes one window's rows in one transaction; returns the change sequence numbers taken by the
        facts rows (for `ProjectionWindow`).

        Raises:
            ConcurrentProjectionError: a tracking row moved since it was read.
        """
        with self._db.transaction() as cursor:
            return self._write(cursor, rows)

    def remember(self, key: str, version: int, facts: DossierFacts | None) -> None:
        """Notes the facts just committed at `version`, so the next batch need not read them back."""
        self._recent.put(key, version, facts)

    def facts_row(self, key: str, state: DossierState) -> tuple[Any, ...] | None:
        """The `dossier_facts` row of a state (None: no facts yet, only rejected events)."""
        facts = state.facts
        if facts is None:
            return None
        received = self._db.instant(facts.received_at)
        return (key, facts.unit_code, facts.procedure_code, received, state.version, dossier_to_json(facts))

    def _write(self, cursor: Any, rows: Rows) -> range:
        """Writes one batch's rows; returns the change sequence numbers taken by the facts rows."""
        # first write of the transaction: the counter row lock orders every writer's commit (see above)
        changes = self._claim_changes(cursor, len(rows.facts) + len(rows.procedures))
        numbers = iter(changes)
        self._track(cursor, rows.tracking)
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

    def _track(self, cursor: Any, tracking: list[tuple[Stream, str, Tracked, int | None]]) -> None:
        """Inserts the tracking rows of aggregates new to the store and moves the others on from the
        version read (two statements for the whole window: a replay writes tens of thousands of rows).

        Raises:
            ConcurrentProjectionError: a new aggregate was tracked meanwhile, or a row moved past its version.
        """
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for stream, key, (version, event_id, position), before in tracking:
            if before is None:
                inserts.append((stream.value, key, version, event_id, *position))
            else:
                updates.append((version, event_id, *position, stream.value, key, before))
        if inserts:
            try:
                cursor.executemany(self._db.sql(sql.INSERT_TRACKING), inserts)
            except self._db.integrity_errors as error:
                raise ConcurrentProjectionError(f"{error}: an aggregate was tracked meanwhile") from error
        if updates:
            cursor.executemany(self._db.sql(sql.UPDATE_TRACKING), updates)
            if cursor.rowcount != len(updates):
                moved = len(updates) - cursor.rowcount
                raise ConcurrentProjectionError(f"{moved} aggregates moved past the version read meanwhile")

    # -- reading the batch's aggregates --------------------------------------------------------------------

    def _load_dossiers(self, cursor: Any, keys: set[str]) -> dict[str, DossierState]:
        states = {key: DossierState() for key in keys}
        for version, key in self._select(cursor, sql.SELECT_TRACKING, Stream.DOSSIER, keys):
            states[key].version = int(version)
        unknown = set()
        for key, state in states.items():
            if not state.version:
                continue  # never applied, so no facts row: facts and tracking rows are written together
            known, facts = self._recent.get(key, state.version)
            if known:
                state.facts = facts
            else:
                unknown.add(key)
        for facts, key in self._select(cursor, sql.SELECT_FACTS, None, unknown):
            states[key].facts = dossier_from_json(facts)
        self._load_pending(cursor, states)
        return states

    def _load_pending(self, cursor: Any, states: dict[str, DossierState]) -> None:
        # a replay's windows are mostly dossiers new to the store, each costing an index lookup per query:
        # the parked events are looked up only when the snapshot holds any
        cursor.execute(self._db.sql(sql.ANY_PENDING), (Stream.DOSSIER.value,))
        if not cursor.fetchall():
            return
        for sequence, event, key, *where in self._select(cursor, sql.SELECT_PENDING, Stream.DOSSIER, states):
            states[key].pending[int(sequence)] = decode(event, Position(*where))

    def _load_procedures(self, cursor: Any, keys: set[str]) -> dict[str, ProcedureState]:
        states = {key: ProcedureState() for key in keys}
        for version, key in self._select(cursor, sql.SELECT_TRACKING, Stream.PROCEDURE, keys):
            states[key].version = int(version)
        for snapshot, key in self._select(cursor, sql.SELECT_SNAPSHOT, None, keys):
            states[key].snapshot = catalog_v1.ProcedureChanged.model_validate_json(snapshot)
        return states

    def _select(
        self, cursor: Any, template: str, stream: Stream | None, keys: Collection[str]
    ) -> Iterator[Any]:
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

    def dossier_count(self) -> int:
        """Dossiers with a facts row."""
        with self._db.transaction() as cursor:
            cursor.execute("SELECT COUNT(*) FROM dossier_facts")
            return int(cursor.fetchall()[0][0])

    def pending_count(self) -> int:
        """Events parked ahead of a missing version."""
        with self._db.transaction() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pending_events")
            return int(cursor.fetchall()[0][0])


def _add_change_seq_if_missing(cursor: Any, table: str) -> None:
    """Stores created before the change sequence get the column (0: loaded at start like every row)."""
    cursor.execute(f"SELECT * FROM {table} LIMIT 0")
    if "change_seq" not in {column[0] for column in cursor.description}:
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0")
