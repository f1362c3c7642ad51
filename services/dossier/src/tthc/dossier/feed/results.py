"""The answer for each pushed record: accepted, duplicate or rejected, with the problems found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tthc.dossier.feed.problems import Problem

RecordHook = Callable[[str, str], None]  # (outcome, reason class), e.g. ("rejected", "bad_date")


class Outcome(StrEnum):
    """What became of one record."""

    ACCEPTED = "accepted"  # something new was recorded (or a history item was parked for its dossier)
    DUPLICATE = "duplicate"  # nothing new: the service already knew all of it
    REJECTED = "rejected"  # nothing recorded; see the errors


@dataclass(frozen=True)
class RecordResult:
    """The result for the record at ``index`` of a batch."""

    index: int
    code: str
    outcome: Outcome
    errors: tuple[Problem, ...] = ()
    parked: bool = False

    def as_json(self) -> dict[str, Any]:
        """The wire form: ``MaHoSo``, ``result``, ``errors`` [{field, reason}], ``index`` (+ ``parked``)."""
        body: dict[str, Any] = {
            "MaHoSo": self.code,
            "result": self.outcome.value,
            "errors": [problem.as_json() for problem in self.errors],
            "index": self.index,
        }
        if self.parked:
            body["parked"] = True
        return body

    @property
    def reason_class(self) -> str:
        """The metrics reason label: the first problem's class, ``parked``, or ``none``."""
        if self.errors:
            return self.errors[0].kind.value
        return "parked" if self.parked else "none"


def summary(results: Iterable[RecordResult]) -> dict[str, Any]:
    """The batch answer: per-record results and counts by outcome."""
    listed = list(results)
    counts = Counter(result.outcome for result in listed)
    return {
        "results": [result.as_json() for result in listed],
        **{outcome.value: counts.get(outcome, 0) for outcome in Outcome},
    }
