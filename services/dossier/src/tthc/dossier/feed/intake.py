"""The feed intake use case: validate, authorise, translate and apply each pushed record on its own.

Every record of a batch gets its own result; accepted records are kept whatever happens to the others.
All writes go through one lock, so the intake is a single writer even when HTTP and Kafka share it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pydantic import ValidationError

from tthc.dossier.application import HandleOutcome
from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.errors import DossierError, DossierNotFoundError
from tthc.dossier.domain.views import DossierView
from tthc.dossier.feed.auth import Caller, TokenAuth, UnitDirectory
from tthc.dossier.feed.domain_problems import problems_from_domain
from tthc.dossier.feed.problems import Problem, ProblemKind, RecordRejectedError
from tthc.dossier.feed.results import Outcome, RecordHook, RecordResult
from tthc.dossier.feed.store import FeedStore, MemoryFeedStore, item_key
from tthc.dossier.feed.translate import translate, translate_history
from tthc.dossier.feed.validation import parse_history, parse_record, reference_problems
from tthc.kit.clock import Clock, SystemClock

log = logging.getLogger(__name__)


class DossierApp(Protocol):
    """What the intake needs of the ``Dossiers`` application."""

    def handle(self, commands: Sequence[Command]) -> HandleOutcome: ...

    def get(self, code: str) -> DossierView: ...

    def procedure_terms_if_known(self, code: str) -> object | None: ...


class FeedIntake:
    """Takes batches of dossier records and history items from provincial systems."""

    def __init__(
        self,
        app: DossierApp,
        units: UnitDirectory,
        auth: TokenAuth | None = None,
        *,
        store: FeedStore | None = None,
        clock: Clock | None = None,
        on_record: RecordHook | None = None,
        procedure_known: Callable[[str], bool] | None = None,
    ) -> None:
        self.app, self.units, self.auth = app, units, auth
        self.store = store if store is not None else MemoryFeedStore()
        self.clock = clock if clock is not None else SystemClock()
        self.on_record = on_record
        self._procedure_known = procedure_known or (
            lambda code: app.procedure_terms_if_known(code) is not None
        )
        self._lock = threading.Lock()

    def authenticate(self, token: str | None) -> Caller | None:
        """The caller a bearer token stands for (None when unknown or when no tokens are configured)."""
        return self.auth.authenticate(token) if self.auth is not None else None

    def ingest(self, records: Sequence[Any], caller: Caller) -> list[RecordResult]:
        """Applies each dossier record (HoSoDongBoDVC) on its own; one result per record, in order."""
        return [self._guarded(index, raw, caller, self._ingest_record) for index, raw in enumerate(records)]

    def ingest_history(self, items: Sequence[Any], caller: Caller) -> list[RecordResult]:
        """Applies each history item (QuaTrinhXuLy); items of unknown dossiers are parked for later."""
        return [
            self._guarded(index, raw, caller, self._ingest_history_item) for index, raw in enumerate(items)
        ]

    def _guarded(
        self, index: int, raw: Any, caller: Caller, step: Callable[[int, Any, Caller], RecordResult]
    ) -> RecordResult:
        try:
            with self._lock:
                result = step(index, raw, caller)
        except RecordRejectedError as error:
            result = RecordResult(
                index, _code_of(raw), Outcome.REJECTED, tuple(_indexed(error.problems, raw, index))
            )
        except (DossierError, ValidationError) as error:
            result = RecordResult(index, _code_of(raw), Outcome.REJECTED, tuple(problems_from_domain(error)))
        self._count(result)
        return result

    def _ingest_record(self, index: int, raw: Any, caller: Caller) -> RecordResult:
        record = parse_record(raw)
        problems = reference_problems(record, self._procedure_known, self.units.__contains__)
        if not problems and not caller.may_push(record.unit, self.units):
            reason = f"this token may not push dossiers of unit {record.unit!r}"
            problems.append(Problem(record.unit_field, reason, ProblemKind.WRONG_UNIT))
        if problems:
            raise RecordRejectedError(problems)
        current = self._current(record.code)
        self._check_owner(current, caller)
        fingerprint = item_key(record.model_dump(mode="json", by_alias=True))
        if current is not None and self.store.seen(record.code, fingerprint):
            return RecordResult(index, record.code, Outcome.DUPLICATE)
        outcome = self._apply(translate(record, current, synced_at=self.clock.now()))
        self.store.remember(record.code, fingerprint)
        self._release_parked(record.code)
        return RecordResult(index, record.code, outcome)

    def _ingest_history_item(self, index: int, raw: Any, caller: Caller) -> RecordResult:
        item = parse_history(raw)
        current = self._current(item.code)
        if current is None:
            parked = self.store.park(item.code, caller.unit_code, item.model_dump(mode="json", by_alias=True))
            return RecordResult(
                index, item.code, Outcome.ACCEPTED if parked else Outcome.DUPLICATE, parked=parked
            )
        self._check_owner(current, caller)
        return RecordResult(index, item.code, self._apply(translate_history(item, current)))

    def _apply(self, commands: list[Command]) -> Outcome:
        if not commands:
            return Outcome.DUPLICATE
        return Outcome.ACCEPTED if self.app.handle(commands).new_events else Outcome.DUPLICATE

    def _current(self, code: str) -> DossierView | None:
        try:
            return self.app.get(code)
        except DossierNotFoundError:
            return None

    def _check_owner(self, current: DossierView | None, caller: Caller) -> None:
        if current is not None and not caller.may_push(current.unit_code, self.units):
            reason = f"the dossier belongs to unit {current.unit_code!r}, which this token may not push"
            raise RecordRejectedError([Problem("MaHoSo", reason, ProblemKind.WRONG_UNIT)])

    def _release_parked(self, code: str) -> None:
        waiting = self.store.parked(code)
        if not waiting:
            return
        current = self.app.get(code)
        for item in waiting:
            self._replay_parked(current, Caller(item.caller_unit), item.payload)
        self.store.release(code, [item.key for item in waiting])

    def _replay_parked(self, current: DossierView, caller: Caller, payload: dict[str, Any]) -> None:
        try:
            self._check_owner(current, caller)
            self._apply(translate_history(parse_history(payload), current))
        except (RecordRejectedError, DossierError, ValidationError) as error:
            log.warning("dropping parked history item of %s: %s", current.code, error)
            self._count(RecordResult(-1, current.code, Outcome.REJECTED, tuple(_problems_of(error))))

    def _count(self, result: RecordResult) -> None:
        if self.on_record is not None:
            self.on_record(result.outcome.value, result.reason_class)


def _problems_of(error: RecordRejectedError | DossierError | ValidationError) -> list[Problem]:
    return error.problems if isinstance(error, RecordRejectedError) else problems_from_domain(error)


def _code_of(raw: Any) -> str:
    code = raw.get("MaHoSo") if isinstance(raw, dict) else None
    return code.strip() if isinstance(code, str) else ""


def _indexed(problems: list[Problem], raw: Any, index: int) -> list[Problem]:
    if isinstance(raw, dict):
        return problems
    return [Problem(f"[{index}]", problem.reason, problem.kind) for problem in problems]
