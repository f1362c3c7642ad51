"""`tthc index …` commands (mounted by the suite's root CLI as `index`).

`show` prints a unit's scorecard and `explain` the ids behind one metric (`cli_show`). `reconcile` recomputes
every figure of a national-portal scoring response from its counts and compares; with ``--store URL`` or
``--grpc ADDR`` it adds our own event-derived figures where the suite holds data for the unit and period
(else the root app may pass them by putting an object with an `ours_lookup` attribute,
`tthc.indicators.portal.OursLookup`, in the click context's `obj`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tthc.indicators.entrypoints import cli_render as render
from tthc.indicators.entrypoints.cli_replay import replay
from tthc.indicators.entrypoints.cli_show import (
    UnitsOption,
    explain_command,
    fail,
    show_command,
)
from tthc.indicators.entrypoints.cli_sources import IndexSource, SourceError, open_source, ours_lookup
from tthc.indicators.portal import (
    OursLookup,
    PortalResponseError,
    ReconcileRow,
    ReconcileSummary,
    load_response,
    reconcile,
)

index_app = typer.Typer(
    name="index",
    help="The national 766 index (Bộ chỉ số 766): scorecards and reconciliation with the national portal.",
    no_args_is_help=True,
)

_PERIOD_IN_NAME = re.compile(r"__(\d{4}(?:-(?:\d{2}|Q[1-4]))?)__")


@index_app.callback()
def index_group() -> None:
    """The national 766 index (Bộ chỉ số 766)."""


index_app.command("show")(show_command)
index_app.command("explain")(explain_command)
index_app.command("replay")(replay)


@index_app.command("reconcile")
def reconcile_command(  # noqa: PLR0917 - a typer command: every option is a parameter
    ctx: typer.Context,
    portal: Annotated[Path, typer.Option("--portal", help="A saved DVCQG scoring response (JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as a JSON list.")] = False,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Period label for our own figures; default: from the file name."),
    ] = None,
    mismatches: Annotated[
        bool, typer.Option("--mismatches", help="Table: show only rows that differ.")
    ] = False,
    store: Annotated[
        str | None, typer.Option("--store", help="Add our own figures, read from this facts store.")
    ] = None,
    grpc_address: Annotated[
        str | None, typer.Option("--grpc", help="Add our own figures, asked of the service at this address.")
    ] = None,
    units: UnitsOption = None,
) -> None:
    """Recomputes every unit's metric and group scores from the response's counts and compares them.

    With --store or --grpc, our own figures for the same units and period are shown next to them.
    """
    try:
        response = load_response(portal)
    except PortalResponseError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}")
        raise typer.Exit(code=2) from error
    source: IndexSource | None = None
    try:
        if store or grpc_address:
            source = open_source(grpc_address, store, units)
        ours: OursLookup | None = ours_lookup(source) if source else getattr(ctx.obj, "ours_lookup", None)
        rows = reconcile(response, ours, period=period or period_from_name(portal))
    except SourceError as error:
        fail(str(error), error.exit_code)
    finally:
        if source is not None:
            source.close()
    if as_json:
        # the JSON lists what the response lists: its metrics and one group total per unit; the parts of a
        # parameter-shaped group (computed from raw counts, never published alone) appear in the table only
        documents = [_row_json(row, with_ours=ours is not None) for row in rows if row.listed]
        typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
        return
    console = render.console()
    console.print(_table(response.endpoint.value, rows, mismatches))
    console.print(_summary_line(ReconcileSummary.of(rows)))


def _row_json(row: ReconcileRow, *, with_ours: bool) -> dict[str, object]:
    """The row's public keys, plus `ours_score` when our own figures were looked up."""
    document = row.as_json()
    if with_ours:
        ours = row.ours_score
        document["ours_score"] = None if ours is None else int(ours) if ours == int(ours) else float(ours)
    return document


def period_from_name(path: Path) -> str | None:
    """Returns the period label in a file name such as `transparency__2026-08__all.json`."""
    found = _PERIOD_IN_NAME.search(path.name)
    return found.group(1) if found else None


def _table(endpoint: str, rows: list[ReconcileRow], mismatches_only: bool) -> Table:
    with_ours = any(row.ours_score is not None for row in rows)
    table = Table(title=f"Reconciliation with the national portal — {endpoint}")
    table.add_column("unit", no_wrap=True)
    table.add_column("name", max_width=28, no_wrap=True, overflow="ellipsis")
    table.add_column("metric", no_wrap=True)
    for header in ("portal", "recomputed", "diff", *(("ours",) if with_ours else ())):
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        if mismatches_only and (row.matches or not row.comparable):
            continue
        cells = [
            row.unit_code,
            row.unit_name,
            row.metric,
            _cell(row.portal_score),
            _cell(row.recomputed_score),
        ]
        cells.append(_diff_cell(row))
        table.add_row(*cells, *((_cell(row.ours_score),) if with_ours else ()))
    return table


def _summary_line(summary: ReconcileSummary) -> str:
    return (
        f"rows {summary.rows} · comparable {summary.comparable} · exact matches {summary.exact} "
        f"· max |diff| {summary.max_abs_diff}"
    )


def _cell(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _diff_cell(row: ReconcileRow) -> str:
    if not row.comparable:
        return "[dim]n/a[/dim]"
    if row.matches:
        return "[green]0[/green]"
    return f"[red]{_cell(row.diff)}[/red]"
