"""The in-memory facts of every dossier, grouped by unit, and the scorecards computed from them.

Memory: one `DossierFacts` (a slotted, frozen dataclass) per dossier, with its instants, tuples of status
changes and the small value objects; unit and procedure codes are interned and the instants loaded from the
store share one tzinfo per offset. A typical dossier (received, a few status changes, a document, a result)
costs about 1.4 KB, measured with tracemalloc (tests/projection/test_memory.py guards 2 KB), so a province
with a million dossiers needs ~1.5 GB. Facts applied live keep the tzinfo objects pydantic parsed until the
next start. A larger deployment would drop the dossiers of closed periods once their scorecards are kept.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.periods import Period

PART_BUCKETS = 8
"""Each unit's dossiers are counted in this many parts (by dossier id), so that a change recounts one part."""


def bucket_of(dossier_id: str) -> int:
    """The part of its unit a dossier is counted in (stable within the process: str hashes are cached)."""
    return hash(dossier_id) % PART_BUCKETS


class FactsCache:
    """Dossier facts by unit code and dossier id."""

    def __init__(self) -> None:
        self._by_unit: dict[str, dict[str, DossierFacts]] = {}
        self._unit_of: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._unit_of)

    def put(self, facts: DossierFacts) -> set[str]:
        """Stores the facts; returns the units whose pools changed (the old unit too, if it moved)."""
        touched = {facts.unit_code}
        previous = self._unit_of.get(facts.dossier_id)
        if previous is not None and previous != facts.unit_code:
            self._by_unit[previous].pop(facts.dossier_id, None)
            touched.add(previous)
        self._by_unit.setdefault(facts.unit_code, {})[facts.dossier_id] = facts
        self._unit_of[facts.dossier_id] = facts.unit_code
        return touched

    def get(self, dossier_id: str) -> DossierFacts | None:
        """One dossier's facts."""
        unit = self._unit_of.get(dossier_id)
        return None if unit is None else self._by_unit[unit].get(dossier_id)

    def in_units(self, units: Iterable[str]) -> Iterator[DossierFacts]:
        """The facts of the dossiers of these units."""
        for unit in units:
            yield from self._by_unit.get(unit, {}).values()

    def in_buckets(self, unit: str, buckets: Iterable[int]) -> dict[int, list[DossierFacts]]:
        """The facts of the unit's dossiers in these parts (`bucket_of`), by part, in one scan."""
        found: dict[int, list[DossierFacts]] = {bucket: [] for bucket in buckets}
        for key, facts in self._by_unit.get(unit, {}).items():
            part = found.get(hash(key) % PART_BUCKETS)
            if part is not None:
                part.append(facts)
        return found


@dataclass(frozen=True, slots=True)
class CachedCount:
    """A count of one pool and period as of `as_of`; the answer for every instant from `as_of` until
    `valid_until` (None = until the facts change)."""

    value: Any
    as_of: datetime
    valid_until: datetime | None

    def answers(self, as_of: datetime) -> bool:
        """Still the answer as of `as_of`."""
        return self.as_of <= as_of and (self.valid_until is None or as_of < self.valid_until)


class CountCache:
    """Computed counts per (unit, period), dropped when a unit of the pool changes or time passes. A "unit"
    is any hashable key (a unit code; a (unit code, part) pair)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Hashable, Period], CachedCount] = {}

    def get(self, unit: Hashable, period: Period, as_of: datetime) -> Any | None:
        """The cached value, or None when missing or not the answer as of `as_of`."""
        entry = self.entry(unit, period, as_of)
        return None if entry is None else entry.value

    def entry(self, unit: Hashable, period: Period, as_of: datetime) -> CachedCount | None:
        """The cached count with its validity, or None when missing or not the answer as of `as_of`."""
        entry = self._entries.get((unit, period))
        if entry is None or not entry.answers(as_of):
            return None
        return entry

    def put(
        self, unit: Hashable, period: Period, as_of: datetime, value: Any, valid_until: datetime | None
    ) -> None:
        """Caches the count as of `as_of`, valid until `valid_until`."""
        self._entries[(unit, period)] = CachedCount(value, as_of, valid_until)

    def invalidate(self, units: Iterable[Hashable]) -> None:
        """Drops every entry of these units."""
        dropped = set(units)
        for key in [key for key in self._entries if key[0] in dropped]:
            del self._entries[key]

    def clear(self) -> None:
        """Drops everything (a catalogue change)."""
        self._entries.clear()
