"""A pool count in three steps, so that the long part runs without the read model's caches' lock.

Counts are cached at three levels (`CountCaches`): a part of a unit's own dossiers (`PART_BUCKETS` per
unit, by dossier id), a unit's sum of its parts, and a pool's inputs. A new fact drops its part, its unit's
sum and the pools holding the unit: the next query counts that one part again, sums that unit's parts and
merges one sum per unit of the pool (a province: about a hundred, not thousands of parts).

1. `plan` (under the lock): the cached sum of every unit of the pool, else its cached parts and which parts
   must be counted again, a copy of the catalogue, and the caches' stamps.
2. `count_missing` (no lock): counts those parts, reading one unit's facts at a time (a short hold of the
   lock each); batches and cached queries go on meanwhile, and a query that finds everything cached never
   waits behind a long count. The count pauses every few hundred dossiers while a batch is written
   (`writer_gate`). Reading unit by unit keeps the snapshot small: a snapshot of a whole province (millions
   of references in new lists) made each garbage collection during the count walk them all.
3. The caller, under the lock again, sums the units' parts (`unit_sums`), merges the sums and caches what is
   still current (`CountCache.put` with the stamp refuses a count whose facts changed in between).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.counting_figures import PassFigures, combined
from tthc.indicators.domain.counting_parts import count_part
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_catalogue import ProcedureFacts, UnitFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.projection.facts_cache import PART_BUCKETS, CountCache
from tthc.indicators.projection.validity import valid_until

PartKey = tuple[str, int]
"""(unit code, bucket): one part of a unit's own dossiers."""

Counted = tuple[PassFigures, datetime | None]
"""A part's figures and until when they stay the answer (None: until its facts change)."""


@dataclass(frozen=True, slots=True)
class CountCaches:
    """The read model's cached counts, by period and instant (see the module docstring)."""

    pools: CountCache = field(default_factory=CountCache)
    """Per pool (a unit code): its metric inputs."""
    sums: CountCache = field(default_factory=CountCache)
    """Per unit code: the sum of the parts of its own dossiers (a `PassFigures`)."""
    parts: CountCache = field(default_factory=CountCache)
    """Per (unit code, bucket): a pass over that part of the unit's own dossiers (a `PassFigures`)."""

    def drop(self, units: Iterable[str], pools: Iterable[str], parts: Iterable[PartKey]) -> None:
        """Drops what new facts changed: their parts, their units' sums and the pools holding them."""
        self.parts.invalidate(parts)
        self.sums.invalidate(units)
        self.pools.invalidate(pools)

    def clear(self) -> None:
        """Drops everything (a catalogue change)."""
        self.parts.clear()
        self.sums.clear()
        self.pools.clear()


@dataclass(frozen=True, slots=True)
class CountPlan:
    """What one pool's count needs, read under the caches' lock (see the module docstring)."""

    unit: str
    period: Period
    as_of: datetime
    units: tuple[UnitFacts, ...]
    procedures: Mapping[str, ProcedureFacts]
    sums: Mapping[str, Counted]  # per unit of the pool whose sum is cached
    cached: Mapping[PartKey, Counted]  # the cached parts of the other units
    missing: Mapping[str, tuple[int, ...]]  # per unit of the pool: the buckets to count
    parts_stamp: int
    sums_stamp: int
    pools_stamp: int


def plan(  # noqa: PLR0917 - the read model's pieces a plan is read from
    unit: str,
    pool: Sequence[str],
    units: Sequence[UnitFacts],
    period: Period,
    as_of: datetime,
    caches: CountCaches,
    procedures: Mapping[str, ProcedureFacts],
) -> CountPlan:
    """The plan of `unit`'s pool count (call under the caches' lock: it reads them)."""
    sums: dict[str, Counted] = {}
    cached: dict[PartKey, Counted] = {}
    missing: dict[str, tuple[int, ...]] = {}
    for code in pool:
        summed = caches.sums.entry(code, period, as_of)
        if summed is not None:
            sums[code] = (summed.value, summed.valid_until)
            continue
        absent = []
        for bucket in range(PART_BUCKETS):
            entry = caches.parts.entry((code, bucket), period, as_of)
            if entry is None:
                absent.append(bucket)
            else:
                cached[code, bucket] = (entry.value, entry.valid_until)
        if absent:
            missing[code] = tuple(absent)
    return CountPlan(
        unit=unit,
        period=period,
        as_of=as_of,
        units=tuple(units),
        procedures=dict(procedures) if missing else procedures,
        sums=sums,
        cached=cached,
        missing=missing,
        parts_stamp=caches.parts.stamp(),
        sums_stamp=caches.sums.stamp(),
        pools_stamp=caches.pools.stamp(),
    )


def unit_sums(plan: CountPlan, counted: Mapping[PartKey, Counted]) -> dict[str, Counted]:
    """The sum of each unit of the plan whose sum was not cached: its cached and newly counted parts
    combined, valid until the earliest of theirs."""
    by_unit: dict[str, list[Counted]] = {}
    for (code, _), part in [*plan.cached.items(), *counted.items()]:
        by_unit.setdefault(code, []).append(part)
    return {
        code: (combined([figures for figures, _ in parts]), earliest(until for _, until in parts))
        for code, parts in by_unit.items()
    }


def earliest(instants: Iterable[datetime | None]) -> datetime | None:
    """The earliest instant (None = never: every count stays the answer)."""
    known = [at for at in instants if at is not None]
    return min(known) if known else None


PAUSE_EVERY = 256
"""Dossiers counted between two calls of a count's pause point (≈ 10 ms of counting)."""


def count_missing(
    plan: CountPlan,
    config: CountingConfig,
    read: Callable[[str, Sequence[int]], Mapping[int, Sequence[DossierFacts]]],
    pause: Callable[[], None] = lambda: None,
) -> dict[PartKey, Counted]:
    """Counts the plan's missing parts (no lock needed): `read(unit, buckets)` gives the facts of those
    buckets of the unit's own dossiers, and `pause` runs every `PAUSE_EVERY` dossiers (the read model lets
    batches being written go first: `writer_gate`)."""
    counted: dict[PartKey, Counted] = {}
    for unit, buckets in plan.missing.items():
        for bucket, dossiers in read(unit, buckets).items():
            counted[unit, bucket] = (
                count_part(_paced(dossiers, pause), plan.procedures, plan.period, plan.as_of, config),
                valid_until(_paced(dossiers, pause), plan.procedures, plan.period, plan.as_of),
            )
    return counted


def _paced(dossiers: Sequence[DossierFacts], pause: Callable[[], None]) -> Iterator[DossierFacts]:
    for start in range(0, len(dossiers), PAUSE_EVERY):
        pause()
        yield from dossiers[start : start + PAUSE_EVERY]
