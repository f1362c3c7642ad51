"""Scorecard timings: in-process on the replayed store (start-up, cold, warm) and over gRPC under load.

In-process: `Indicators` is opened on the store the replay built (every dossier's facts loaded), then the
scorecards of every unit are computed for the year (cold: nothing counted yet), for every month, and the
year again (warm: the counts cached). Over gRPC: `clients` concurrent clients call `GetScorecard` for random
(unit, period) pairs against the warm child service for `seconds`; each call's latency is kept.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tthc.indicators.application import Indicators
from tthc.indicators.bench.memory import memory_mib
from tthc.indicators.bench.stats import latency_ms
from tthc.indicators.domain.periods import Period
from tthc.kit.clock import SystemClock
from tthc.kit.worktime import default_calendar


def in_process_scorecards(store_url: str, units_file: Path, year: int) -> dict[str, Any]:
    """Start-up load, cold year, cold months and warm year scorecards of every unit, in seconds."""
    started = time.perf_counter()
    indicators = Indicators.open(store_url, SystemClock(), units_file=units_file, calendar=default_calendar())
    try:
        load_seconds = time.perf_counter() - started
        units = [unit.code for unit in indicators.units()]
        whole_year = Period.whole_year(year)
        months = [Period.month(year, month) for month in range(1, 13)]
        cold_year = _timed(indicators, units, [whole_year])
        cold_months = _timed(indicators, units, months)
        warm_year = _timed(indicators, units, [whole_year])
        return {
            "units": len(units),
            "load_seconds": round(load_seconds, 2),
            "cold_year_all_units_seconds": round(cold_year, 3),
            "cold_months_all_units_seconds": round(cold_months, 3),
            "warm_year_all_units_seconds": round(warm_year, 4),
            "memory_after": memory_mib(),
        }
    finally:
        indicators.close()


def _timed(indicators: Indicators, units: Sequence[str], periods: Sequence[Period]) -> float:
    started = time.perf_counter()
    for period in periods:
        for unit in units:
            indicators.scorecard(unit, period)
    return time.perf_counter() - started


def query_periods(year: int) -> list[str]:
    """The periods the gRPC load asks for: the year, its quarters and its months."""
    return [str(year), *(f"{year}-Q{q}" for q in range(1, 5)), *(f"{year}-{m:02d}" for m in range(1, 13))]


async def grpc_load(
    address: str, units: Sequence[str], periods: Sequence[str], *, clients: int, seconds: float, seed: int
) -> dict[str, Any]:
    """Warms every (unit, period) once, then `clients` concurrent callers for `seconds`: latency stats."""
    import grpc

    from tthc.indicators.v1 import indicator_service_pb2 as pb
    from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc

    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.IndicatorServiceStub(channel)  # type: ignore[no-untyped-call]
        warm_started = time.perf_counter()
        for period in periods:
            for unit in units:
                await stub.GetScorecard(pb.GetScorecardRequest(unit_code=unit, period=period))
        warm_seconds = time.perf_counter() - warm_started
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def caller(rng: random.Random) -> None:
            while time.perf_counter() < deadline:
                request = pb.GetScorecardRequest(unit_code=rng.choice(units), period=rng.choice(periods))
                began = time.perf_counter()
                await stub.GetScorecard(request)
                latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(caller(random.Random(seed + n)) for n in range(clients)))
    return {
        "clients": clients,
        "pairs": len(units) * len(periods),
        "warm_up_seconds": round(warm_seconds, 2),
        "calls_per_s": round(len(latencies) / seconds, 1),
        "latency": latency_ms(latencies),
    }
