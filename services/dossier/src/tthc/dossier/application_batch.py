"""A unit of work over dossiers: command lists applied in memory, then saved in one transaction.

The feed intake takes a whole batch of records this way. Each ``handle`` is all or nothing for its dossier:
when a command is refused, the dossier is rebuilt as it was before that call, so neither later calls nor
the save see half of it. Calls for the same dossier chain on the same in-memory aggregate, each dossier is
loaded once per unit of work, and ``save`` stores every new event in the order the calls produced them,
so the notification log reads exactly as if each call had been saved on its own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.dossier_view import dossier_view
from tthc.dossier.domain.errors import DossierError
from tthc.dossier.domain.views import DossierView

CommandOutcome = Literal["applied", "unchanged", "refused", "error"]
LoadDossier = Callable[[str], Dossier | None]  # a working copy of the stored dossier, None if unknown
ApplyCommand = Callable[[Dossier | None, Command], Dossier]
StoreEvents = Callable[[list[Any], list[Dossier]], None]  # the new events in order, the changed dossiers


class HandleOutcome(BaseModel):
    """What a batch of commands did to one dossier; ``new_events == ()`` means nothing changed."""

    model_config = ConfigDict(frozen=True)
    dossier_id: UUID
    code: str
    new_events: tuple[str, ...]
    version: int

    @property
    def changed(self) -> bool:
        """True when the batch recorded at least one event."""
        return bool(self.new_events)


@dataclass
class _Slot:
    """One dossier in the unit of work: its aggregate, the events not yet saved, and a cached view."""

    dossier: Dossier | None
    events: list[Any] = field(default_factory=list)
    view: DossierView | None = None


class DossierBatch:
    """Applies command lists to dossiers in memory; ``save`` stores all their events at once.

    ``tally`` lists each handled command list with its outcome (for metrics); ``saved`` tells whether the
    unit of work reached the store.
    """

    def __init__(self, load: LoadDossier, apply: ApplyCommand, store: StoreEvents) -> None:
        self._load, self._apply, self._store = load, apply, store
        self._slots: dict[str, _Slot] = {}
        self._events: list[Any] = []
        self.tally: list[tuple[Sequence[Command], CommandOutcome]] = []
        self.saved = False

    def view(self, code: str) -> DossierView | None:
        """The dossier ``code`` as this unit of work has it so far (None when it does not exist)."""
        slot = self._slot(code)
        if slot.dossier is None:
            return None
        if slot.view is None:
            slot.view = dossier_view(slot.dossier)
        return slot.view

    def handle(self, commands: Sequence[Command]) -> HandleOutcome:
        """Applies ``commands`` (one dossier) in memory, all or nothing.

        Raises:
            ValueError: the list is empty or names several dossiers.
            DossierError: a command was refused; the dossier is as it was before this call.
        """
        if self.saved:
            raise RuntimeError("this unit of work was already saved")
        try:
            code = single_code(commands)
        except ValueError:
            self.tally.append((commands, "error"))
            raise
        slot = self._slot(code)
        try:
            dossier = self._apply_all(slot.dossier, commands)
        except DossierError:
            self._rebuild(code, slot)
            self.tally.append((commands, "refused"))
            raise
        new_events = dossier.collect_events()
        slot.dossier = dossier
        if new_events:
            slot.events.extend(new_events)
            self._events.extend(new_events)
            slot.view = None
        self.tally.append((commands, "applied" if new_events else "unchanged"))
        names = tuple(type(event).__name__ for event in new_events)
        return HandleOutcome(dossier_id=dossier.id, code=code, new_events=names, version=dossier.version)

    def save(self) -> None:
        """Stores every new event in one transaction (nothing when nothing changed).

        Raises:
            eventsourcing.persistence.PersistenceError: e.g. IntegrityError when another writer saved one
                of these dossiers meanwhile; nothing of this unit of work is stored then.
        """
        if self.saved:
            raise RuntimeError("this unit of work was already saved")
        if self._events:
            self._store(
                self._events, [slot.dossier for slot in self._slots.values() if slot.dossier and slot.events]
            )
        self.saved = True

    def _apply_all(self, dossier: Dossier | None, commands: Sequence[Command]) -> Dossier:
        for command in commands:
            dossier = self._apply(dossier, command)
        if dossier is None:  # pragma: no cover - single_code guarantees at least one command
            raise ValueError("no command to apply")
        return dossier

    def _rebuild(self, code: str, slot: _Slot) -> None:
        """Back to the stored dossier plus the events earlier calls of this unit of work produced."""
        slot.dossier = project(self._load(code), slot.events)
        slot.view = None

    def _slot(self, code: str) -> _Slot:
        slot = self._slots.get(code)
        if slot is None:
            slot = self._slots[code] = _Slot(self._load(code))
        return slot


def project(dossier: Dossier | None, events: Iterable[Any]) -> Dossier | None:
    """``dossier`` with ``events`` applied in order (a creation event when ``dossier`` is None).

    eventsourcing's ``project_aggregate`` without its per-event runtime ``Protocol`` check, which costs
    more than the mutation itself; the dossier's events are the aggregate's own, so they can mutate it.
    """
    for event in events:
        dossier = event.mutate(dossier)
    return dossier


def working_copy(dossier: Dossier) -> Dossier:
    """A copy of ``dossier`` that can be changed without touching the original (e.g. a cached one).

    Cheaper than ``deepcopy``: the dossier's state is immutable values (frozen pydantic values, tuples,
    enums, datetimes) plus flat containers of them (the ``instants`` dict, the ``facts`` set, the pending
    events list), so copying those containers one level deep is enough.
    """
    copied = copy.copy(dossier)
    state = vars(copied)
    for name, value in state.items():
        if isinstance(value, dict | set | list):
            state[name] = copy.copy(value)
    return copied


def single_code(commands: Sequence[Command]) -> str:
    """The one dossier code ``commands`` name. Raises: ValueError when empty or several."""
    codes = {command.code for command in commands}
    if len(codes) != 1:
        raise ValueError(f"a batch must name exactly one dossier, got {sorted(codes)}")
    return codes.pop()
