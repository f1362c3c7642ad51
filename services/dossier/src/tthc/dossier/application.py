"""The dossier service's use cases: run dossier commands, query dossiers, keep the procedure catalogue.

``Dossiers`` is an eventsourcing application (name "Dossiers"): its notification log is the outbox the relay
follows. It is used from one writer thread; queries may come from other threads.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, PersistenceError

from tthc.dossier.application_batch import DossierBatch, HandleOutcome, project, single_code, working_copy
from tthc.dossier.application_catalogue import ProcedureCatalogue
from tthc.dossier.application_commands import CommandApplier, DueDateCalendar
from tthc.dossier.application_index import DossierIndex, Notice
from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.dossier_view import dossier_view, public_status
from tthc.dossier.domain.errors import DossierError, DossierNotFoundError
from tthc.dossier.domain.values import Applicant
from tthc.dossier.domain.views import DossierFilter, DossierPage, DossierView, PublicDossierStatus
from tthc.kit.clock import Clock
from tthc.kit.eventstore import PydanticApplication, store_env
from tthc.kit.pseudonym import Pseudonymizer

__all__ = ["DossierBatch", "Dossiers", "HandleOutcome"]

UnitsCollaborator = Callable[[str], Iterable[object]] | Any  # a callable, or an object with ``descendants``


class Dossiers(ProcedureCatalogue, PydanticApplication):
    """Dossier use cases (commands in batches per dossier, queries) and the procedure catalogue."""

    name = "Dossiers"
    APP_NAME: ClassVar[str] = "Dossiers"

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Clock,
        calendar: DueDateCalendar,
        pseudonymizer: Pseudonymizer,
        units: UnitsCollaborator | None = None,
    ) -> None:
        self._terms_cache = {}
        super().__init__(env=env)
        self.clock = clock
        self.calendar = calendar
        self._descendants = _descendants_function(units)
        self._applier = CommandApplier(
            calendar, pseudonymizer, self.procedure_terms, self.procedure_terms_if_known
        )
        self._index = DossierIndex()
        self.refresh_index()

    @staticmethod
    def store_env(url: str) -> Mapping[str, str]:
        """eventsourcing env keys for a store URL (``memory://``, ``sqlite:///FILE``, ``postgresql://...``)."""
        return store_env(url, Dossiers.APP_NAME)

    # --- commands ---------------------------------------------------------------------------------

    def handle(self, commands: Sequence[Command]) -> HandleOutcome:
        """Applies a batch of commands for one dossier atomically (one load, one save).

        Raises:
            ValueError: the batch is empty or names several dossiers.
            DossierNotFoundError, ProcedureNotFoundError, IllegalTransitionError, InconsistentDossierError.
        """
        single_code(commands)
        try:
            return self._handle_once(commands)
        except IntegrityError:  # another writer saved this dossier meanwhile: reload and try once more
            return self._handle_once(commands)

    def handle_batch(self, command_lists: Sequence[Sequence[Command]]) -> list[HandleOutcome | DossierError]:
        """Applies each command list (one dossier each) on its own, all saved in one transaction.

        Every list gets its own outcome, or the ``DossierError`` that refused it (that list alone changes
        nothing). Lists for the same dossier chain in order. When the one save fails (e.g. another writer
        saved one of these dossiers meanwhile), each list is handled again with its own save.

        Raises:
            ValueError: a list is empty or names several dossiers (nothing is stored then).
        """
        for commands in command_lists:
            single_code(commands)
        try:
            batch = self.new_batch()
            outcomes = [_outcome_or_refusal(batch.handle, commands) for commands in command_lists]
            batch.save()
        except PersistenceError:
            return [_outcome_or_refusal(self.handle, commands) for commands in command_lists]
        return outcomes

    def batch(self) -> AbstractContextManager[DossierBatch]:
        """A unit of work over several dossiers (see ``DossierBatch``); save it before leaving."""
        return nullcontext(self.new_batch())

    def new_batch(self) -> DossierBatch:
        """A fresh unit of work: dossiers are loaded from this store and saved back to it."""
        return DossierBatch(self._find, self._applier.apply, self._store_events)

    def _handle_once(self, commands: Sequence[Command]) -> HandleOutcome:
        batch = self.new_batch()
        outcome = batch.handle(commands)
        batch.save()
        return outcome

    def _store_events(self, events: builtins.list[Any], dossiers: builtins.list[Dossier]) -> None:
        """Saves ``events`` (in order) in one transaction; then refreshes cache and index."""
        self.save(*events)  # events rather than aggregates, to keep the order across dossiers
        cache = self.repository.cache
        if cache is not None and not self.repository.fastforward:  # save() only caches aggregates it is given
            for dossier in dossiers:
                cache.put(dossier.id, dossier)
        self._index.catch_up(self, known={dossier.id: dossier_view(dossier) for dossier in dossiers})

    # --- queries ----------------------------------------------------------------------------------

    def get(self, code: str) -> DossierView:
        """The dossier with national code ``code``. Raises: DossierNotFoundError."""
        return dossier_view(self._load(code))

    def get_applicant(self, code: str) -> Applicant:
        """The applicant's personal data, for adapters inside this service only.

        Raises:
            DossierNotFoundError: no such dossier.
        """
        return self._load(code).applicant

    def lookup_public(self, code: str) -> PublicDossierStatus:
        """The public status of a dossier (no personal data). Raises: DossierNotFoundError."""
        return public_status(self._load(code))

    def list(self, filter: DossierFilter, page_size: int = 50, page_token: str = "") -> DossierPage:
        """A page of dossiers matching ``filter``, ordered by (reception time, code).

        Raises:
            InvalidPageTokenError: the token was not issued by this listing.
            ValueError: ``page_size`` < 1, or descendants asked for without a unit registry.
        """
        self.refresh_index()
        return self._index.page(filter, page_size, page_token, self._descendants)

    def refresh_index(self) -> int:
        """Folds writes not yet seen (e.g. by other processes) into the listing index; returns how many."""
        return self._index.catch_up(self)

    def max_notification_id(self) -> int:
        """The id of the last notification in the application's log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    # --- NotificationSource for the index ---------------------------------------------------------

    def notifications_after(self, position: int, limit: int) -> builtins.list[Notice]:
        """(id, originator id, version, topic) of up to ``limit`` notifications after ``position``."""
        found = self.recorder.select_notifications(start=position, limit=limit, inclusive_of_start=False)
        return [(n.id, UUID(str(n.originator_id)), n.originator_version, n.topic) for n in found]

    def view_of(self, dossier_id: UUID) -> DossierView:
        """The current view of the dossier with ``dossier_id``."""
        dossier: Dossier = self.repository.get(dossier_id)
        return dossier_view(dossier)

    # --- loading ----------------------------------------------------------------------------------

    def _find(self, code: str) -> Dossier | None:
        """The dossier to change: a working copy of the cached one rather than the library's deep copy."""
        try:
            dossier: Dossier = self.repository.get(
                Dossier.id_for(code), projector_func=project, deepcopy_from_cache=False
            )
        except AggregateNotFoundError:
            return None
        return working_copy(dossier) if self.repository.cache is not None else dossier

    def _load(self, code: str) -> Dossier:
        """The dossier to read (the library's own copy, taken under its cache's rules)."""
        try:
            dossier: Dossier = self.repository.get(Dossier.id_for(code))
        except AggregateNotFoundError:
            raise DossierNotFoundError(code) from None
        return dossier


def _outcome_or_refusal(
    handle: Callable[[Sequence[Command]], HandleOutcome], commands: Sequence[Command]
) -> HandleOutcome | DossierError:
    try:
        return handle(commands)
    except DossierError as error:
        return error


def _descendants_function(units: UnitsCollaborator | None) -> Callable[[str], Iterable[object]] | None:
    if units is None:
        return None
    descendants = getattr(units, "descendants", None)
    if callable(descendants):
        return descendants  # type: ignore[no-any-return]
    if callable(units):
        return units  # type: ignore[no-any-return]
    raise TypeError("units must be a callable or have a descendants(code) method")
