"""Replay throughput: the run's topics rebuilt into a fresh facts store, as `tthc index replay` does (one
process per CPU by default, `replay_parallel`; in this process when profiled).

The replay commits its offsets for `group`, so the service started afterwards on the same store goes on
from where the replay stopped instead of reading the year again. With `profile`, the replay runs under
cProfile and the top functions (by cumulative and by own time) are returned as text.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
from dataclasses import asdict
from typing import Any

from tthc.indicators.bench.memory import memory_mib
from tthc.indicators.replay import ReplayReport, ReplaySource, open_target, replay
from tthc.indicators.replay_parallel import replay_in_parallel


def run_replay(
    store_url: str,
    bootstrap: str,
    topics: tuple[str, ...],
    group: str,
    *,
    max_records: int,
    workers: int = 1,
    profile: bool,
) -> tuple[dict[str, Any], str]:
    """Replays `topics` into the empty store at `store_url` with `workers` processes (0 = one per CPU;
    1 = in this process, the only way to profile it); returns the figures and the profile text."""
    workers = 1 if profile else workers or os.cpu_count() or 1
    source = ReplaySource(bootstrap, topics, group=group, max_records=max_records)
    if workers > 1:
        report = replay_in_parallel(store_url, source, workers=workers)
        profiler = None
    else:
        report, profiler = _replay_here(store_url, source, profile)
    figures = {
        **asdict(report),
        "seconds": round(report.seconds, 2),
        "events_per_s": round(report.events_per_second, 1),
        "max_records": max_records,
        "workers": workers,
        "memory_after": memory_mib(),
    }
    return figures, _top(profiler) if profiler is not None else ""


def _replay_here(
    store_url: str, source: ReplaySource, profile: bool
) -> tuple[ReplayReport, cProfile.Profile | None]:
    store = open_target(store_url)
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler is not None:
            profiler.enable()
        report = replay(store, source)
    finally:
        if profiler is not None:
            profiler.disable()
        store.close()
    return report, profiler


def _top(profiler: cProfile.Profile, lines: int = 35) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()
