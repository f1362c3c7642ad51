"""``tthc dossier serve``: run the dossier service process (configuration from ``TTHC_DOSSIER_*``)."""

from __future__ import annotations

import asyncio
import logging

import typer
from pydantic import ValidationError

from tthc.dossier.bootstrap import Endpoints, build, serve
from tthc.dossier.config import DossierSettings
from tthc.kit.lifecycle import run_until_signalled

dossier_app = typer.Typer(help="The dossier service.", no_args_is_help=True)


@dossier_app.command("serve")
def serve_command() -> None:
    """Serve the feed (HTTP), /metrics, gRPC, the outbox relay and the Kafka feed consumer until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = DossierSettings()  # type: ignore[call-arg]  # required values come from the environment
    except ValidationError as error:
        typer.echo(f"configuration error (TTHC_DOSSIER_*):\n{error}", err=True)
        raise typer.Exit(2) from error
    run_until_signalled(lambda stop: _run(settings, stop))


async def _run(settings: DossierSettings, stop: asyncio.Event) -> None:
    service = await asyncio.to_thread(build, settings)
    await serve(service, stop, on_ready=_announce)


def _announce(endpoints: Endpoints) -> None:
    typer.echo(f"dossier service ready: feed {endpoints.feed_url} · metrics {endpoints.metrics_url}")
    typer.echo(f"gRPC {endpoints.grpc} · Kafka {endpoints.kafka or 'disabled'}")
