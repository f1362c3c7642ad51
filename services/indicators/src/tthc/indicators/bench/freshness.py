"""Freshness: from a new dossier event published to the changed scorecard over gRPC, under a steady load.

While a paced publisher puts `rate` background dossier events per second on the dossier topic (dossiers of
every receiving unit except the probe units), probes run one after the other: read the probe unit's
scorecard for the year, publish one `DossierReceived` of a new dossier of that unit (received mid-year, so it
is in the 2.1 scope), then call `GetScorecard` every `poll_s` until it reflects the event.

"Reflects" means: the PROCESSED_ON_TIME (2.1) denominator of the probe unit for the year is larger than it
was just before the probe was published. No background event touches the probe units, so only the probe can
raise it. The time runs from just before the probe is handed to the producer (which sends it at once) to
the first such answer: Kafka, the consumer's poll, the batch transaction, the cache update and the query.

The background records are generated before the clock starts: the workload makes a whole day of dossiers at
once (≈ 35,000 events at 2 M dossiers a year, ≈ 1.5 s of CPU), and doing that inside the measuring event
loop stalled the probes that happened to be waiting (the single 1.5 s outlier of the first province-scale
runs was the harness, not the service).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from tthc.indicators.bench.publishing import producer, publish_paced
from tthc.indicators.bench.stats import latency_ms
from tthc.indicators.bench.workload import Record, probe_record

_METRIC = "PROCESSED_ON_TIME"
_LOAD_MARGIN_S = 30.0  # background records made ahead beyond `seconds`: the pace-in time and the last probe


class ProbeTimeoutError(TimeoutError):
    """A probe was not reflected in time."""


async def measure_freshness(
    address: str,
    bootstrap: str,
    topic: str,
    background: Iterator[Record],
    probe_units: Sequence[str],
    *,
    year: int,
    rate: float,
    seconds: float,
    poll_s: float = 0.005,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Runs the load and the probes for `seconds`; returns the latency stats and the load's real rate."""
    import grpc

    from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc

    ahead = list(islice(background, int(rate * (seconds + _LOAD_MARGIN_S))))
    load_sender, probe_sender = producer(bootstrap), _direct_producer(bootstrap)
    await load_sender.start()
    await probe_sender.start()
    stop = asyncio.Event()
    load_started = time.perf_counter()
    load = asyncio.create_task(publish_paced(load_sender, topic, iter(ahead), rate, stop))
    latencies: list[float] = []
    started_at: list[float] = []  # wall clock (Unix time) of each probe, to line it up with the service log
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = pb_grpc.IndicatorServiceStub(channel)  # type: ignore[no-untyped-call]
            await asyncio.sleep(1.0)  # let the load reach its pace
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                unit = probe_units[len(latencies) % len(probe_units)]
                key, value = probe_record(unit, year, len(latencies))
                before = await _denominator(stub, unit, year)
                began = time.perf_counter()
                started_at.append(time.time())
                await probe_sender.send(topic, value, key=key)
                await _until_above(stub, unit, year, before, poll_s, began + timeout_s)
                latencies.append(time.perf_counter() - began)
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        sent = await load
        load_seconds = time.perf_counter() - load_started
        await load_sender.stop()
        await probe_sender.stop()
    return {
        "background_rate_target": rate,
        "background_events": sent,
        "background_rate_achieved": round(sent / load_seconds, 1),
        "freshness": latency_ms(latencies),
        "probes_ms": [round(seconds * 1000, 1) for seconds in latencies],
        "probes_started_at": [round(at, 3) for at in started_at],
    }


def _direct_producer(bootstrap: str) -> Any:
    from aiokafka import AIOKafkaProducer

    return AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=1)


async def _denominator(stub: Any, unit: str, year: int) -> int:
    from tthc.indicators.v1 import indicator_service_pb2 as pb

    response = await stub.GetScorecard(pb.GetScorecardRequest(unit_code=unit, period=str(year)))
    for metric in response.scorecard.metrics:
        if metric.code == _METRIC:
            return int(metric.denominator)
    raise LookupError(f"no {_METRIC} in the scorecard of {unit}")


async def _until_above(  # noqa: PLR0917 - one probe's coordinates
    stub: Any, unit: str, year: int, before: int, poll_s: float, deadline: float
) -> None:
    while await _denominator(stub, unit, year) <= before:
        if time.perf_counter() > deadline:
            raise ProbeTimeoutError(f"the probe for {unit} was not reflected in time")
        await asyncio.sleep(poll_s)
