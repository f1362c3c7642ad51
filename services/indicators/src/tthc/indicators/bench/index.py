"""``tthc bench index``: one run of the indicators benchmark, start to finish.

1. Broker: `--kafka` (else a throwaway local broker); the run's own fresh topics.
2. Publish: the catalogue, then the year's dossier events in time order (generated while publishing).
3. Replay: the topics into a fresh SQLite facts store (`tthc.indicators.replay`), events/s; then the live
   service catching up on the same topics into another empty store (`catchup`), events/s.
4. In-process: `Indicators` opened on that store; cold and warm scorecards of every unit.
5. Service: `tthc indicators serve` in a child process on that store, consuming the topics from where the
   replay stopped; `GetScorecard` latency under concurrent clients; freshness under a steady load; its
   resident memory.
6. One JSON file in `--out` and a summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tthc.indicators.bench.catchup import live_catch_up
from tthc.indicators.bench.freshness import measure_freshness
from tthc.indicators.bench.memory import memory_mib
from tthc.indicators.bench.publishing import BenchTopics, commit_ends, publish_all
from tthc.indicators.bench.queries import grpc_load, in_process_scorecards, query_periods
from tthc.indicators.bench.replay_run import run_replay
from tthc.indicators.bench.report import summary_lines, write_result
from tthc.indicators.bench.service import ServicePlan, indicators_service, projection_latency
from tthc.indicators.bench.workload import IndexWorkload, write_units_file
from tthc.kit.clock import Clock, SystemClock

PROBE_UNITS = 3


@dataclass(frozen=True)
class IndexBenchOptions:
    """What ``tthc bench index`` runs."""

    workload: IndexWorkload
    out_dir: Path = Path("bench-results")
    kafka_bootstrap: str | None = None
    max_records: int = 2000
    replay_workers: int = 0
    partitions: int = 3
    live_catch_up: bool = True
    topics_name: str | None = None
    """Named topics, kept after the run (else fresh ones, deleted)."""
    publish: bool = True
    """False: the named topics already hold the workload (published by an earlier run with `only_publish`)."""
    only_publish: bool = False
    replay: bool = True
    """False: the kept `work_dir` store holds the topics already (a service-only run)."""
    in_process: bool = True
    work_dir: Path | None = None
    """Where the run's stores, units file and logs go, kept afterwards (default: a temporary directory)."""
    clients: int = 8
    query_seconds: float = 10.0
    freshness_rate: float = 1000.0
    freshness_seconds: float = 20.0
    profile: bool = False
    command: str = ""


def bench_index(options: IndexBenchOptions, echo: Callable[[str], None], clock: Clock | None = None) -> Path:
    """Runs the benchmark; returns the JSON file written."""
    from tthc.dossier.bench.report import machine_facts
    from tthc.dossier.bench.spine import kafka_broker, kafka_version

    clock = clock or SystemClock()
    started_at = clock.now()
    machine = machine_facts()
    with (
        _work_dir(options.work_dir) as work,
        kafka_broker(options.kafka_bootstrap, Path(work)) as bootstrap,
    ):
        machine["kafka"] = kafka_version(options.kafka_bootstrap is not None)
        topics = BenchTopics.fresh(bootstrap, options.partitions, options.topics_name)
        try:
            figures, profile = _run(options, Path(work), bootstrap, topics, echo)
        finally:
            if options.topics_name is None:
                topics.delete(bootstrap)
    result = {
        "benchmark": "index",
        "command": options.command,
        "started_at": started_at,
        "workload": asdict(options.workload),
        "machine": machine,
        "figures": figures,
    }
    path = write_result(options.out_dir, result, clock)
    if profile:
        path.with_suffix(".profile.txt").write_text(profile)
    echo("\n".join(summary_lines(result)) + f"\n  → {path}")
    return path


@contextlib.contextmanager
def _work_dir(kept: Path | None) -> Iterator[str]:
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        yield str(kept)
        return
    with tempfile.TemporaryDirectory(prefix="tthc-bench-index-") as work:
        yield work


