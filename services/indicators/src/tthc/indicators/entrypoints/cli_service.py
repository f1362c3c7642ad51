"""``tthc indicators serve``: run the indicators service (configuration from ``TTHC_INDICATORS_*``)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import typer
from pydantic import ValidationError

from tthc.indicators.bootstrap import IndicatorsEndpoints, IndicatorsService, build, serve
from tthc.indicators.config import IndicatorsSettings
from tthc.kit.gctune import bulk_gc, observe_gc_pauses, settle_long_lived_heap
from tthc.kit.lifecycle import run_until_signalled

indicators_app = typer.Typer(help="The indicators service: the 766 index in real time.", no_args_is_help=True)


@indicators_app.command("serve")
def serve_command() -> None:
    """Consume the event topics into the index projections and serve gRPC and /metrics until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = IndicatorsSettings()
    except ValidationError as error:
        typer.echo(f"configuration error (TTHC_INDICATORS_*):\n{error}", err=True)
        raise typer.Exit(2) from error
    run_until_signalled(lambda stop: _run(settings, stop))


async def _run(settings: IndicatorsSettings, stop: asyncio.Event) -> None:
    service = await asyncio.to_thread(_build_settled, settings)
    await serve(service, stop, on_ready=_announce)


def _build_settled(settings: IndicatorsSettings) -> IndicatorsService:
    """Builds the service (the start-up load of every dossier's facts with the collector tuned for bulk
    work), then moves the loaded heap out of the collector's sight: this process is the service's own."""
    with bulk_gc():
        service = build(settings)
    settle_long_lived_heap()
    observe_gc_pauses(service.registry)
    return replace(service, settle_heap=True)


def _announce(endpoints: IndicatorsEndpoints) -> None:
    typer.echo(f"indicators service ready: gRPC {endpoints.grpc} · metrics {endpoints.http}/metrics")
    typer.echo(f"consuming from Kafka {endpoints.kafka}")
