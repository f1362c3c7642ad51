"""The dossier application as the running service uses it: one writer at a time, measured.

Three entry points (HTTP feed, Kafka feed, gRPC) write through one ``SingleWriter`` so commands on the
event store never interleave; every save is timed and wakes the outbox relay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError

from tthc.dossier.application import DossierBatch, Dossiers, HandleOutcome
from tthc.dossier.domain.commands import Command, command_name
from tthc.dossier.domain.errors import DossierError
from tthc.dossier.metrics import DossierMetrics


class ObservedDossiers(Dossiers):
    """``Dossiers`` whose saves are timed and announced (``on_saved``), e.g. to nudge the relay."""

    name = "Dossiers"
    APP_NAME: ClassVar[str] = "Dossiers"

    def __init__(self, *args: Any, metrics: DossierMetrics, **kwargs: Any) -> None:
        self.metrics = metrics
        self.on_saved: Callable[[], None] = lambda: None
        super().__init__(*args, **kwargs)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        recordings = super().save(*objs, **kwargs)
        self.metrics.store_write_seconds.observe(time.perf_counter() - started)
        self.on_saved()
        return recordings


class SingleWriter:
    """Serialises writes across threads and counts commands by kind and outcome; reads pass through."""

    def __init__(self, app: ObservedDossiers, metrics: DossierMetrics) -> None:
        self._app = app
        self._metrics = metrics
        self._lock = threading.Lock()

    def handle(self, commands: Sequence[Command]) -> HandleOutcome:
        """Runs ``Dossiers.handle`` under the writer lock. Raises what it raises."""
        try:
            with self._lock:
                outcome = self._app.handle(commands)
        except DossierError:
            self._count(commands, "refused")
            raise
        except (IntegrityError, ValueError):
            self._count(commands, "error")
            raise
        self._count(commands, "applied" if outcome.changed else "unchanged")
        return outcome

    def handle_batch(self, command_lists: Sequence[Sequence[Command]]) -> list[HandleOutcome | DossierError]:
        """Runs ``Dossiers.handle_batch`` under the writer lock; counts each list by its outcome."""
        with self._lock:
            outcomes = self._app.handle_batch(command_lists)
        for commands, outcome in zip(command_lists, outcomes, strict=True):
            if isinstance(outcome, DossierError):
                self._count(commands, "refused")
            else:
                self._count(commands, "applied" if outcome.changed else "unchanged")
        return outcomes

    @contextmanager
    def batch(self) -> Iterator[DossierBatch]:
        """A unit of work under the writer lock; its commands are counted once it is saved.

        A unit of work that was not saved (e.g. its save failed) counts nothing: its caller runs the
        commands again.
        """
        with self._lock:
            batch = self._app.new_batch()
            try:
                yield batch
            finally:
                if batch.saved:
                    for commands, outcome in batch.tally:
                        self._count(commands, outcome)

    def _count(self, commands: Sequence[Command], outcome: str) -> None:
        for command in commands:
            self._metrics.commands.labels(command=command_name(command), outcome=outcome).inc()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)