def _run(
    options: IndexBenchOptions, work: Path, bootstrap: str, topics: BenchTopics, echo: Callable[[str], None]
) -> tuple[dict[str, Any], str]:
    workload = options.workload
    units_file = write_units_file(workload.registry(), work / "units.yaml")
    store_url = f"sqlite:///{work / 'index.db'}"
    group = f"bench-index-{uuid.uuid4().hex[:8]}"
    figures: dict[str, Any] = {}
    if options.publish:
        figures["publish"] = _publish(workload, bootstrap, topics, echo)
        echo(f"published {figures['publish']['events']} events in {figures['publish']['seconds']} s")
    if options.only_publish:
        return figures, ""
    profile = ""
    if options.replay:
        echo("replaying")
        figures["replay"], profile = run_replay(
            store_url, bootstrap, (topics.catalog, topics.dossier), group,
            max_records=options.max_records, workers=options.replay_workers, profile=options.profile,
        )  # fmt: skip
        echo(f"replayed at {figures['replay']['events_per_s']} events/s")
    else:
        commit_ends(bootstrap, (topics.catalog, topics.dossier), group)  # the kept store holds them
    if options.live_catch_up and "replay" in figures:
        echo("the live service catching up")
        fresh = ServicePlan(
            f"sqlite:///{work / 'live.db'}", units_file, bootstrap, topics.dossier, topics.catalog,
            f"{group}-live", work / "live.log",
        )  # fmt: skip
        figures["live_catch_up"] = live_catch_up(fresh, figures["replay"]["records"])
        echo(f"caught up at {figures['live_catch_up']['events_per_s']} events/s")
    if options.in_process:
        echo("scorecards in-process")
        figures["in_process"] = in_process_scorecards(store_url, units_file, workload.year)
    log_file = work / "service.log"
    plan = ServicePlan(store_url, units_file, bootstrap, topics.dossier, topics.catalog, group, log_file)
    echo("starting the service")
    with indicators_service(plan) as service:
        started = {
            "startup_seconds": round(service.startup_seconds, 2),
            "memory_started": memory_mib(service.pid),
        }
        units = [unit.code for unit in workload.registry()]
        echo(f"gRPC load: {options.clients} clients for {options.query_seconds} s")
        figures["grpc"] = asyncio.run(
            grpc_load(
                service.grpc, units, query_periods(workload.year),
                clients=options.clients, seconds=options.query_seconds, seed=workload.seed,
            )
        )  # fmt: skip
        echo(f"freshness at {options.freshness_rate} events/s for {options.freshness_seconds} s")
        figures["freshness"] = asyncio.run(_freshness(options, service.grpc, bootstrap, topics))
        figures["service"] = {
            **started,
            "memory_end": memory_mib(service.pid),
            "projection_latency": _projection_latency(service.http),
        }
    return figures, profile


def _publish(
    workload: IndexWorkload, bootstrap: str, topics: BenchTopics, echo: Callable[[str], None]
) -> dict[str, Any]:
    started = time.perf_counter()
    procedures, _ = asyncio.run(publish_all(bootstrap, topics.catalog, workload.procedure_records()))
    echo(f"generating and publishing {workload.dossiers} dossiers")
    events, _ = asyncio.run(publish_all(bootstrap, topics.dossier, workload.dossier_records()))
    seconds = time.perf_counter() - started
    return {
        "procedures": procedures,
        "events": events,
        "seconds": round(seconds, 2),
        "events_per_s": round(events / seconds, 1),
    }


async def _freshness(
    options: IndexBenchOptions, address: str, bootstrap: str, topics: BenchTopics
) -> dict[str, Any]:
    workload = options.workload
    receiving = workload.receiving_units()
    probes, others = receiving[-PROBE_UNITS:], receiving[:-PROBE_UNITS]
    background = workload.dossier_records(others, seed=workload.seed + 1)
    return await measure_freshness(
        address, bootstrap, topics.dossier, background, probes,
        year=workload.year, rate=options.freshness_rate, seconds=options.freshness_seconds,
    )  # fmt: skip


def _projection_latency(http: str) -> dict[str, Any]:
    try:
        return dict(projection_latency(http))
    except OSError as error:  # a figure lost, not the run
        return {"error": str(error)}
