"""Named options of the on-time rules (index-766 §3.1 open questions); see services/indicators/ONTIME.md."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OnTimeConfigError(ValueError):
    """An on-time option value that makes no sense."""


class Verdict(StrEnum):
    """The verdict of one dossier for one period (2.1)."""

    EARLY = "early"  # trước hạn: finished on an earlier day than the due date
    ON_TIME = "on-time"  # đúng hạn, or still being processed within the deadline
    OVERDUE = "overdue"  # quá hạn
    OUT_OF_SCOPE = "out-of-scope"  # not received, received after the period, or finished before it

    @property
    def is_on_time(self) -> bool:
        """Counts in the 2.1 numerator (early or on time)."""
        return self in (Verdict.EARLY, Verdict.ON_TIME)


class PauseRule(StrEnum):
    """How a supplement pause is credited, exactly once (never both ways)."""

    EXTEND_DUE = "extend-due"  # compare the end with the current (extended) due date; subtract nothing
    SUBTRACT_PAUSES = "subtract-pauses"  # subtract the pauses from the end; compare with the original due


class Granularity(StrEnum):
    """What "no later than the due date" compares."""

    DATE = "date"  # civil dates in Asia/Ho_Chi_Minh (the provincial SQL's CONVERT(DATE, …))
    TIMESTAMP = "timestamp"  # exact instants


@dataclass(frozen=True, slots=True)
class OnTimeConfig:
    """The on-time options; the defaults are the documented recommendations.

    - `pause_rule`: see `PauseRule` (default EXTEND_DUE).
    - `granularity`: see `Granularity` (default DATE).
    - `financial_obligation_pauses`: time in status 6 stops the clock (default False: the clock runs on).
    - `withdrawn_on_time`: a dossier withdrawn by the applicant (7) counts as on time, as the provincial SQL
      does (default False: judged against its due date like any end state).
    - `no_deadline_verdict`: verdict for a dossier with neither a due date nor a legal time (default ON_TIME,
      as the provincial SQL does).

    Raises:
        OnTimeConfigError: `no_deadline_verdict` is OUT_OF_SCOPE.
    """

    pause_rule: PauseRule = PauseRule.EXTEND_DUE
    granularity: Granularity = Granularity.DATE
    financial_obligation_pauses: bool = False
    withdrawn_on_time: bool = False
    no_deadline_verdict: Verdict = Verdict.ON_TIME

    def __post_init__(self) -> None:
        if self.no_deadline_verdict is Verdict.OUT_OF_SCOPE:
            raise OnTimeConfigError("a dossier without a deadline is still in scope: pick a real verdict")
