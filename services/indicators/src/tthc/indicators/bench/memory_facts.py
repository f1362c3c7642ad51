"""Bytes per dossier of the in-memory facts cache, for facts loaded from the store and facts evolved live.

Two measures over realistic dossiers (`projection.scenarios.random_scenarios`):
- tracemalloc: the blocks allocated while the cache is filled that are still alive afterwards (what the
  cache costs the process; for the live path it also counts pydantic's JSON string cache, a fixed ~1 MB
  that matters only for small samples);
- a deep walk of what the cache references: `sys.getsizeof` of every distinct object reachable from it,
  shared objects (interned codes, shared zones, documents and fee lines many dossiers have alike) once; it
  gives the breakdown by type.

A third measure, `resident_bytes`, fills a cache in a fresh process from inputs generated in chunks and
reports the growth of the resident set (VmRSS) per dossier: allocator overhead and fragmentation included.

Run: ``python -m tthc.indicators.bench.memory_facts [dossiers]`` or
``python -m tthc.indicators.bench.memory_facts rss loaded|live [dossiers]`` (one path per process).
"""

from __future__ import annotations

import gc
import random
import sys
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from types import BuiltinFunctionType, FunctionType, ModuleType
from zoneinfo import ZoneInfo

from tthc.indicators.bench.memory import memory_mib
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.projection.codec import dossier_from_json, dossier_to_json, shared_instants
from tthc.indicators.projection.decoding import decode
from tthc.indicators.projection.facts_cache import FactsCache
from tthc.indicators.projection.mapping import evolve_dossier
from tthc.indicators.projection.scenarios import (
    ScenarioSpace,
    expected_facts,
    random_scenarios,
    scenario_events,
)

SPACE = ScenarioSpace(
    [f"U{n}" for n in range(20)],
    [f"P{n}" for n in range(50)],
    date(2024, 3, 1),
    30,
    ZoneInfo("Asia/Ho_Chi_Minh"),
)


def stored_texts(count: int, seed: int = 1, space: ScenarioSpace = SPACE) -> list[str]:
    """The facts-store JSON of `count` random dossiers."""
    return [dossier_to_json(expected_facts(s)) for s in random_scenarios(random.Random(seed), count, space)]


def wire_events(count: int, seed: int = 1, space: ScenarioSpace = SPACE) -> list[list[str]]:
    """The CloudEvents (JSON, as on the wire) of `count` random dossiers, per dossier in version order."""
    scenarios = random_scenarios(random.Random(seed), count, space)
    return [[event.model_dump_json() for event in scenario_events(s)] for s in scenarios]


def loaded_cache(texts: Iterable[str]) -> FactsCache:
    """A cache filled with facts read from the store's JSON."""
    cache = FactsCache()
    for text in texts:
        cache.put(dossier_from_json(text))
    return cache


def live_cache(wires: Iterable[list[str]]) -> FactsCache:
    """A cache filled as the projection does live: decode each event, evolve the facts, put them."""
    cache = FactsCache()
    for events in wires:
        facts: DossierFacts | None = None
        for wire in events:
            event = decode(wire)
            facts = evolve_dossier(facts, event.type, event.data)  # type: ignore[arg-type]
            cache.put(shared_instants(facts))  # as the read model keeps facts evolved live
    return cache


def traced_bytes(build: Callable[[], FactsCache]) -> tuple[FactsCache, int]:
    """The cache `build` returns and the bytes allocated while building it that are still alive."""
    gc.collect()
    tracemalloc.start()
    try:
        cache = build()
        gc.collect()
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return cache, used


@dataclass(frozen=True, slots=True)
class Footprint:
    """Bytes and objects reachable from a root, by type name."""

    bytes_by_type: Counter[str]
    objects_by_type: Counter[str]

    @property
    def total(self) -> int:
        """All the bytes."""
        return sum(self.bytes_by_type.values())


def footprint(root: object) -> Footprint:
    """`sys.getsizeof` of every distinct object reachable from `root` (each shared object once); classes,
    modules, functions, enum members, None, booleans and small ints are the interpreter's, not counted."""
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or _not_owned(item):
            continue
        seen.add(id(item))
        name = type(item).__name__
        sizes[name] += sys.getsizeof(item)
        counts[name] += 1
        stack.extend(_referents(item))
    return Footprint(sizes, counts)


def _not_owned(item: object) -> bool:
    if item is None or isinstance(item, (type, bool, Enum, ModuleType, FunctionType, BuiltinFunctionType)):
        return True
    return type(item) is int and -5 <= item <= 256  # type: ignore[operator]


def _referents(item: object) -> list[object]:
    if isinstance(item, dict):
        return [*item.keys(), *item.values()]
    if isinstance(item, (tuple, list, set, frozenset)):
        return list(item)
    if isinstance(item, datetime):
        return [item.tzinfo]
    names = (slot for cls in type(item).__mro__ for slot in getattr(cls, "__slots__", ()))
    found = [getattr(item, name) for name in names if hasattr(item, name)]
    return [*found, *vars(item).values()] if hasattr(item, "__dict__") else found


def resident_bytes(path: str, count: int, chunk: int = 2_000) -> tuple[FactsCache, float]:
    """A cache of `count` dossiers filled by `path` ("loaded" or "live") from inputs generated `chunk`
    dossiers at a time, and the growth of the resident set per dossier (input generation included, as the
    service parses its inputs too)."""
    fill = _fill_loaded if path == "loaded" else _fill_live
    cache = FactsCache()
    gc.collect()
    before = memory_mib()["rss_mib"] or 0.0
    for seed in range(0, count, chunk):
        fill(cache, min(chunk, count - seed), seed + 1)
    gc.collect()
    after = memory_mib()["rss_mib"] or 0.0
    return cache, (after - before) * 1024 * 1024 / count


def _fill_loaded(cache: FactsCache, count: int, seed: int) -> None:
    for text in stored_texts(count, seed):
        cache.put(dossier_from_json(text))


def _fill_live(cache: FactsCache, count: int, seed: int) -> None:
    for events in wire_events(count, seed):
        facts: DossierFacts | None = None
        for wire in events:
            event = decode(wire)
            facts = evolve_dossier(facts, event.type, event.data)  # type: ignore[arg-type]
            cache.put(shared_instants(facts))  # as the read model keeps facts evolved live


def main(argv: list[str]) -> None:
    """Prints both measures, for both paths, for `argv[0]` dossiers (default 5,000); or, with "rss PATH
    [dossiers]", the resident growth of one path."""
    if argv[:1] == ["rss"]:
        count = int(argv[2]) if len(argv) > 2 else 100_000
        cache, per_dossier = resident_bytes(argv[1], count)
        print(f"{argv[1]}: {len(cache)} dossiers, resident growth {per_dossier:.0f} B/dossier")
        return
    count = int(argv[0]) if argv else 5_000
    texts, wires = stored_texts(count), wire_events(count)
    for path, build in (("loaded", lambda: loaded_cache(texts)), ("live", lambda: live_cache(wires))):
        cache, used = traced_bytes(build)
        walked = footprint(cache)
        print(f"{path}: tracemalloc {used / count:.0f} B/dossier, walk {walked.total / count:.0f} B/dossier")
        for name, size in walked.bytes_by_type.most_common():
            objects = walked.objects_by_type[name]
            print(f"  {name:<18} {size / count:7.1f} B  {objects / count:6.2f} objects per dossier")


if __name__ == "__main__":
    main(sys.argv[1:])
