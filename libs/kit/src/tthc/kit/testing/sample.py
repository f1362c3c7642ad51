"""A tiny event-sourced application for exercising plumbing (relay, stores) with no domain words.

A ``Tally`` is a named counter; every ``add`` is an event. Importable by worker processes, so the explicit
stored topics are registered exactly once per interpreter.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from tthc.kit.eventstore import Aggregate, PydanticApplication


class Tally(Aggregate):
    """A named counter whose every increment is an event."""

    TOPIC: ClassVar[str] = "tthc.kit.testing:Tally"

    class Event(Aggregate.Event):
        """Base of Tally events."""

        TOPIC: ClassVar[str] = "tthc.kit.testing:Tally.Event"

    class Created(Event, Aggregate.Created):
        """A tally was opened."""

        TOPIC: ClassVar[str] = "tthc.kit.testing:Tally.Created"
        name: str

    @staticmethod
    def create_id(name: str) -> UUID:
        """Deterministic id from the name."""
        return uuid5(NAMESPACE_URL, f"tally:{name}")

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0

    @event("Added", topic="tthc.kit.testing:Tally.Added")
    def add(self, amount: int) -> None:
        """Increase the total."""
        self.total += amount


class TallyApp(PydanticApplication):
    """Stores tallies; configure the store with ``env=store_env(url, 'TallyApp')``."""

    name = "TallyApp"

    def open_tally(self, name: str) -> UUID:
        """Create a tally and return its id."""
        tally = Tally(name)
        self.save(tally)
        return tally.id

    def add_many(self, tally_ids: list[UUID], rounds: int) -> None:
        """Add 1 to each tally ``rounds`` times, round-robin, one save per round (events interleave)."""
        tallies: list[Tally] = [self.repository.get(tally_id) for tally_id in tally_ids]
        for _ in range(rounds):
            for tally in tallies:
                tally.add(1)
            self.save(*tallies)
