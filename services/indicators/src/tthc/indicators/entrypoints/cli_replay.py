"""`tthc index replay`: rebuild the facts store from the event topics, with a progress bar.

The lead registers it under the `index` group (`index_app.command("replay")(replay)`). Topics and the
default store come from the `TTHC_INDICATORS_*` settings; see `tthc.indicators.replay` for the rules.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tthc.indicators.config import IndicatorsSettings
from tthc.indicators.projection.backends import StoreUrlError
from tthc.indicators.replay import (
    MissingTopicError,
    ReplayReport,
    ReplaySource,
    ReplayStalledError,
    StoreNotEmptyError,
    open_target,
)
from tthc.indicators.replay import (
    Progress as ReplayProgress,
)
from tthc.indicators.replay import (
    replay as replay_topics,
)
from tthc.indicators.replay_apply import WINDOW_RECORDS
from tthc.indicators.replay_parallel import is_shared_store, replay_in_parallel


def replay(  # noqa: PLR0917 - a typer command: every option is a parameter
    store: Annotated[
        str | None, typer.Option("--store", help="Target store URL; default TTHC_INDICATORS_STORE_URL.")
    ] = None,
    from_beginning: Annotated[
        bool,
        typer.Option(
            "--from-beginning/--from-group",
            help="Start at offset 0 (a fresh store), or resume from --group's committed offsets.",
        ),
    ] = True,
    group: Annotated[
        str | None,
        typer.Option("--group", help="Also commit the replayed offsets for this new consumer group."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Clear a non-empty store first.")] = False,
    bootstrap: Annotated[
        str | None, typer.Option("--bootstrap", help="Kafka bootstrap servers; default from settings.")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Worker processes, each replaying a share of the partitions; 0 = one per CPU.",
        ),
    ] = 0,
    window: Annotated[
        int,
        typer.Option(
            "--window",
            min=1,
            help="Records per store transaction of each worker: larger windows write each dossier fewer "
            "times and hold more of them in memory.",
        ),
    ] = WINDOW_RECORDS,
) -> None:
    """Rebuilds the 766 index projections from the start of the event topics into a fresh store."""
    errors = Console(stderr=True)
    try:
        settings = IndicatorsSettings()
    except ValidationError as error:
        errors.print(f"[red]error:[/red] bad TTHC_INDICATORS_* settings: {error}")
        raise typer.Exit(code=2) from error
    if not from_beginning and group is None:
        errors.print("[red]error:[/red] --from-group needs --group")
        raise typer.Exit(code=2)
    source = ReplaySource(
        bootstrap=bootstrap or settings.kafka_bootstrap_servers,
        topics=(settings.dossier_topic, settings.catalog_topic),
        group=group,
        from_beginning=from_beginning,
        window_records=window,
    )
    url = store or settings.store_url
    try:
        run = _runner(url, source, force, _worker_count(workers, url))
        report = _run_with_progress(run)
    except StoreUrlError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(code=2) from error
    except (StoreNotEmptyError, MissingTopicError, ReplayStalledError) as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(code=1) from error
    Console().print(_report_table(report))


def _worker_count(requested: int, store_url: str) -> int:
    """`requested`, 0 meaning one per CPU; always 1 for an in-memory store (it cannot be shared)."""
    if not is_shared_store(store_url):
        return 1
    return requested or os.cpu_count() or 1


def _runner(
    store_url: str, source: ReplaySource, force: bool, workers: int
) -> Callable[[ReplayProgress], ReplayReport]:
    """The replay to run: in this process, or split across `workers` processes."""
    if workers > 1:
        return lambda advance: replay_in_parallel(
            store_url, source, workers=workers, force=force, progress=advance
        )
    facts = open_target(store_url)

    def in_process(advance: ReplayProgress) -> ReplayReport:
        try:
            return replay_topics(facts, source, force=force, progress=advance)
        finally:
            facts.close()

    return in_process


def _run_with_progress(run: Callable[[ReplayProgress], ReplayReport]) -> ReplayReport:
    columns = (
        TextColumn("[bold]replaying[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} ev/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task("replay", total=None, rate="–")

        def advance(records: int, total: int) -> None:
            progress.update(task, advance=records, total=total)
            speed = progress.tasks[task].speed
            progress.update(task, rate=f"{speed:,.0f}" if speed else "–")

        return run(advance)


def _report_table(report: ReplayReport) -> Table:
    table = Table(title="Replay", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, count in (
        ("records read", report.records),
        ("events applied", report.applied),
        ("duplicates skipped", report.duplicates),
        ("still parked (ahead of a gap)", report.parked),
        ("rejected (applied, unusable)", report.rejected),
        ("unreadable", report.unreadable),
        ("dossiers", report.dossiers),
        ("procedures", report.procedures),
    ):
        table.add_row(what, f"{count:,}")
    table.add_row("seconds", f"{report.seconds:.1f}")
    table.add_row("events/s", f"{report.events_per_second:,.0f}")
    return table
