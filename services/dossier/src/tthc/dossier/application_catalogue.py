"""The procedure catalogue use cases of the dossier application (Procedure aggregates in the same store)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from tthc.dossier.application_commands import ProcedureTerms
from tthc.dossier.domain.catalogue import CatalogueDiff, ProcedureSpec, diff_catalogue, execute
from tthc.dossier.domain.errors import ProcedureNotFoundError
from tthc.dossier.domain.procedure import Procedure, ProcedureAttributes


class ProcedureCatalogue:
    """Mixin of ``Dossiers``: registers and reads Procedure aggregates."""

    repository: Any
    _terms_cache: dict[str, ProcedureTerms | None]

    if TYPE_CHECKING:  # provided by the eventsourcing Application this mixin is combined with

        def save(self, *objs: Any, **kwargs: Any) -> Any: ...

    def register_procedures(self, specs: Iterable[ProcedureSpec]) -> CatalogueDiff:
        """Brings the catalogue in line with ``specs`` in one atomic save; returns what changed.

        Identical specs change nothing, so loading the same catalogue twice is a no-op. Procedures absent
        from ``specs`` are left alone.

        Raises:
            ProcedureAbolishedError, PublicationDecisionConflictError, AlreadyMadePublicError.
        """
        specs = list(specs)
        existing = {spec.code: p for spec in specs if (p := self._find_procedure(spec.code)) is not None}
        diff = diff_catalogue(specs, existing)
        touched: dict[str, Procedure] = {}
        for command in diff.commands:
            touched[command.code] = execute(command, touched.get(command.code) or existing.get(command.code))
        if touched:
            self.save(*touched.values())
        self._terms_cache = {}
        return diff

    def get_procedure(self, code: str) -> Procedure:
        """The catalogue procedure with national code ``code``. Raises: ProcedureNotFoundError."""
        procedure = self._find_procedure(code)
        if procedure is None:
            raise ProcedureNotFoundError(code)
        return procedure

    def procedure_terms(self, code: str) -> ProcedureTerms:
        """Legal times and the paper-result rule of a procedure. Raises: ProcedureNotFoundError."""
        terms = self.procedure_terms_if_known(code)
        if terms is None:
            raise ProcedureNotFoundError(code)
        return terms

    def procedure_terms_if_known(self, code: str) -> ProcedureTerms | None:
        """Like ``procedure_terms`` but None for an unknown procedure.

        Cached in memory: the catalogue changes only through ``register_procedures`` (which clears the
        cache) and this process is the store's single writer.
        """
        if code not in self._terms_cache:
            procedure = self._find_procedure(code)
            self._terms_cache[code] = None if procedure is None else _terms(procedure.attributes)
        return self._terms_cache[code]

    def _find_procedure(self, code: str) -> Procedure | None:
        procedure_id: UUID = Procedure.id_for(code)
        try:
            procedure: Procedure = self.repository.get(procedure_id)
        except AggregateNotFoundError:
            return None
        return procedure


def _terms(attributes: ProcedureAttributes) -> ProcedureTerms:
    return ProcedureTerms(
        legal_time=attributes.legal_time,
        online_legal_time=attributes.online_legal_time,
        requires_paper_result=attributes.requires_paper_result,
    )
