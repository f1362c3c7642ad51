"""The exactly-once rule, pure: which events of a batch take effect, in which order.

Per dossier the store keeps the last applied version `v` (the CloudEvent `sequence`):
- `sequence <= v`, or already parked → duplicate (no effect, counted);
- `sequence == v + 1` → applied; then parked events `v + 2, v + 3, …` are drained in order;
- a `DossierReceived` of a dossier not yet received is self-contained → applied whatever its sequence (the
  dossier service publishes nothing for a dossier opened in order to be received, so its first public event
  is version 2);
- otherwise → parked until the gap fills.
An event the facts cannot absorb (`FactsError`) still advances the version, so the dossier's stream goes on;
it is reported as rejected for the dead-letter topic.

Per procedure every event is a full snapshot: the highest sequence wins, gaps do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tthc.contracts import catalog_v1
from tthc.indicators.domain.facts import DossierFacts, FactsError
from tthc.indicators.domain.facts_draft import draft
from tthc.indicators.projection.decoding import InboundEvent, Position, Stream
from tthc.indicators.projection.mapping import evolve_dossier, is_self_contained

Tracked = tuple[int, str, Position]
"""The tracking values of the last applied event: version, event id and position (kept instead of the
event, so a replay window does not hold every parsed event)."""


def tracked(event: InboundEvent) -> Tracked:
    """The tracking values of `event`."""
    return event.sequence, event.event_id, event.position


@dataclass(slots=True)
class DossierState:
    """What the store holds about one dossier: facts (None before its first event), version, parked events,
    and the tracking values of the last event applied here (None: none yet)."""

    version: int = 0
    facts: DossierFacts | None = None
    pending: dict[int, InboundEvent] = field(default_factory=dict)
    last: Tracked | None = None


@dataclass(slots=True)
class ProcedureState:
    """What the store holds about one procedure: the latest snapshot, its version, and the tracking values
    of the last event applied here."""

    version: int = 0
    snapshot: catalog_v1.ProcedureChanged | None = None
    last: Tracked | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An event that took its place in the stream but could not change the facts, and why."""

    event: InboundEvent
    reason: str


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch did.

    `applied`: events whose effect was applied (including events parked earlier and drained now);
    `duplicates`: events already applied or already parked; `parked`: events of this batch still waiting for a
    missing version at its end; `rejected`: applied in sequence but unusable (also counted in `applied`).
    """

    applied: int = 0
    duplicates: int = 0
    parked: int = 0
    rejected: tuple[Rejection, ...] = ()


class BatchProjection:
    """Runs one batch over the loaded states; the store then writes what changed in one transaction.

    With `drafts`, the facts each evolution builds are taken over as drafts (`facts_draft`): the dossier's
    next events change them in place instead of copying them. The owner must `seal` them before they leave
    (a projection window does, when it commits).
    """

    def __init__(
        self,
        dossiers: dict[str, DossierState],
        procedures: dict[str, ProcedureState],
        *,
        drafts: bool = False,
    ) -> None:
        self.dossiers = dossiers
        self._drafts = drafts
        self.procedures = procedures
        self.changed_dossiers: set[str] = set()
        self.changed_procedures: set[str] = set()
        self._applied = 0
        self._duplicates = 0
        self._rejected: list[Rejection] = []
        self._parked_here: set[tuple[str, int]] = set()

    def add(self, event: InboundEvent) -> None:
        """Takes one event of the batch, in delivery order."""
        self.add_all((event,))

    def add_all(self, events: Iterable[InboundEvent]) -> None:
        """Takes events of the batch, in delivery order (one call for many: a replay adds millions)."""
        for event in events:
            if event.stream is Stream.PROCEDURE:
                self._add_procedure(event)
            else:
                self._add_dossier(event)

    def result(self) -> BatchResult:
        """The counts of the batch so far."""
        still_parked = sum(1 for key, sequence in self._parked_here if sequence in self.dossiers[key].pending)
        return BatchResult(self._applied, self._duplicates, still_parked, tuple(self._rejected))

    def _add_procedure(self, event: InboundEvent) -> None:
        state = self.procedures.get(event.aggregate_id)
        if state is None:
            state = self.procedures[event.aggregate_id] = ProcedureState()
        if event.sequence <= state.version:
            self._duplicates += 1
            return
        if not isinstance(event.data, catalog_v1.ProcedureChanged):
            raise TypeError(f"not a catalogue event: {type(event.data).__name__}")  # decode guarantees it
        state.version, state.snapshot, state.last = event.sequence, event.data, tracked(event)
        self.changed_procedures.add(event.aggregate_id)
        self._applied += 1

    def _add_dossier(self, event: InboundEvent) -> None:
        state = self.dossiers.get(event.aggregate_id)
        if state is None:  # not `setdefault`: it would build a state (and its dict) for every event
            state = self.dossiers[event.aggregate_id] = DossierState()
        sequence = event.sequence
        if sequence <= state.version or sequence in state.pending:
            self._duplicates += 1
            return
        if sequence == state.version + 1 or is_self_contained(event.envelope["type"], state.facts):
            self._apply(state, event)
            if state.pending:
                self._drain(state)
        else:
            state.pending[sequence] = event
            self._parked_here.add((event.aggregate_id, sequence))

    def _apply(self, state: DossierState, event: InboundEvent) -> None:
        # `decode` puts only dossier events on the dossier stream (checking it here, per event of a
        # replay, would cost an `isinstance` through `typing`)
        envelope = event.envelope
        before = state.facts
        try:
            after = evolve_dossier(before, envelope["type"], envelope["data"])
        except FactsError as error:  # the rules are checked before anything changes: a draft is intact
            self._rejected.append(Rejection(event, str(error)))
        else:
            # a value other than the one given was just built by the evolution: nobody else holds it
            state.facts = draft(after) if self._drafts and after is not before else after
        state.version, state.last = event.sequence, tracked(event)
        self.changed_dossiers.add(event.aggregate_id)
        self._applied += 1

    def _drain(self, state: DossierState) -> None:
        for stale in [sequence for sequence in state.pending if sequence <= state.version]:
            del state.pending[stale]  # overtaken by a self-contained reception: nothing left to apply
        while (next_event := state.pending.pop(state.version + 1, None)) is not None:
            self._apply(state, next_event)
