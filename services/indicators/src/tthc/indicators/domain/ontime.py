"""The on-time verdict of one dossier for one period (2.1, index-766 §3.1) and its processing time (2.2).

Everything is judged "as of" the period: only status changes and supplement rounds that happened before the
period's end and not after `now` are known. So a closed period keeps its verdicts when later events arrive,
and a pending dossier of the open period turns overdue when the clock passes its due date, with no event.
The rule choices are documented in services/indicators/ONTIME.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tthc.indicators.domain.facts import DossierFacts, DossierStatus
from tthc.indicators.domain.ontime_config import (
    Granularity,
    OnTimeConfig,
    OnTimeConfigError,
    PauseRule,
    Verdict,
)
from tthc.indicators.domain.periods import Period, local_date

__all__ = [
    "Granularity",
    "Judgement",
    "LegalDue",
    "OnTimeConfig",
    "OnTimeConfigError",
    "PauseRule",
    "Verdict",
    "end_of_processing",
    "judge",
    "processing_duration",
]

LegalDue = Callable[[DossierFacts], datetime | None]
"""Computes the legal due date of a dossier that has none (e.g. reception + legal time in working days)."""

DEFAULT_CONFIG = OnTimeConfig()
# End states by priority: the first 9 wins, else the first 10, else the first of 3/7/8 (§3.1 rule 1).
_END_STATE_RANKS = (
    frozenset({DossierStatus.RESOLVED}),
    frozenset({DossierStatus.RESULT_RETURNED}),
    frozenset({DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED}),
)
_END_STATES = frozenset().union(*_END_STATE_RANKS)


@dataclass(frozen=True, slots=True)
class Judgement:
    """A verdict with the facts it was reached from (for explanations).

    `end_status` is the end state used (5 for a dossier waiting for a supplement; None while pending); `end`
    the instant judged (after subtracting pauses where the rule says so); `due` the deadline compared with
    (None = no deadline known); `paused` the time subtracted from the end.
    """

    verdict: Verdict
    end_status: DossierStatus | None = None
    end: datetime | None = None
    due: datetime | None = None
    paused: timedelta = timedelta(0)

    @property
    def in_scope(self) -> bool:
        """Counts in the 2.1 denominator."""
        return self.verdict is not Verdict.OUT_OF_SCOPE

    @property
    def is_on_time(self) -> bool:
        """Counts in the 2.1 numerator."""
        return self.verdict.is_on_time

    @property
    def finished(self) -> bool:
        """Reached an end state (or the waiting-for-supplement end) by the period's cut-off."""
        return self.end_status is not None


OUT_OF_SCOPE = Judgement(Verdict.OUT_OF_SCOPE)


def ended_before(dossier: DossierFacts, instant: datetime, now: datetime) -> bool:
    """The dossier's last status change is an end state entered before `instant` and known at `now`: every
    change is earlier, so its processing ended before `instant` whatever the end-state priority picks (a
    test without walking the timeline; False does not mean the opposite)."""
    codes = dossier.status_codes
    if not codes:
        return False
    last_at = dossier.status_times[-1]
    return last_at < instant and last_at <= now and codes[-1] in _END_STATES


def end_of_processing(
    dossier: DossierFacts, known: Callable[[datetime], bool]
) -> tuple[datetime, DossierStatus] | None:
    """The end of processing among the known status changes: first 9, else first 10, else first 3/7/8."""
    codes, times = dossier.status_codes, dossier.status_times
    for rank in _END_STATE_RANKS:
        for code, at in zip(codes, times, strict=True):
            if code in rank and known(at):
                return at, DossierStatus(code)
    return None


def judge(
    dossier: DossierFacts,
    period: Period,
    now: datetime,
    config: OnTimeConfig = DEFAULT_CONFIG,
    legal_due: LegalDue | None = None,
) -> Judgement:
    """Judges one dossier for `period` as of `now` (§3.1): EARLY, ON_TIME, OVERDUE or OUT_OF_SCOPE.

    `legal_due` gives the deadline of a dossier without a due date; by default reception + `legal_time`.
    """
    received = dossier.received_at
    if received is None or received >= period.end or received > now:
        return OUT_OF_SCOPE

    def known(at: datetime) -> bool:
        return at < period.end and at <= now

    ended = end_of_processing(dossier, known)
    if ended is None:
        ended = _waiting_for_supplement(dossier, known)
        if ended is not None and _supplement_requests(dossier, known) > 1 and ended[0] >= period.start:
            return Judgement(Verdict.OVERDUE, DossierStatus.SUPPLEMENT_REQUESTED, ended[0])
    if ended is not None and ended[0] < period.start:
        return OUT_OF_SCOPE
    end, end_status = ended if ended is not None else (min(period.last_instant, now), None)
    if end_status is DossierStatus.WITHDRAWN and config.withdrawn_on_time:
        return Judgement(Verdict.ON_TIME, end_status, end)
    return _compare(dossier, end, end_status, config, legal_due)


