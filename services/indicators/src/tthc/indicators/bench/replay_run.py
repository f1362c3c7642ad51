"""Replay throughput: the run's topics rebuilt into a fresh facts store with `tthc.indicators.replay`.

The replay commits its offsets for `group`, so the service started afterwards on the same store goes on
from where the replay stopped instead of reading the year again. With `profile`, the replay runs under
cProfile and the top functions (by cumulative and by own time) are returned as text.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from dataclasses import asdict
from typing import Any

from tthc.indicators.bench.memory import memory_mib
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.replay import ReplaySource, replay


def run_replay(
    store_url: str, bootstrap: str, topics: tuple[str, ...], group: str, *, max_records: int, profile: bool
) -> tuple[dict[str, Any], str]:
    """Replays `topics` into the empty store at `store_url`; returns the figures and the profile text."""
    store = FactsStore.open(store_url)
    source = ReplaySource(bootstrap, topics, group=group, max_records=max_records)
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler is not None:
            profiler.enable()
        report = replay(store, source)
    finally:
        if profiler is not None:
            profiler.disable()
        store.close()
    figures = {
        **asdict(report),
        "seconds": round(report.seconds, 2),
        "events_per_s": round(report.events_per_second, 1),
        "max_records": max_records,
        "memory_after": memory_mib(),
    }
    return figures, _top(profiler) if profiler is not None else ""


def _top(profiler: cProfile.Profile, lines: int = 35) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()
