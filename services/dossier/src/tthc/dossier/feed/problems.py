"""What can be wrong with a feed record: one ``Problem`` per field, named by its national field name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemKind(StrEnum):
    """The class of a problem; also the ``reason`` label of the feed metrics."""

    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    BAD_DATE = "bad_date"
    BAD_VALUE = "bad_value"  # wrong type, not a number, not a dossier code
    UNKNOWN_CODE = "unknown_code"  # status/channel/type code, procedure or unit not known
    WRONG_UNIT = "wrong_unit"  # the caller may not push this unit's dossiers
    STATE_CONTRADICTION = "state_contradiction"  # the domain refused the record's steps
    OVERSIZED_TEXT = "oversized_text"


@dataclass(frozen=True)
class Problem:
    """One problem with one field: ``{"field": "NgayTiepNhan", "reason": "not a date in ..."}``."""

    field: str
    reason: str
    kind: ProblemKind

    def as_json(self) -> dict[str, str]:
        """The wire form: field and reason (the class travels in metrics, not in the answer)."""
        return {"field": self.field, "reason": self.reason}


class RecordRejectedError(Exception):
    """A record cannot be accepted; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("a rejection needs at least one problem")
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems

    @property
    def kind(self) -> ProblemKind:
        """The class of the first problem (the one metrics count)."""
        return self.problems[0].kind
