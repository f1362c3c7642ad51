"""Until when a pool's count stays the answer without any new event (pure).

Counting is "as of" an instant: a pending dossier turns overdue when the clock passes its due date, a
status change dated in the future becomes known when the clock reaches it, and the period closes. The next
such instant after `as_of` bounds how long a cached scorecard is valid. Both the due instant and the local
midnight after its civil day are candidates, so date and timestamp granularity are both covered, and so are
the deadlines shifted by finished pauses (the pause rules subtract them from the end instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, time, timedelta
from itertools import pairwise

from tthc.indicators.domain.facts import DossierFacts, DossierStatus
from tthc.indicators.domain.facts_catalogue import ProcedureFacts
from tthc.indicators.domain.periods import VIETNAM, Period, local_date

_DAY = timedelta(days=1)


def valid_until(
    dossiers: Iterable[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
    period: Period,
    as_of: datetime,
) -> datetime | None:
    """The first instant after `as_of` at which the count may change (None: never, the period is closed)."""
    if as_of >= period.end:
        return None
    earliest = period.end
    for dossier in dossiers:
        procedure = procedures.get(dossier.procedure_code)
        if not _may_change_after(dossier, procedure, as_of):
            continue
        for at in _instants(dossier, procedure):
            if as_of < at < earliest:
                earliest = at
    return earliest


def _may_change_after(dossier: DossierFacts, procedure: ProcedureFacts | None, as_of: datetime) -> bool:
    """False when no instant of `_instants` can fall after `as_of` (a cheap bound that skips the deadline
    arithmetic for the many dossiers long settled). Every instant is a recorded one, or a deadline shifted
    by a pause (each pause lies within the dossier's timeline, so pause ≤ its span; the two added ≤ twice
    it) and then perhaps to the next midnight (≤ a day later)."""
    recorded = [
        at
        for at in (dossier.submitted_at, dossier.received_at, dossier.synced_at, dossier.apology_issued_at)
        if at is not None
    ]
    recorded += dossier.status_times
    for round_ in dossier.supplements:
        recorded.append(round_.requested_at)
        if round_.supplied_at is not None:
            recorded.append(round_.supplied_at)
    if not recorded:
        return True
    latest = max(recorded)
    if latest > as_of:
        return True
    deadlines = list(_deadlines(dossier, procedure))
    return bool(deadlines) and max(deadlines) + 2 * (latest - min(recorded)) + _DAY > as_of


def _instants(dossier: DossierFacts, procedure: ProcedureFacts | None) -> Iterator[datetime]:
    for at in (dossier.submitted_at, dossier.received_at, dossier.synced_at, dossier.apology_issued_at):
        if at is not None:
            yield at
    yield from dossier.status_times
    for round_ in dossier.supplements:
        yield round_.requested_at
        if round_.supplied_at is not None:
            yield round_.supplied_at
    pauses = _pauses(dossier)
    for due in _deadlines(dossier, procedure):
        for shifted in (due, *(due + pause for pause in pauses)):
            yield shifted
            yield _next_midnight(shifted)


def _pauses(dossier: DossierFacts) -> tuple[timedelta, ...]:
    """Finished pauses a rule may subtract from the end: supplements, and supplements + status 6."""
    supplements = sum(
        (r.supplied_at - r.requested_at for r in dossier.supplements if r.supplied_at is not None),
        timedelta(0),
    )
    financial = timedelta(0)
    changes = zip(dossier.status_codes, dossier.status_times, strict=True)
    for (code, at), (_, following_at) in pairwise(changes):
        if code == DossierStatus.FINANCIAL_OBLIGATION:
            financial += following_at - at
    return (supplements, supplements + financial, financial)


def _deadlines(dossier: DossierFacts, procedure: ProcedureFacts | None) -> Iterator[datetime]:
    if dossier.original_due is not None:
        yield dossier.original_due
    if dossier.current_due is not None:
        yield dossier.current_due
    received = dossier.received_at
    if received is None:
        return
    for legal in (dossier.legal_time, procedure.legal_time if procedure else None):
        if legal is not None:
            yield received + legal


def _next_midnight(at: datetime) -> datetime:
    return datetime.combine(local_date(at) + timedelta(days=1), time(0), tzinfo=VIETNAM)
