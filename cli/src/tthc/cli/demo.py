"""``tthc demo``: the suite's main job on embedded defaults, on one machine.

Starts (or reuses) the local Kafka broker, runs the dossier and indicators services on SQLite under
``var/demo``, pushes a simulated provincial feed of the last days for the seed plan's province (Quảng Ngãi,
H48: the wards and departments of the sample registry) over the real HTTP feed endpoint, waits until the relay
has published everything and the indicators service has consumed it, prints where everything listens and ends
with the live 766 scorecards (over gRPC) of the seed plan's ward and its province. Without ``--once`` it keeps
serving until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tthc.contracts.topics import CATALOG_EVENTS, DOSSIER_EVENTS
from tthc.dossier.bootstrap import DossierService, Endpoints, build, serve
from tthc.dossier.config import DossierSettings
from tthc.dossier.domain.units import UnitLevel, sample_units
from tthc.dossier.feed.auth import hash_token
from tthc.dossier.feed.client import FeedClient
from tthc.dossier.feed.simulator import SimulationConfig, simulate
from tthc.indicators.bootstrap import IndicatorsEndpoints
from tthc.indicators.bootstrap import build as build_indicators
from tthc.indicators.bootstrap import serve as serve_indicators
from tthc.indicators.config import IndicatorsSettings
from tthc.indicators.domain.periods import Period, PeriodKind
from tthc.indicators.entrypoints.cli_render import scorecard_table
from tthc.indicators.entrypoints.cli_sources import GrpcSource
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.kit.clock import SystemClock, local
from tthc.kit.kafka.broker import LocalKafka
from tthc.kit.kafka.lag import group_lag
from tthc.kit.lifecycle import run_until_signalled

PROVINCE = "H48"
WARD = "H48.40.01"  # phường Nguyễn Nghiêm, the seed plan's ward
DEMO_TOKEN = "demo-token-H48"  # printed for the user; only its SHA-256 is stored
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 150)


@dataclass(frozen=True)
class DemoOptions:
    """What the demo simulates and where it keeps its files."""

    var: Path
    days: int
    start: date
    seed: int
    http_port: int
    grpc_port: int
    once: bool


def demo(  # noqa: PLR0917 - a typer command: every option is a parameter
    days: Annotated[int, typer.Option(min=1, max=60, help="days of provincial feed to simulate")] = 5,
    start: Annotated[str, typer.Option(help="first simulated day; default: DAYS days before today")] = "",
    seed: Annotated[int, typer.Option(help="simulation seed (same seed, same feed)")] = 766,
    http_port: Annotated[int, typer.Option(help="dossier HTTP port (feed, /metrics); 0 = any")] = 8080,
    grpc_port: Annotated[int, typer.Option(help="dossier gRPC port; 0 = any free port")] = 50051,
    var: Annotated[Path, typer.Option(help="where the demo keeps its store and secrets")] = Path("var/demo"),
    once: Annotated[bool, typer.Option("--once", help="stop once the feed is pushed and relayed")] = False,
) -> None:
    """Run the suite's main job on embedded defaults (Kafka, SQLite, dossier service, simulated feed)."""
    today = local(SystemClock().now()).date()
    first_day = date.fromisoformat(start) if start else today - timedelta(days=days)
    options = DemoOptions(var, days, first_day, seed, http_port, grpc_port, once)
    bootstrap = os.environ.get("TTHC_KAFKA_BOOTSTRAP_SERVERS") or _start_kafka()
    settings = _settings(options, bootstrap)
    index = _indicators_settings(options, bootstrap)
    run_until_signalled(lambda stop: _run(options, settings, index, stop))


def _start_kafka() -> str:
    with console.status("starting Kafka (first run fetches the broker jars from Maven Central)"):
        status = LocalKafka().start()
    console.print(f"[green]Kafka[/] {status.bootstrap}")
    return status.bootstrap


def _settings(options: DemoOptions, bootstrap: str) -> DossierSettings:
    options.var.mkdir(parents=True, exist_ok=True)
    secret_file = options.var / "pseudonym-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
        secret_file.chmod(0o600)
    tokens = options.var / "feed-tokens.yaml"
    tokens.write_text(f"tokens:\n  {hash_token(DEMO_TOKEN)}: {PROVINCE}\n")
    return DossierSettings(
        store_url=f"sqlite:///{options.var / 'dossier.db'}",
        kafka_bootstrap_servers=bootstrap,
        http_port=options.http_port,
        grpc_address=f"127.0.0.1:{options.grpc_port}",
        pseudonym_secret=secret_file.read_text().strip(),
        feed_tokens_file=tokens,
    )


