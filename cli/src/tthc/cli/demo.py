"""``tthc demo``: the suite's main job on embedded defaults, on one machine.

Starts (or reuses) the local Kafka broker, runs the dossier service on SQLite under ``var/demo``, pushes a
simulated provincial feed for the seed plan's province (Quảng Ngãi, H48: the wards and departments of the
sample registry) over the real HTTP feed endpoint, waits until the relay has published everything to Kafka,
and prints where everything listens. Without ``--once`` it keeps serving until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from dataclasses import dataclass
from datetime import date
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
from tthc.kit.kafka.broker import LocalKafka

PROVINCE = "H48"
DEMO_TOKEN = "demo-token-H48"  # printed for the user; only its SHA-256 is stored
console = Console(soft_wrap=True)


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
    start: Annotated[str, typer.Option(help="first simulated day (the seed plan's year)")] = "2024-03-11",
    seed: Annotated[int, typer.Option(help="simulation seed (same seed, same feed)")] = 766,
    http_port: Annotated[int, typer.Option(help="HTTP port (feed + /metrics); 0 = any free")] = 8080,
    grpc_port: Annotated[int, typer.Option(help="gRPC port; 0 = any free port")] = 50051,
    var: Annotated[Path, typer.Option(help="where the demo keeps its store and secrets")] = Path("var/demo"),
    once: Annotated[bool, typer.Option("--once", help="stop once the feed is pushed and relayed")] = False,
) -> None:
    """Run the suite's main job on embedded defaults (Kafka, SQLite, dossier service, simulated feed)."""
    options = DemoOptions(var, days, date.fromisoformat(start), seed, http_port, grpc_port, once)
    bootstrap = os.environ.get("TTHC_KAFKA_BOOTSTRAP_SERVERS") or _start_kafka()
    settings = _settings(options, bootstrap)
    asyncio.run(_run(options, settings))


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


async def _run(options: DemoOptions, settings: DossierSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    service = await asyncio.to_thread(build, settings)

    async def on_ready(endpoints: Endpoints) -> None:
        await asyncio.to_thread(_push_feed, options, endpoints)
        await _wait_relayed(service)
        _announce(service, endpoints, settings)
        if options.once:
            stop.set()
        else:
            console.print("serving; press Ctrl-C to stop")

    await serve(service, stop, on_ready=on_ready)


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


def _announce(service: DossierService, endpoints: Endpoints, settings: DossierSettings) -> None:
    published = int(service.relay.position()) if service.relay is not None else 0
    console.print(f"[green]relay[/] {published} stored events published, lag 0")
    console.print(f"  feed endpoint   POST {endpoints.feed_url}   (Authorization: Bearer {DEMO_TOKEN})")
    console.print(f"  metrics         GET  {endpoints.metrics_url}")
    console.print(f"  gRPC            {endpoints.grpc}   (tthc.dossier.v1.DossierService, reflection on)")
    console.print(f"  Kafka           {endpoints.kafka}   topics {DOSSIER_EVENTS}, {CATALOG_EVENTS}")
    console.print(f"  event store     {settings.store_url}")
