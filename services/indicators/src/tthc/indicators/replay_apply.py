"""The store side of a replay: fetched batches projected through windows of many records each.

A window (`projection.window`) reads each aggregate once, projects every event of the batches added to it,
and writes each changed aggregate once when it commits. At province scale a dossier's events lie weeks
apart in the topic, so with one transaction per fetched batch nearly every event cost a facts JSON and a
row write of its own; a window of `window_records` records writes a dossier about once per window. The
group's offsets are committed only for records whose window has committed, so an interrupted replay
resumes from a committed window (the tracking rows make any overlap harmless).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tthc.indicators.entrypoints.kafka import read_records
from tthc.indicators.projection.store import FactsStore

WINDOW_RECORDS = 400_000
"""Records per replay transaction: each window holds the states of the dossiers it touched until it
commits. At 2 M dossiers a year a worker's 400,000 records span about three weeks of the topic and touch
≈ 80,000 dossiers (≈ 260 MiB over the worker's base, against ≈ 200 MiB for 100,000 records); a dossier is
then written ≈ 1.25 times in all, against ≈ 1.9 with windows of 100,000 (measured on the first 1.2 M records
of one worker's share)."""

Offsets = dict[tuple[str, int], int]
"""The next offset to read per (topic, partition)."""


@dataclass(frozen=True, slots=True)
class Committed:
    """A committed window: its counts and the next offsets of the records it covered."""

    records: int
    unreadable: int
    applied: int
    duplicates: int
    rejected: int
    offsets: Offsets


class WindowedApply:
    """Adds fetched batches to the current window and commits it every `window_records` records (and at
    the end, by `commit`)."""

    def __init__(self, store: FactsStore, window_records: int = WINDOW_RECORDS) -> None:
        self._store = store
        self._window_records = max(1, window_records)
        self._window = store.window()
        self._records = 0
        self._unreadable = 0
        self._offsets: Offsets = {}

    def add(self, records: Sequence[Any]) -> Committed | None:
        """Decodes and projects one fetched batch; the committed window when this batch filled it."""
        events, letters = read_records(records)
        self._window.add(events)
        self._records += len(records)
        self._unreadable += len(letters)
        for record in records:  # in offset order per partition: the last one wins
            self._offsets[(record.topic, record.partition)] = record.offset + 1
        return self.commit() if self._records >= self._window_records else None

    def commit(self) -> Committed | None:
        """Writes the current window (None when it holds no record) and opens the next one."""
        if not self._records:
            return None
        result = self._window.commit().result
        committed = Committed(
            self._records,
            self._unreadable,
            result.applied,
            result.duplicates,
            len(result.rejected),
            self._offsets,
        )
        self._window = self._store.window()
        self._records = self._unreadable = 0
        self._offsets = {}
        return committed