def processing_duration(
    dossier: DossierFacts, now: datetime, config: OnTimeConfig = DEFAULT_CONFIG
) -> timedelta | None:
    """Processing time of a dossier completed (9 or 10) by `now`, supplement pauses excluded (2.2).

    Time in status 6 is excluded too when `config.financial_obligation_pauses`. None when not completed.
    """
    if dossier.received_at is None:
        return None
    ended = end_of_processing(dossier, lambda at: at <= now)
    if ended is None or ended[1] not in (DossierStatus.RESOLVED, DossierStatus.RESULT_RETURNED):
        return None
    end = ended[0]
    paused = _supplement_pause(dossier, end) + _financial_pause(dossier, end, config)
    return end - paused - dossier.received_at


def _waiting_for_supplement(
    dossier: DossierFacts, known: Callable[[datetime], bool]
) -> tuple[datetime, DossierStatus] | None:
    """The request instant of a supplement the applicant has not answered by the cut-off (§3.1 rule 2)."""
    for round_ in reversed(dossier.supplements):
        if known(round_.requested_at):
            answered = round_.supplied_at is not None and known(round_.supplied_at)
            return None if answered else (round_.requested_at, DossierStatus.SUPPLEMENT_REQUESTED)
    return None


def _supplement_requests(dossier: DossierFacts, known: Callable[[datetime], bool]) -> int:
    return sum(1 for round_ in dossier.supplements if known(round_.requested_at))


def _supplement_pause(dossier: DossierFacts, end: datetime) -> timedelta:
    return sum((round_.pause_until(end) for round_ in dossier.supplements), timedelta(0))


def _financial_pause(dossier: DossierFacts, end: datetime, config: OnTimeConfig) -> timedelta:
    """Time spent in status 6 before `end`, when the configuration lets it stop the clock."""
    if not config.financial_obligation_pauses:
        return timedelta(0)
    paused = timedelta(0)
    times = dossier.status_times
    for index, code in enumerate(dossier.status_codes):
        if code == DossierStatus.FINANCIAL_OBLIGATION and times[index] < end:
            left = times[index + 1] if index + 1 < len(times) else end
            paused += min(left, end) - times[index]
    return paused


def _compare(
    dossier: DossierFacts,
    end: datetime,
    end_status: DossierStatus | None,
    config: OnTimeConfig,
    legal_due: LegalDue | None,
) -> Judgement:
    supplement = _supplement_pause(dossier, end)
    paused = _financial_pause(dossier, end, config)
    if config.pause_rule is PauseRule.EXTEND_DUE:
        due = dossier.current_due or dossier.original_due
    else:
        due = dossier.original_due or dossier.current_due
        paused += supplement
    if due is None:
        due = _legal_due(dossier, legal_due)
        if due is None:
            return Judgement(config.no_deadline_verdict, end_status, end, None, paused)
        if config.pause_rule is PauseRule.EXTEND_DUE:
            paused += supplement  # a legal deadline is never extended, so the pause is subtracted here
    adjusted = end - paused
    verdict = _verdict(adjusted, due, end_status is not None, config)
    return Judgement(verdict, end_status, adjusted, due, paused)


def _legal_due(dossier: DossierFacts, legal_due: LegalDue | None) -> datetime | None:
    if legal_due is not None:
        return legal_due(dossier)
    if dossier.legal_time is None or dossier.received_at is None:
        return None
    return dossier.received_at + dossier.legal_time


def _verdict(end: datetime, due: datetime, finished: bool, config: OnTimeConfig) -> Verdict:
    end_day, due_day = local_date(end), local_date(due)
    late = end_day > due_day if config.granularity is Granularity.DATE else end > due
    if late:
        return Verdict.OVERDUE
    return Verdict.EARLY if finished and end_day < due_day else Verdict.ON_TIME
