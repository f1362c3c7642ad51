"""One benchmark run: feed intake → event store → outbox relay → Kafka, all in the real service.

The service runs as in production (gRPC, HTTP, relay, Kafka feed consumer) in a background thread; the
feed is pushed either in-process through ``FeedIntake`` (the use case alone) or over HTTP with the feed
client, while the relay publishes concurrently. Timing starts with the first batch.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tthc.dossier.bench.drain import DrainResult, drain_backlog
from tthc.dossier.bench.running import RunningService, running_service
from tthc.dossier.bench.sampler import LagSample, LagSampler, lag_summary
from tthc.dossier.bench.topic_window import end_offsets, records_since
from tthc.dossier.bench.workload import write_token_file, write_units_file
from tthc.dossier.config import DossierSettings
from tthc.dossier.domain.units import UnitRegistry
from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.client import FeedClient
from tthc.dossier.feed.simulator import Batch, Simulation
from tthc.kit.kafka.topics import CATALOG_EVENTS, DOSSIER_EVENTS

Via = Literal["inprocess", "http"]
BENCH_SECRET = "benchmark-pseudonym-secret-not-for-production"


@dataclass(frozen=True)
class RunPlan:
    """Where and how to run: store, broker, intake path, batch size, work directory."""

    store_url: str
    bootstrap: str
    via: Via
    work_dir: Path
    batch_size: int = 100
    profile: bool = False


@dataclass
class RunResult:
    """What one run measured."""

    records: int
    rejected: int
    events_stored: int
    public_records: int
    intake_seconds: float
    relay_done_seconds: float
    samples: list[LagSample] = field(default_factory=list)
    profile_top: str = ""
    drain: DrainResult | None = None

    def figures(self) -> dict[str, Any]:
        """Rates, times and lag statistics as plain numbers."""
        drain = self.relay_done_seconds - self.intake_seconds
        return {
            "records": self.records,
            "rejected": self.rejected,
            "events_stored": self.events_stored,
            "public_records": self.public_records,
            "intake_seconds": round(self.intake_seconds, 2),
            "intake_records_per_s": round(self.records / self.intake_seconds, 1),
            "stored_events_per_s": round(self.events_stored / self.intake_seconds, 1),
            "relay_done_seconds": round(self.relay_done_seconds, 2),
            "relay_drain_after_intake_seconds": round(drain, 2),
            "relay_events_per_s": round(self.events_stored / self.relay_done_seconds, 1),
            "relay_public_records_per_s": round(self.public_records / self.relay_done_seconds, 1),
            "lag_during_intake": lag_summary(self.samples, until=self.intake_seconds),
            "lag_whole_run": lag_summary(self.samples),
            "relay_backlog": self.drain.figures() if self.drain is not None else None,
        }


def run_feed(plan: RunPlan, simulation: Simulation, registry: UnitRegistry, province: str) -> RunResult:
    """Runs the service on ``plan``'s store and broker and pushes ``simulation``'s feed through it."""
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    token = write_token_file(province, plan.work_dir / "tokens.yaml")
    settings = DossierSettings(
        store_url=plan.store_url,
        kafka_bootstrap_servers=plan.bootstrap,
        http_port=0,
        grpc_address="127.0.0.1:0",
        pseudonym_secret=BENCH_SECRET,  # type: ignore[arg-type]  # pydantic turns it into a SecretStr
        feed_tokens_file=plan.work_dir / "tokens.yaml",
        units_file=write_units_file(registry, plan.work_dir / "units.yaml"),
    )
    batches = simulation.batches(plan.batch_size)
    with running_service(settings) as running, contextlib.ExitStack() as stack:
        return _measure(plan, running, batches, _pusher(plan.via, running, token, province, stack))


Push = Callable[[Batch], int]  # returns the number of rejected records


def _pusher(
    via: Via, running: RunningService, token: str, province: str, stack: contextlib.ExitStack
) -> Push:
    if via == "http":
        client = stack.enter_context(FeedClient(running.endpoints.http, token, timeout=300))
        return lambda batch: int(client.push(batch.kind, batch.records)["rejected"])
    intake, caller = running.service.intake, Caller(province)

    def push(batch: Batch) -> int:
        ingest = intake.ingest if batch.kind == "dossiers" else intake.ingest_history
        return sum(result.outcome.value == "rejected" for result in ingest(list(batch.records), caller))

    return push


def _measure(plan: RunPlan, running: RunningService, batches: list[Batch], push: Push) -> RunResult:
    relay = running.relay
    running.wait_until_relayed()  # the catalogue registered at start-up is not part of the run
    first_id = relay.app.recorder.max_notification_id() or 0
    before = {topic: end_offsets(plan.bootstrap, topic) for topic in (DOSSIER_EVENTS, CATALOG_EVENTS)}
    started = time.perf_counter()
    sampler = LagSampler(relay, started)
    sampler.start()
    profiler = cProfile.Profile() if plan.profile and plan.via == "inprocess" else None
    if profiler is not None:
        profiler.enable()
    rejected = sum(push(batch) for batch in batches)
    intake_seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
    running.wait_until_relayed(timeout_s=3600, poll_s=0.05)
    relay_done = time.perf_counter() - started
    sampler.stop()
    sampler.samples.append(sampler.sample())
    published = sum(records_since(before[t], end_offsets(plan.bootstrap, t)) for t in before)
    drain = drain_backlog(relay.app, plan.bootstrap, relay.batch_size)
    return RunResult(
        records=sum(len(batch.records) for batch in batches),
        rejected=rejected,
        events_stored=(relay.app.recorder.max_notification_id() or 0) - first_id,
        public_records=published,
        intake_seconds=intake_seconds,
        relay_done_seconds=relay_done,
        samples=sampler.samples,
        profile_top=_top(profiler) if profiler is not None else "",
        drain=drain,
    )


def _top(profiler: cProfile.Profile, lines: int = 40) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()
