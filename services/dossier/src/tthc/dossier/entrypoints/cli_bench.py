"""``tthc bench``: benchmarks of the suite on the real spine (mounted by the ``tthc`` command).

tthc bench feed [--store sqlite|postgres|both] [--units 100] [--days 30] [--dossiers-per-unit-day 2]
                [--via inprocess|http|both] [--out bench-results] [--postgres-url URL] [--kafka HOST:PORT]
"""

from __future__ import annotations

import shlex
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from tthc.dossier.bench.feed import FeedBenchOptions, bench_feed
from tthc.dossier.bench.feed_run import Via
from tthc.dossier.bench.workload import Workload

bench_app = typer.Typer(
    help="Benchmarks on the real spine (Kafka, SQLite, PostgreSQL).", no_args_is_help=True
)

STORES: dict[str, tuple[str, ...]] = {
    "sqlite": ("sqlite",),
    "postgres": ("postgres",),
    "both": ("sqlite", "postgres"),
}
VIAS: dict[str, tuple[Literal["inprocess", "http"], ...]] = {
    "inprocess": ("inprocess",),
    "http": ("http",),
    "both": ("inprocess", "http"),
}


@bench_app.command("feed")
def feed_command(  # noqa: PLR0917 - a typer command: every option is a parameter
    store: Annotated[str, typer.Option(help="sqlite | postgres | both")] = "both",
    units: Annotated[int, typer.Option(min=3, help="Units of the synthetic province.")] = 100,
    days: Annotated[int, typer.Option(min=1, help="Simulated calendar days.")] = 30,
    dossiers_per_unit_day: Annotated[
        float, typer.Option(min=0.1, help="Mean new dossiers per unit per working day.")
    ] = 2.0,
    via: Annotated[
        str, typer.Option(help="inprocess (FeedIntake) | http (feed endpoint) | both")
    ] = "inprocess",
    out: Annotated[Path, typer.Option("--out", help="Directory for the JSON results.")] = Path(
        "bench-results"
    ),
    postgres_url: Annotated[
        str | None, typer.Option(help="PostgreSQL server to use (default: a throwaway one).")
    ] = None,
    kafka: Annotated[
        str | None,
        typer.Option(envvar="TTHC_KAFKA_BOOTSTRAP_SERVERS", help="Broker (default: a throwaway one)."),
    ] = None,
    start: Annotated[str, typer.Option(help="First simulated day, YYYY-MM-DD.")] = "2024-04-01",
    seed: int = 766,
    batch: Annotated[int, typer.Option(min=1, help="Records per batch / request.")] = 100,
    profile: Annotated[
        bool, typer.Option(help="cProfile the intake; top functions into <run>.profile.txt.")
    ] = False,
) -> None:
    """Feed intake → event store → Kafka: records/s, events/s, relay throughput and lag, per store."""
    if store not in STORES:
        raise typer.BadParameter("--store must be sqlite, postgres or both")
    if via not in VIAS:
        raise typer.BadParameter("--via must be inprocess, http or both")
    options = FeedBenchOptions(
        workload=_workload(units, days, dossiers_per_unit_day, start, seed),
        stores=STORES[store],
        vias=_vias(via),
        out_dir=out,
        kafka_bootstrap=kafka,
        postgres_url=postgres_url,
        batch_size=batch,
        profile=profile,
        command=shlex.join(["tthc", *sys.argv[1:]]),
    )
    bench_feed(options, echo=typer.echo)


def _workload(units: int, days: int, per_unit_day: float, start: str, seed: int) -> Workload:
    return Workload(units=units, days=days, dossiers_per_unit_day=per_unit_day, start=_date(start), seed=seed)


def _vias(option: str) -> tuple[Via, ...]:
    return VIAS[option]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}") from None
