"""The feed intake use case: validate, authorise, translate and apply each pushed record on its own.

Every record of a batch gets its own result; accepted records are kept whatever happens to the others.
A batch is one unit of work: each record is translated against its dossier as the batch has it so far and
applied in memory (a refused record changes nothing), then all new events are saved in one transaction
and the feed store's writes in another. When the event save fails (e.g. another writer saved one of the
dossiers meanwhile), the batch is taken again record by record, each with its own save, so the results
are those of the record-by-record path. All writes go through one lock, so the intake is a single writer
even when HTTP and Kafka share it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, PersistenceError
from pydantic import ValidationError

from tthc.dossier.application_batch import DossierBatch
from tthc.dossier.domain.commands import Command
from tthc.dossier.domain.errors import DossierError
from tthc.dossier.domain.views import DossierView
from tthc.dossier.feed.auth import Caller, TokenAuth, UnitDirectory
from tthc.dossier.feed.domain_problems import problems_from_domain
from tthc.dossier.feed.intake_work import IntakeWork
from tthc.dossier.feed.problems import Problem, ProblemKind, RecordRejectedError
from tthc.dossier.feed.results import Outcome, RecordHook, RecordResult
from tthc.dossier.feed.store import FeedStore, MemoryFeedStore, item_key
from tthc.dossier.feed.translate import translate, translate_history
from tthc.dossier.feed.validation import parse_history, parse_record, reference_problems
from tthc.kit.clock import Clock, SystemClock

log = logging.getLogger(__name__)


class DossierApp(Protocol):
    """What the intake needs of the ``Dossiers`` application (or its ``SingleWriter``)."""

    def batch(self) -> AbstractContextManager[DossierBatch]: ...

    def procedure_terms_if_known(self, code: str) -> object | None: ...


Step = Callable[[int, Any, Caller, IntakeWork], RecordResult]


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
        one_transaction_per_batch: bool = True,
    ) -> None:
        self.app, self.units, self.auth = app, units, auth
        self.store = store if store is not None else MemoryFeedStore()
        self.clock = clock if clock is not None else SystemClock()
        self.on_record = on_record
        self._procedure_known = procedure_known or (
            lambda code: app.procedure_terms_if_known(code) is not None
        )
        self._batched = one_transaction_per_batch
        self._lock = threading.Lock()

    def authenticate(self, token: str | None) -> Caller | None:
        """The caller a bearer token stands for (None when unknown or when no tokens are configured)."""
        return self.auth.authenticate(token) if self.auth is not None else None

    def ingest(self, records: Sequence[Any], caller: Caller) -> list[RecordResult]:
        """Applies each dossier record (HoSoDongBoDVC) on its own; one result per record, in order."""
        return self._take(records, caller, self._ingest_record)

    def ingest_history(self, items: Sequence[Any], caller: Caller) -> list[RecordResult]:
        """Applies each history item (QuaTrinhXuLy); items of unknown dossiers are parked for later."""
        return self._take(items, caller, self._ingest_history_item)

    def _take(self, raws: Sequence[Any], caller: Caller, step: Step) -> list[RecordResult]:
        indexed = list(enumerate(raws))
        with self._lock:
            if not (self._batched and indexed):
                return self._one_by_one(indexed, caller, step)
            try:
                return self._in_one_unit(indexed, caller, step)
            except PersistenceError as error:  # nothing of the batch was stored
                log.info("batch save failed (%s); taking its %d records one by one", error, len(indexed))
                return self._one_by_one(indexed, caller, step)

    def _one_by_one(self, indexed: list[tuple[int, Any]], caller: Caller, step: Step) -> list[RecordResult]:
        results: list[RecordResult] = []
        for entry in indexed:
            try:
                results += self._in_one_unit([entry], caller, step)
            except IntegrityError:  # another writer saved this dossier meanwhile: reload and try once more
                results += self._in_one_unit([entry], caller, step)
        return results

    def _in_one_unit(self, indexed: list[tuple[int, Any]], caller: Caller, step: Step) -> list[RecordResult]:
        """Takes the records in one unit of work: one event-store save, then one feed-store write.

        Results are counted once stored, so records taken again after a failed save count once.
        """
        known = self.store.snapshot({code for _, raw in indexed if (code := _code_of(raw))})
        with self.app.batch() as batch:
            work = IntakeWork(batch, self.store, known)
            results = [self._guarded(index, raw, caller, step, work) for index, raw in indexed]
            batch.save()
        if work.writes:
            self.store.write(work.writes)
        for result in [*work.dropped, *results]:
            self._count(result)
        return results

    def _guarded(self, index: int, raw: Any, caller: Caller, step: Step, work: IntakeWork) -> RecordResult:
        try:
            return step(index, raw, caller, work)
        except RecordRejectedError as error:
            problems = tuple(_indexed(error.problems, raw, index))
            return RecordResult(index, _code_of(raw), Outcome.REJECTED, problems)
        except (DossierError, ValidationError) as error:
            return RecordResult(index, _code_of(raw), Outcome.REJECTED, tuple(problems_from_domain(error)))

    def _ingest_record(self, index: int, raw: Any, caller: Caller, work: IntakeWork) -> RecordResult:
        record = parse_record(raw)
        problems = reference_problems(record, self._procedure_known, self.units.__contains__)
        if not problems and not caller.may_push(record.unit, self.units):
            reason = f"this token may not push dossiers of unit {record.unit!r}"
            problems.append(Problem(record.unit_field, reason, ProblemKind.WRONG_UNIT))
        if problems:
            raise RecordRejectedError(problems)
        current = work.batch.view(record.code)
        self._check_owner(current, caller)
        fingerprint = item_key(record.model_dump(mode="json", by_alias=True))
        if current is not None and work.seen(record.code, fingerprint):
            return RecordResult(index, record.code, Outcome.DUPLICATE)
        outcome = self._apply(work.batch, translate(record, current, synced_at=self.clock.now()))
        work.remember(record.code, fingerprint)
        self._release_parked(work, record.code)
        return RecordResult(index, record.code, outcome)

    def _ingest_history_item(self, index: int, raw: Any, caller: Caller, work: IntakeWork) -> RecordResult:
        item = parse_history(raw)
        current = work.batch.view(item.code)
        if current is None:
            parked = work.park(item.code, caller.unit_code, item.model_dump(mode="json", by_alias=True))
            return RecordResult(
                index, item.code, Outcome.ACCEPTED if parked else Outcome.DUPLICATE, parked=parked
            )
        self._check_owner(current, caller)
        return RecordResult(index, item.code, self._apply(work.batch, translate_history(item, current)))

    @staticmethod
    def _apply(batch: DossierBatch, commands: list[Command]) -> Outcome:
        if not commands:
            return Outcome.DUPLICATE
        return Outcome.ACCEPTED if batch.handle(commands).new_events else Outcome.DUPLICATE

    def _check_owner(self, current: DossierView | None, caller: Caller) -> None:
        if current is not None and not caller.may_push(current.unit_code, self.units):
            reason = f"the dossier belongs to unit {current.unit_code!r}, which this token may not push"
            raise RecordRejectedError([Problem("MaHoSo", reason, ProblemKind.WRONG_UNIT)])

    def _release_parked(self, work: IntakeWork, code: str) -> None:
        for item in work.waiting(code):
            self._replay_parked(work, code, Caller(item.caller_unit), item.payload)
            work.writes.released.append((code, item.key))

    def _replay_parked(self, work: IntakeWork, code: str, caller: Caller, payload: dict[str, Any]) -> None:
        current = work.batch.view(code)
        if current is None:  # pragma: no cover - called once the record opened the dossier
            return
        try:
            self._check_owner(current, caller)
            self._apply(work.batch, translate_history(parse_history(payload), current))
        except (RecordRejectedError, DossierError, ValidationError) as error:
            log.warning("dropping parked history item of %s: %s", code, error)
            work.dropped.append(RecordResult(-1, code, Outcome.REJECTED, tuple(_problems_of(error))))

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
