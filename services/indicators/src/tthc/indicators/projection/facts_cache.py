"""The in-memory facts of every dossier, grouped by unit, and the scorecards computed from them.

Memory: one `DossierFacts` (a slotted, frozen dataclass) per dossier, with its instants, its status timeline
(one shared bytes object of status codes per distinct path, and a tuple of instants) and the small value
objects. What repeats is shared, whether the facts were loaded from the store (codec) or evolved live
(mapping, then `codec.shared_instants` as the read model takes them in): unit and procedure codes are
interned, instants share one tzinfo per offset and one object per instant within a dossier, and documents,
fee lines, results without a code and status paths are shared values. A typical dossier (received, ~4
status changes, a document, a result) costs about 930 bytes, the same on both paths (tracemalloc and a walk
of what the cache references, bench/memory_facts.py; tests/projection/test_memory.py guards 1,050 bytes; it
was 1.4 KB, then 1.1 KB with status-change objects). What is left is essential with this API: ~6 datetimes
(48 bytes each), the facts object (248), the dossier id and code strings (~145), the tuples (~120)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.periods import Period

PART_BUCKETS = 32
"""Each unit's dossiers are counted in this many parts (by dossier id), so that a change recounts one part.

A province-scale unit holds ≈ 24,000 dossiers a year: with 8 parts a new dossier recounted ≈ 3,000 of them
(≈ 0.3 s under load at 2 M dossiers, most of the freshness); with 32, ≈ 750. The pools merge one sum per
unit (`counting_plan`), so more parts do not make a province's merge longer."""


def bucket_of(dossier_id: str) -> int:
    """The part of its unit a dossier is counted in (stable within the process: str hashes are cached)."""
    return hash(dossier_id) % PART_BUCKETS


class FactsCache:
    """Dossier facts by dossier id, and the ids of each unit's dossiers.

    One dict holds the facts; each unit keeps a plain list of its dossiers' ids (8 bytes per dossier where a
    second dict costs 40-50). A dossier that moves to another unit leaves a stale id in its old unit's list:
    reads skip ids whose facts name another unit, and a list is compacted when half of it is stale or before
    a dossier moves (back) into it, so no id is ever listed twice.
    """

    def __init__(self) -> None:
        self._facts: dict[str, DossierFacts] = {}
        self._ids: dict[str, list[str]] = {}
        self._stale: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._facts)

    def put(self, facts: DossierFacts) -> set[str]:
        """Stores the facts; returns the units whose pools changed (the old unit too, if it moved)."""
        dossier_id, unit = facts.dossier_id, facts.unit_code
        previous = self._facts.get(dossier_id)
        if previous is not None and previous.unit_code == unit:
            self._facts[dossier_id] = facts
            return {unit}
        if self._stale.get(unit):
            self._compact(unit)  # drops a stale id of this dossier, while its facts still name the old unit
        self._facts[dossier_id] = facts
        self._ids.setdefault(unit, []).append(dossier_id)
        if previous is None:
            return {unit}
        self._left(previous.unit_code)
        return {unit, previous.unit_code}

    def _left(self, unit: str) -> None:
        stale = self._stale[unit] = self._stale.get(unit, 0) + 1
        if 2 * stale > len(self._ids[unit]):
            self._compact(unit)

    def _compact(self, unit: str) -> None:
        facts = self._facts
        kept = [key for key in self._ids[unit] if facts[key].unit_code == unit]
        self._stale.pop(unit, None)
        if kept:
            self._ids[unit] = kept
        else:
            del self._ids[unit]

    def get(self, dossier_id: str) -> DossierFacts | None:
        """One dossier's facts."""
        return self._facts.get(dossier_id)

    def in_units(self, units: Iterable[str]) -> Iterator[DossierFacts]:
        """The facts of the dossiers of these units."""
        facts = self._facts
        for unit in units:
            ids = self._ids.get(unit, ())
            if not self._stale.get(unit):
                yield from map(facts.__getitem__, ids)
                continue
            for key in ids:
                found = facts[key]
                if found.unit_code == unit:
                    yield found

    def in_buckets(self, unit: str, buckets: Iterable[int]) -> dict[int, list[DossierFacts]]:
        """The facts of the unit's dossiers in these parts (`bucket_of`), by part, in one scan."""
        found: dict[int, list[DossierFacts]] = {bucket: [] for bucket in buckets}
        facts = self._facts
        for key in self._ids.get(unit, ()):
            part = found.get(hash(key) % PART_BUCKETS)
            if part is not None:
                dossier = facts[key]
                if dossier.unit_code == unit:
                    part.append(dossier)
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
        self._entries: dict[Hashable, dict[Period, CachedCount]] = {}  # by unit: dropping one is O(1)
        self._tick = 0  # one more at every invalidation
        self._dropped_at: dict[Hashable, int] = {}  # per unit: the tick of its last invalidation
        self._cleared_at = 0

    def stamp(self) -> int:
        """The cache's state now: a count whose facts were read at this stamp can be `put` with it, and is
        refused if its unit was invalidated since."""
        return self._tick

    def get(self, unit: Hashable, period: Period, as_of: datetime) -> Any | None:
        """The cached value, or None when missing or not the answer as of `as_of`."""
        entry = self.entry(unit, period, as_of)
        return None if entry is None else entry.value

    def entry(self, unit: Hashable, period: Period, as_of: datetime) -> CachedCount | None:
        """The cached count with its validity, or None when missing or not the answer as of `as_of`."""
        periods = self._entries.get(unit)
        entry = None if periods is None else periods.get(period)
        if entry is None or not entry.answers(as_of):
            return None
        return entry

    def put(
        self,
        unit: Hashable,
        period: Period,
        as_of: datetime,
        value: Any,
        valid_until: datetime | None,
        *,
        counted_at: int | None = None,
    ) -> bool:
        """Caches the count as of `as_of`, valid until `valid_until`; returns whether it was cached.

        `counted_at`: the `stamp` when the count's facts were read (None: read under the same lock, now). A
        count is refused when its unit was invalidated, or the cache cleared, after that stamp: its facts
        changed while it was being counted.
        """
        if counted_at is not None and max(self._cleared_at, self._dropped_at.get(unit, 0)) > counted_at:
            return False
        self._entries.setdefault(unit, {})[period] = CachedCount(value, as_of, valid_until)
        return True

    def invalidate(self, units: Iterable[Hashable]) -> None:
        """Drops every entry of these units."""
        dropped = set(units)
        if not dropped:
            return
        self._tick += 1
        for unit in dropped:
            self._dropped_at[unit] = self._tick
            self._entries.pop(unit, None)

    def clear(self) -> None:
        """Drops everything (a catalogue change)."""
        self._tick += 1
        self._cleared_at = self._tick
        self._dropped_at.clear()
        self._entries.clear()
