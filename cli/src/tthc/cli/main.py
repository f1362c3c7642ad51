"""The ``tthc`` command: one entry point; each service contributes its own sub-commands."""

from __future__ import annotations

import typer

from tthc.cli.demo import demo
from tthc.contracts.cli import contracts_app
from tthc.dossier.entrypoints.cli_bench import bench_app
from tthc.dossier.entrypoints.cli_feed import feed_app
from tthc.dossier.entrypoints.cli_service import dossier_app
from tthc.indicators.entrypoints.cli import index_app
from tthc.indicators.entrypoints.cli_bench import index_bench_app
from tthc.indicators.entrypoints.cli_service import indicators_app
from tthc.kit.kafka.cli import kafka_app

app = typer.Typer(help="TTHC control suite.", no_args_is_help=True)
app.command()(demo)
app.add_typer(kafka_app, name="kafka")
app.add_typer(dossier_app, name="dossier")
app.add_typer(feed_app, name="feed")
app.add_typer(indicators_app, name="indicators")
app.add_typer(index_app, name="index")
app.add_typer(contracts_app, name="contracts")
bench_app.add_typer(index_bench_app, name="index")
app.add_typer(bench_app, name="bench")


def main() -> None:
    """Run the ``tthc`` command."""
    app()
