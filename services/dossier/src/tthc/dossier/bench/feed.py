"""``tthc bench feed``: a simulated month of a province through the real service, on each store.

For every (store, intake path) it starts a fresh event store, runs the service against the broker,
pushes the same simulated feed, measures intake, storage and relay, and writes one JSON file per run.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tthc.dossier.bench.feed_run import RunPlan, Via, run_feed
from tthc.dossier.bench.report import machine_facts, summary_lines, write_result
from tthc.dossier.bench.spine import event_store, kafka_broker, kafka_version, postgres_version
from tthc.dossier.bench.workload import Workload
from tthc.dossier.feed.simulator import Simulation
from tthc.kit.clock import Clock, SystemClock


@dataclass(frozen=True)
class FeedBenchOptions:
    """What ``tthc bench feed`` runs."""

    workload: Workload
    stores: Sequence[str] = ("sqlite", "postgres")
    vias: Sequence[Via] = ("inprocess",)
    out_dir: Path = Path("bench-results")
    kafka_bootstrap: str | None = None
    postgres_url: str | None = None
    batch_size: int = 100
    profile: bool = False
    command: str = ""


def bench_feed(
    options: FeedBenchOptions, echo: Callable[[str], None], clock: Clock | None = None
) -> list[Path]:
    """Runs every (store, via) combination; returns the JSON files written."""
    clock = clock or SystemClock()
    started = time.perf_counter()
    simulation = options.workload.simulate()
    simulate_seconds = time.perf_counter() - started
    echo(f"simulated {len(simulation.truths)} dossiers, {len(simulation.emissions)} feed records "
         f"in {simulate_seconds:.1f} s")  # fmt: skip
    written = []
    with (
        tempfile.TemporaryDirectory(prefix="tthc-bench-") as work,
        kafka_broker(options.kafka_bootstrap, Path(work)) as bootstrap,
    ):
        for store in options.stores:
            for via in options.vias:
                run_dir = Path(work) / f"{store}-{via}"
                result = _one_run(options, simulation, bootstrap, store, via, run_dir, clock)
                profile = result.pop("profile_top")
                path = write_result(options.out_dir, result, clock)
                if profile:
                    path.with_suffix(".profile.txt").write_text(profile)
                written.append(path)
                echo("\n".join(summary_lines(result)) + f"\n  → {path}")
    return written


def _one_run(  # noqa: PLR0917 - one run's coordinates
    options: FeedBenchOptions,
    simulation: Simulation,
    bootstrap: str,
    store: str,
    via: Via,
    work_dir: Path,
    clock: Clock,
) -> dict[str, Any]:
    work_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_facts()
    started_at = clock.now()
    with event_store(store, work_dir, options.postgres_url) as store_url:
        plan = RunPlan(store_url, bootstrap, via, work_dir, options.batch_size, options.profile)
        workload = options.workload
        result = run_feed(plan, simulation, workload.registry(), workload.province)
        server = postgres_version(store_url) if store == "postgres" else None
    machine["kafka"] = kafka_version(options.kafka_bootstrap is not None)
    if server is not None:
        machine["postgresql"] = server
    return {
        "benchmark": "feed",
        "command": options.command,
        "store": store,
        "via": via,
        "started_at": started_at,
        "workload": {**asdict(workload), "dossiers": len(simulation.truths)},
        "machine": machine,
        "figures": result.figures(),
        "lag_samples": [
            {"t": round(s.t, 2), "stored": s.stored, "relayed": s.relayed} for s in result.samples
        ],
        "profile_top": result.profile_top,
    }