def _indicators_settings(options: DemoOptions, bootstrap: str) -> IndicatorsSettings:
    offset = 1 if options.http_port else 0  # ports next to the dossier service's, or any free ones
    return IndicatorsSettings(
        store_url=f"sqlite:///{options.var / 'indicators.db'}",
        kafka_bootstrap_servers=bootstrap,
        # One group per demo store: a fresh store reads the topics from the beginning.
        group_id=f"tthc-indicators-demo-{hashlib.sha256(str(options.var.resolve()).encode()).hexdigest()[:12]}",
        http_port=options.http_port + offset,
        grpc_address=f"127.0.0.1:{options.grpc_port + offset}",
    )


async def _run(
    options: DemoOptions, settings: DossierSettings, index: IndicatorsSettings, stop: asyncio.Event
) -> None:
    loop = asyncio.get_running_loop()
    service = await asyncio.to_thread(build, settings)
    indicators = await asyncio.to_thread(build_indicators, index)
    ready: asyncio.Future[IndicatorsEndpoints] = loop.create_future()
    index_task = asyncio.create_task(serve_indicators(indicators, stop, on_ready=ready.set_result))

    async def on_ready(endpoints: Endpoints) -> None:
        index_endpoints = await ready
        await asyncio.to_thread(_push_feed, options, endpoints)
        await _wait_relayed(service)
        await _wait_consumed(index)
        _announce(service, endpoints, settings)
        _announce_index(index_endpoints)
        await asyncio.to_thread(_show_scorecards, index_endpoints.grpc)
        if options.once:
            stop.set()
        else:
            console.print("serving; press Ctrl-C to stop")

    try:
        await serve(service, stop, on_ready=on_ready)
    finally:
        stop.set()
        await index_task


def _push_feed(options: DemoOptions, endpoints: Endpoints) -> None:
    units = tuple(
        unit.code
        for unit in sample_units().descendants(PROVINCE)
        if unit.level in {UnitLevel.COMMUNE, UnitLevel.PROVINCIAL_DEPARTMENT}
    )
    config = SimulationConfig(units=units, start=options.start, days=options.days, seed=options.seed)
    with console.status(f"simulating {options.days} days of feed for {len(units)} units of {PROVINCE}"):
        simulation = simulate(config)
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    with FeedClient(endpoints.http, DEMO_TOKEN) as client, console.status("pushing the feed over HTTP"):
        for batch in simulation.batches():
            answer = client.push(batch.kind, batch.records)
            for key in totals:
                totals[key] += int(answer.get(key, 0))
    console.print(
        f"[green]feed[/] {len(simulation.truths)} dossiers, {len(simulation.emissions)} records: "
        + ", ".join(f"{key} {value}" for key, value in totals.items())
    )


async def _wait_relayed(service: DossierService) -> None:
    relay = service.relay
    if relay is None:
        return
    with console.status("waiting for the outbox relay to publish everything to Kafka"):
        while await asyncio.to_thread(relay.lag) > 0:
            await asyncio.sleep(0.2)


async def _wait_consumed(index: IndicatorsSettings) -> None:
    topics = (index.dossier_topic, index.catalog_topic)
    with console.status("waiting for the indicators service to consume the events"):
        while await asyncio.to_thread(group_lag, index.kafka_bootstrap_servers, index.group_id, topics) > 0:
            await asyncio.sleep(0.3)


def _announce_index(endpoints: IndicatorsEndpoints) -> None:
    console.print(f"  index gRPC      {endpoints.grpc}   (tthc.indicators.v1.IndicatorService)")
    console.print(f"  index metrics   GET  {endpoints.http}/metrics")


def _show_scorecards(grpc_address: str) -> None:
    period = Period.current(SystemClock().now(), PeriodKind.MONTH)
    source = GrpcSource(grpc_address)
    try:
        for unit in (WARD, PROVINCE):
            answer = source.scorecard(pb.GetScorecardRequest(unit_code=unit, period=str(period)))
            console.print(scorecard_table(answer.scorecard))
    finally:
        source.close()
    console.print(f"watch it live: tthc index show --grpc {grpc_address} --unit {WARD} --period {period}")


def _announce(service: DossierService, endpoints: Endpoints, settings: DossierSettings) -> None:
    published = int(service.relay.position()) if service.relay is not None else 0
    console.print(f"[green]relay[/] {published} stored events published, lag 0")
    console.print(f"  feed endpoint   POST {endpoints.feed_url}   (Authorization: Bearer {DEMO_TOKEN})")
    console.print(f"  metrics         GET  {endpoints.metrics_url}")
    console.print(f"  gRPC            {endpoints.grpc}   (tthc.dossier.v1.DossierService, reflection on)")
    console.print(f"  Kafka           {endpoints.kafka}   topics {DOSSIER_EVENTS}, {CATALOG_EVENTS}")
    console.print(f"  event store     {settings.store_url}")
