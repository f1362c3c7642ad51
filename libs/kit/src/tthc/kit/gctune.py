"""Garbage-collector settings for bulk work (a replay, a catch-up, a start-up load).

CPython runs a young-generation collection every 700 net allocations and, every so often, a full one that
walks every tracked object. A projection allocates many short-lived objects per event (parsed JSON, pydantic
models, copies of frozen facts) that reference counting frees anyway, while the long-lived heap (a cache of
every dossier's facts) keeps growing: the default thresholds then spend a large share of the time walking
the same survivors again (measured: ≈ 10 µs per replayed event of ≈ 65). `bulk_gc` freezes what exists (the
collector ignores it from then on) and collects the young generation less often; cycles are still found.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Histogram

log = logging.getLogger(__name__)

BULK_THRESHOLDS = (50_000, 50, 100)
"""Young-generation allocations before a collection, and the promotions before the older ones."""


@contextmanager
def bulk_gc(thresholds: tuple[int, int, int] = BULK_THRESHOLDS) -> Iterator[None]:
    """Runs the block with the existing heap frozen and `thresholds`; restores the thresholds afterwards,
    and unfreezes unless something (`settle_long_lived_heap`) had frozen objects before."""
    previous = gc.get_threshold()
    was_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if not was_frozen:
            gc.unfreeze()


@contextmanager
def paused_gc(collect_every: int = 1) -> Iterator[Callable[[], int]]:
    """Runs the block with the existing heap frozen and no automatic collection at all; yields the
    checkpoint the block calls between units of work. Every `collect_every`-th call frees the cycles made
    since the last collection (their number is returned; the other calls return 0 at once) and freezes the
    survivors, so each collection walks only what is new. Restores the collector's state afterwards.

    For bulk work whose hot path makes no reference cycles: a replay (measured: none in 300,000 events)
    spent ≈ 10 % of its time in `bulk_gc`'s young collections, which walk the batches just decoded, all of
    them still alive. A collection still walks what the work holds at that moment (a replay window's
    ≈ 600,000 objects: ≈ 0.45 s), so work that makes few cycles collects every few units.
    """
    was_enabled = gc.isenabled()
    was_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    gc.disable()
    calls = 0

    def checkpoint() -> int:
        nonlocal calls
        calls += 1
        if calls % max(1, collect_every):
            return 0
        found = gc.collect()
        gc.freeze()
        return found

    try:
        yield checkpoint
    finally:
        if was_enabled:
            gc.enable()
        if not was_frozen:
            gc.unfreeze()


SERVICE_THRESHOLDS = (20_000, 20, 1_000)
"""A long-running service's thresholds: young collections 30× less often than the default and full ones
1,000× less (reference counting frees almost everything; a full collection of a large heap stops every
request for a second or more)."""


def settle_long_lived_heap(thresholds: tuple[int, int, int] = SERVICE_THRESHOLDS) -> None:
    """Moves everything alive now out of the collector's sight (after a service loaded or warmed its
    caches), so later full collections do not walk millions of long-lived objects and pause queries for
    seconds; then sets the service's `thresholds`. Safe to call again."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)


def observe_gc_pauses(registry: CollectorRegistry, slow_s: float = 0.1) -> Callable[[], None]:
    """Records how long each collection stops the process (`python_gc_pause_seconds{generation}` on
    `registry`) and logs those of at least `slow_s`; returns the function that removes the hook.

    The hook is process-wide (`gc.callbacks`): install it once, in the process's own entry point.
    """
    pauses = Histogram(
        "python_gc_pause_seconds",
        "Time the garbage collector stopped the process, by generation collected.",
        ["generation"],
        registry=registry,
        buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    )
    started: list[float] = []

    def hook(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
            return
        if not started:
            return
        pause = time.perf_counter() - started.pop()
        pauses.labels(str(info["generation"])).observe(pause)
        if pause >= slow_s:
            log.warning(
                "garbage collection of generation %d stopped the process for %.2f s (%d objects freed)",
                info["generation"], pause, info["collected"],
            )  # fmt: skip

    gc.callbacks.append(hook)
    return lambda: gc.callbacks.remove(hook)
