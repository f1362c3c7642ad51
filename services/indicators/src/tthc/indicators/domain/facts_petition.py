"""Facts about one petition (phản ánh, kiến nghị, PAKN) for the satisfaction group (index-766 §1.6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tthc.indicators.domain.facts_parts import require_aware


class PetitionTopic(StrEnum):
    """What a classified petition is about (5.1)."""

    PROCEDURE = "procedure"  # quy định, thủ tục hành chính
    STAFF = "staff"  # hành vi, thái độ của cán bộ
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class PetitionFacts:
    """What the index needs to know about one petition.

    - `received_at`: first reception; `due_at`: the handling deadline (sent or latest transfer + 15 working
      days, computed upstream); `handled_at`: start of "chờ công khai / đã công khai" (None while handling).
    - `topic`: the classification (None = not classified); `likes` / `dislikes` on the portal;
      `repeat_complaint`: followed by a repeat complaint about the result.
    """

    petition_id: str
    unit_code: str
    received_at: datetime
    due_at: datetime | None = None
    handled_at: datetime | None = None
    topic: PetitionTopic | None = None
    likes: int = 0
    dislikes: int = 0
    repeat_complaint: bool = False

    def __post_init__(self) -> None:
        for name in ("received_at", "due_at", "handled_at"):
            require_aware(getattr(self, name), f"PetitionFacts.{name}")

    @property
    def not_satisfied(self) -> bool:
        """More dislikes than likes on the portal."""
        return self.dislikes > self.likes

    def handled_on_time(self, as_of: datetime) -> bool:
        """Handled by the deadline, or still within it at `as_of` (no deadline = on time).

        Handling after `as_of` is not yet known at `as_of`, so it is judged as still in progress.
        """
        if self.due_at is None:
            return True
        if self.handled_at is not None and self.handled_at <= as_of:
            return self.handled_at <= self.due_at
        return as_of <= self.due_at
