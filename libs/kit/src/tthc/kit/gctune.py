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
from collections.abc import Iterator
from contextlib import contextmanager

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


SERVICE_THRESHOLDS = (20_000, 20, 20)
"""A long-running service's thresholds: young collections a few times less often than the default."""


def settle_long_lived_heap(thresholds: tuple[int, int, int] = SERVICE_THRESHOLDS) -> None:
    """Moves everything alive now out of the collector's sight (after a service loaded its caches), so later
    full collections do not walk millions of long-lived objects and pause queries for seconds; then sets
    the service's `thresholds`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
