"""``tthc indicators serve``: run the indicators service (configuration from ``TTHC_INDICATORS_*``)."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer
from pydantic import ValidationError

from tthc.indicators.bootstrap import IndicatorsEndpoints, build, serve
from tthc.indicators.config import IndicatorsSettings

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
    asyncio.run(_run(settings))


async def _run(settings: IndicatorsSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    service = await asyncio.to_thread(build, settings)
    await serve(service, stop, on_ready=_announce)


def _announce(endpoints: IndicatorsEndpoints) -> None:
    typer.echo(f"indicators service ready: gRPC {endpoints.grpc} · metrics {endpoints.http}/metrics")
    typer.echo(f"consuming from Kafka {endpoints.kafka}")
