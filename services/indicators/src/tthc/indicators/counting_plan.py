"""A pool count in three steps, so that the long part runs without the read model's caches' lock.

1. `plan` (under the lock): the cached parts of every unit of the pool, which parts must be counted again,
   a copy of the catalogue, and the caches' stamps.
2. `count_missing` (no lock): counts those parts, reading one unit's facts at a time (a short hold of the
   lock each); batches and cached queries go on meanwhile, and a query that finds everything cached never
   waits behind a long count. The count pauses every few hundred dossiers while a batch is written
   (`writer_gate`). Reading unit by unit keeps the snapshot small: a snapshot of a whole province (millions
   of references in new lists) made each garbage collection during the count walk them all.
3. The caller, under the lock again, merges the parts and caches what is still current (`CountCache.put`
   with the stamp refuses a count whose facts changed in between).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.counting_figures import PassFigures
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
class CountPlan:
    """What one pool's count needs, read under the caches' lock (see the module docstring)."""

    unit: str
    period: Period
    as_of: datetime
    units: tuple[UnitFacts, ...]
    procedures: Mapping[str, ProcedureFacts]
    cached: Mapping[PartKey, Counted]
    missing: Mapping[str, tuple[int, ...]]  # per unit of the pool: the buckets to count
    parts_stamp: int
    counts_stamp: int


def plan(  # noqa: PLR0917 - the read model's pieces a plan is read from
    unit: str,
    pool: Sequence[str],
    units: Sequence[UnitFacts],
    period: Period,
    as_of: datetime,
    parts: CountCache,
    counts: CountCache,
    procedures: Mapping[str, ProcedureFacts],
) -> CountPlan:
    """The plan of `unit`'s pool count (call under the caches' lock: it reads them)."""
    cached: dict[PartKey, Counted] = {}
    missing: dict[str, tuple[int, ...]] = {}
    for code in pool:
        absent = []
        for bucket in range(PART_BUCKETS):
            entry = parts.entry((code, bucket), period, as_of)
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
        cached=cached,
        missing=missing,
        parts_stamp=parts.stamp(),
        counts_stamp=counts.stamp(),
    )


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
