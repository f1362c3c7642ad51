"""The dossier service's use cases: run dossier commands, query dossiers, keep the procedure catalogue.

``Dossiers`` is an eventsourcing application (name "Dossiers"): its notification log is the outbox the relay
follows. It is used from one writer thread; queries may come from other threads.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict

from tthc.dossier.application_catalogue import ProcedureCatalogue
from tthc.dossier.application_commands import CommandApplier, DueDateCalendar
from tthc.dossier.application_index import DossierIndex, Notice
from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.dossier_view import dossier_view, public_status
from tthc.dossier.domain.errors import DossierNotFoundError
from tthc.dossier.domain.values import Applicant
from tthc.dossier.domain.views import DossierFilter, DossierPage, DossierView, PublicDossierStatus
from tthc.kit.clock import Clock
from tthc.kit.eventstore import PydanticApplication, store_env
from tthc.kit.pseudonym import Pseudonymizer

UnitsCollaborator = Callable[[str], Iterable[object]] | Any  # a callable, or an object with ``descendants``


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
        code = _single_code(commands)
        try:
            return self._handle_once(code, commands)
        except IntegrityError:  # another writer saved this dossier meanwhile: reload and try once more
            return self._handle_once(code, commands)

    def _handle_once(self, code: str, commands: Sequence[Command]) -> HandleOutcome:
        dossier = self._applier.apply(self._find(code), commands[0])
        for command in commands[1:]:
            dossier = self._applier.apply(dossier, command)
        new_events = tuple(type(event).__name__ for event in dossier.pending_events)
        if new_events:
            self.save(dossier)
            self._index.catch_up(self, known={dossier.id: dossier_view(dossier)})
        return HandleOutcome(dossier_id=dossier.id, code=code, new_events=new_events, version=dossier.version)

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
        try:
            dossier: Dossier = self.repository.get(Dossier.id_for(code))
        except AggregateNotFoundError:
            return None
        return dossier

    def _load(self, code: str) -> Dossier:
        dossier = self._find(code)
        if dossier is None:
            raise DossierNotFoundError(code)
        return dossier


def _single_code(commands: Sequence[Command]) -> str:
    codes = {command.code for command in commands}
    if len(codes) != 1:
        raise ValueError(f"a batch must name exactly one dossier, got {sorted(codes)}")
    return codes.pop()


def _descendants_function(units: UnitsCollaborator | None) -> Callable[[str], Iterable[object]] | None:
    if units is None:
        return None
    descendants = getattr(units, "descendants", None)
    if callable(descendants):
        return descendants  # type: ignore[no-any-return]
    if callable(units):
        return units  # type: ignore[no-any-return]
    raise TypeError("units must be a callable or have a descendants(code) method")
