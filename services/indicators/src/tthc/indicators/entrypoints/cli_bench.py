"""``tthc bench index``: the indicators service benchmark (mounted under ``tthc bench`` by the CLI).

tthc bench index [--dossiers 20000] [--units 100] [--procedures 60] [--year 2024] [--kafka HOST:PORT]
                 [--max-records 2000] [--clients 8] [--query-seconds 10] [--rate 1000]
                 [--freshness-seconds 20] [--out bench-results] [--seed 766] [--profile]
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from tthc.indicators.bench.index import IndexBenchOptions, bench_index
from tthc.indicators.bench.workload import IndexWorkload

index_bench_app = typer.Typer(help="The indicators service: replay, freshness, GetScorecard latency, memory.")


@index_bench_app.callback(invoke_without_command=True)
def index_command(  # noqa: PLR0917 - a typer command: every option is a parameter
    dossiers: Annotated[int, typer.Option(min=10, help="Dossiers received over the year.")] = 20_000,
    units: Annotated[int, typer.Option(min=3, help="Units of the synthetic province.")] = 100,
    procedures: Annotated[int, typer.Option(min=2, help="Procedures in the catalogue.")] = 60,
    year: Annotated[int, typer.Option(help="The simulated calendar year.")] = 2024,
    kafka: Annotated[
        str | None,
        typer.Option(envvar="TTHC_KAFKA_BOOTSTRAP_SERVERS", help="Broker (default: a throwaway one)."),
    ] = None,
    max_records: Annotated[int, typer.Option(min=1, help="Records per replay batch.")] = 2000,
    replay_workers: Annotated[
        int, typer.Option(min=0, help="Replay worker processes (0 = one per CPU, 1 = in process).")
    ] = 0,
    partitions: Annotated[int, typer.Option(min=1, help="Partitions of the run's dossier topic.")] = 3,
    topics: Annotated[
        str | None, typer.Option(help="Named topics bench.index.NAME.*, kept after the run (default: fresh).")
    ] = None,
    publish: Annotated[
        bool, typer.Option(help="Publish the workload (--no-publish: the named topics hold it already).")
    ] = True,
    only_publish: Annotated[bool, typer.Option(help="Stop after publishing (into --topics).")] = False,
    replay: Annotated[
        bool, typer.Option(help="Replay (--no-replay: the --work store holds the --topics already).")
    ] = True,
    in_process: Annotated[bool, typer.Option(help="Time cold and warm scorecards in-process.")] = True,
    work: Annotated[
        Path | None,
        typer.Option(help="Keep the run's stores and logs in this directory (default: temporary)."),
    ] = None,
    live_catch_up: Annotated[
        bool, typer.Option(help="Also time the live service catching up from the start (long at 2 M).")
    ] = True,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent GetScorecard clients.")] = 8,
    query_seconds: Annotated[float, typer.Option(min=1, help="Duration of the GetScorecard load.")] = 10.0,
    rate: Annotated[
        float, typer.Option(min=1, help="Background events/s during the freshness probes.")
    ] = 1000.0,
    freshness_seconds: Annotated[float, typer.Option(min=1, help="Duration of the freshness probes.")] = 20.0,
    out: Annotated[Path, typer.Option("--out", help="Directory for the JSON results.")] = Path(
        "bench-results"
    ),
    seed: int = 766,
    profile: Annotated[
        bool, typer.Option(help="cProfile the replay; top functions into <run>.profile.txt.")
    ] = False,
) -> None:
    """A year of a synthetic province: replay events/s, scorecards cold and warm, freshness, memory."""
    options = IndexBenchOptions(
        workload=IndexWorkload(dossiers=dossiers, units=units, procedures=procedures, year=year, seed=seed),
        out_dir=out,
        kafka_bootstrap=kafka,
        max_records=max_records,
        replay_workers=replay_workers,
        partitions=partitions,
        live_catch_up=live_catch_up,
        topics_name=topics,
        publish=publish,
        only_publish=only_publish,
        replay=replay,
        in_process=in_process,
        work_dir=work,
        clients=clients,
        query_seconds=query_seconds,
        freshness_rate=rate,
        freshness_seconds=freshness_seconds,
        profile=profile,
        command=shlex.join(["tthc", *sys.argv[1:]]),
    )
    bench_index(options, echo=typer.echo)
