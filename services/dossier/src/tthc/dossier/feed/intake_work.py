"""One unit of work of the feed intake: the batch's dossiers in memory and the feed-store writes to make.

The feed store is read once per batch (``FeedSnapshot``) and written once after the batch's events are
saved (``FeedWrites``); in between, what this batch took, parked and released is kept here, so records
later in the batch see it exactly as if it had been written already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tthc.dossier.application_batch import DossierBatch
from tthc.dossier.feed.results import RecordResult
from tthc.dossier.feed.store import FeedSnapshot, FeedStore, FeedWrites, ParkedItem, item_key


@dataclass
class IntakeWork:
    """One unit of work of the intake: the dossiers in memory and the feed-store writes to make after.

    ``known`` is what the feed store said about the batch's dossiers when the work began; a dossier it
    does not cover (e.g. a code the parser normalised) is asked about directly.
    """

    batch: DossierBatch
    store: FeedStore
    known: FeedSnapshot
    writes: FeedWrites = field(default_factory=FeedWrites)
    dropped: list[RecordResult] = field(default_factory=list)  # parked items that could not be replayed
    _remembered: set[tuple[str, str]] = field(default_factory=set)  # (code, fingerprint) taken by this work
    _parking: set[tuple[str, str]] = field(default_factory=set)  # (code, item key) parked by this work

    def seen(self, code: str, fingerprint: str) -> bool:
        """True when the record was taken before, or earlier in this batch."""
        if (code, fingerprint) in self._remembered:
            return True
        if code in self.known.codes:
            return (code, fingerprint) in self.known.seen
        return self.store.seen(code, fingerprint)

    def remember(self, code: str, fingerprint: str) -> None:
        """Notes a taken record (written with the batch)."""
        self._remembered.add((code, fingerprint))
        self.writes.remembered.append((code, fingerprint))

    def park(self, code: str, caller_unit: str | None, payload: dict[str, Any]) -> bool:
        """Parks a history item (written with the batch); False when it is parked already."""
        key = item_key(payload)
        if (code, key) in self._parking or any(item.key == key for item in self._stored_parked(code)):
            return False
        self._parking.add((code, key))
        self.writes.parked.append((code, caller_unit, payload))
        return True

    def waiting(self, code: str) -> list[ParkedItem]:
        """The items parked for dossier ``code`` and not yet released by this batch."""
        released = {key for released_code, key in self.writes.released if released_code == code}
        return [item for item in self._stored_parked(code) if item.key not in released]

    def _stored_parked(self, code: str) -> list[ParkedItem]:
        if code in self.known.codes and code not in self.known.parked:
            return []
        return self.store.parked(code)
