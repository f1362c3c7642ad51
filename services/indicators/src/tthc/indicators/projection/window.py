"""A projection window: the events of one or more batches projected in memory over the aggregates they
touch, then written by the facts store in one transaction.

The live consumer opens a window per polled batch (`FactsStore.apply`). A replay keeps one open across many
fetched batches (`replay.py`): a dossier touched by several of them is read once and written once, which
at province scale (a dossier's events spread over weeks of the topic) saves most of the facts JSON and
row writes. The exactly-once rule is the batch's (`sequencing.BatchProjection`), unchanged: the window's
tracking rows carry each aggregate's last applied event and are written with the version read when the
aggregate entered the window, so a concurrent writer still rolls the whole window back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tthc.contracts import catalog_v1
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_draft import seal
from tthc.indicators.projection.decoding import InboundEvent, Stream
from tthc.indicators.projection.sequencing import (
    BatchProjection,
    BatchResult,
    DossierState,
    ProcedureState,
    Tracked,
)

if TYPE_CHECKING:
    from tthc.indicators.projection.store import FactsStore


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
class Rows:
    """One window's rows, ready to write: tracking rows are (stream, key, values, version read or None)."""

    tracking: list[tuple[Stream, str, Tracked, int | None]]
    facts: list[tuple[Any, ...]]
    procedures: list[tuple[Any, ...]]
    pending_inserts: list[tuple[Any, ...]]
    pending_deletes: list[tuple[Any, ...]]


class ProjectionWindow:
    """Batches projected over their aggregates' stored states; `commit` writes what changed, once.

    Use a window once: after `commit` open a new one.
    """

    def __init__(self, store: FactsStore) -> None:
        self._store = store
        self._dossiers: dict[str, DossierState] = {}
        self._procedures: dict[str, ProcedureState] = {}
        self._before = _Before()
        # its facts are drafts until `commit` seals them
        self._projection = BatchProjection(self._dossiers, self._procedures, drafts=True)
        self.events = 0
        """Events added so far."""

    def add(self, events: Sequence[InboundEvent]) -> None:
        """Reads the stored state of aggregates new to the window, then projects `events` in order."""
        new_dossiers = _keys(events, Stream.DOSSIER) - self._dossiers.keys()
        new_procedures = _keys(events, Stream.PROCEDURE) - self._procedures.keys()
        if new_dossiers or new_procedures:
            dossiers, procedures = self._store.load_states(new_dossiers, new_procedures)
            self._before.note(dossiers, procedures)
            self._dossiers.update(dossiers)
            self._procedures.update(procedures)
        self._projection.add_all(events)
        self.events += len(events)

    def commit(self) -> StoredBatch:
        """Writes what the window changed in one transaction (nothing when nothing changed).

        Raises:
            ConcurrentProjectionError: another writer moved one of the window's aggregates meanwhile.
        """
        projection = self._projection
        for key in projection.changed_dossiers:  # the facts leave the window: immutable from here on
            state = self._dossiers[key]
            if state.facts is not None:
                state.facts = seal(state.facts)
        rows = self._rows()
        changes = range(0) if rows is None else self._store.write_rows(rows)
        for key in projection.changed_dossiers:  # committed: this version's facts are the stored ones
            self._store.remember(key, self._dossiers[key].version, self._dossiers[key].facts)
        changed = {key: self._dossiers[key].facts for key in projection.changed_dossiers}
        return StoredBatch(
            projection.result(),
            {key: facts for key, facts in changed.items() if facts is not None},
            {key: _snapshot(self._procedures[key]) for key in projection.changed_procedures},
            changes,
        )

    def _rows(self) -> Rows | None:
        """Everything the window writes, serialised before the write lock is taken; None = nothing."""
        projection, before = self._projection, self._before
        dossier_keys = sorted(projection.changed_dossiers)
        procedure_keys = sorted(projection.changed_procedures)
        if not (dossier_keys or procedure_keys or _pending_changed(projection, before)):
            return None
        tracking = [
            _tracking_row(Stream.DOSSIER, key, self._dossiers[key].last, before.dossier_versions)
            for key in dossier_keys
        ] + [
            _tracking_row(Stream.PROCEDURE, key, self._procedures[key].last, before.procedure_versions)
            for key in procedure_keys
        ]
        facts = [row for key in dossier_keys if (row := self._store.facts_row(key, self._dossiers[key]))]
        procedure_rows = [
            (key, self._procedures[key].version, _snapshot(self._procedures[key]).model_dump_json())
            for key in procedure_keys
        ]
        inserts, deletes = _pending_rows(projection, before)
        return Rows(tracking, facts, procedure_rows, inserts, deletes)


@dataclass(slots=True)
class _Before:
    """What the store held when each aggregate entered the window: version 0 (absent) means no tracking
    row yet (an INSERT); otherwise the UPDATE checks the version read."""

    dossier_versions: dict[str, int] = field(default_factory=dict)
    procedure_versions: dict[str, int] = field(default_factory=dict)
    pending: dict[str, frozenset[int]] = field(default_factory=dict)

    def note(self, dossiers: dict[str, DossierState], procedures: dict[str, ProcedureState]) -> None:
        """Adds the states of aggregates that just entered the window."""
        self.dossier_versions.update((key, state.version) for key, state in dossiers.items() if state.version)
        self.procedure_versions.update(
            (key, state.version) for key, state in procedures.items() if state.version
        )
        self.pending.update(
            (key, frozenset(state.pending)) for key, state in dossiers.items() if state.pending
        )


def _tracking_row(
    stream: Stream, key: str, last: Tracked | None, versions_before: dict[str, int]
) -> tuple[Stream, str, Tracked, int | None]:
    if last is None:
        raise ConcurrentProjectionError(f"{stream} {key}: changed without an event")  # cannot happen
    return stream, key, last, versions_before.get(key)


def _pending_rows(
    projection: BatchProjection, before: _Before
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The parked events to insert and to delete (drained)."""
    inserts: list[tuple[Any, ...]] = []
    deletes: list[tuple[Any, ...]] = []
    for key, state in projection.dossiers.items():
        parked_before = before.pending.get(key, frozenset())
        if not (parked_before or state.pending):
            continue
        deletes += [(Stream.DOSSIER.value, key, seq) for seq in sorted(parked_before - state.pending.keys())]
        inserts += [
            (Stream.DOSSIER.value, key, seq, state.pending[seq].to_json(), *_position(state.pending[seq]))
            for seq in sorted(state.pending.keys() - parked_before)
        ]
    return inserts, deletes


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
