"""`tthc index show` and `tthc index explain`: a unit's scorecard, and the ids behind one of its metrics.

By default both ask the running indicators service over gRPC (``--grpc``, else ``$TTHC_INDICATORS_GRPC``,
else 127.0.0.1:50052); ``--store URL`` reads a facts store directly instead (offline, e.g. after a replay;
``--units FILE`` / ``$TTHC_INDICATORS_UNITS_FILE`` names the unit registry, default the shipped sample).
A rejected query (unknown unit, bad period or metric) exits with code 2, an unreachable service with 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from tthc.indicators.entrypoints import cli_render as render
from tthc.indicators.entrypoints.cli_sources import IndexSource, SourceError, open_source
from tthc.indicators.entrypoints.grpc_mapping import timestamp
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.kit.clock import VIETNAM

T = TypeVar("T")

UnitOption = Annotated[str, typer.Option("--unit", help="Unit code, e.g. H48.30.")]
PeriodOption = Annotated[
    str, typer.Option("--period", help="2024-03, 2024-Q1, 2024-H1, 2024, a..b dates; prefix reporting:.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
GrpcOption = Annotated[
    str | None,
    typer.Option("--grpc", help="Service address (default $TTHC_INDICATORS_GRPC, else 127.0.0.1:50052)."),
]
StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Read this facts store directly (sqlite:///FILE, postgresql://…)."),
]
UnitsOption = Annotated[
    Path | None, typer.Option("--units", help="Unit registry YAML for --store (default: the shipped sample).")
]


def show_command(  # noqa: PLR0917 - a typer command: every option is a parameter
    unit: UnitOption,
    period: PeriodOption,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Count as of this ISO instant (no offset = Vietnam time).")
    ] = None,
    as_json: JsonOption = False,
    grpc_address: GrpcOption = None,
    store: StoreOption = None,
    units: UnitsOption = None,
) -> None:
    """Prints the unit's 766 scorecard for the period: groups, metrics (n / d / ratio / score), total."""
    request = pb.GetScorecardRequest(unit_code=unit, period=period)
    if as_of is not None:
        request.as_of.CopyFrom(timestamp(_instant(as_of)))
    card = _with_source(grpc_address, store, units, lambda source: source.scorecard(request)).scorecard
    if as_json:
        _print_json(render.scorecard_json(card))
    else:
        render.console().print(render.scorecard_table(card))


def explain_command(  # noqa: PLR0917 - a typer command: every option is a parameter
    unit: UnitOption,
    period: PeriodOption,
    metric: Annotated[str, typer.Option("--metric", help="Metric code, e.g. PROCESSED_ON_TIME.")],
    page_size: Annotated[int, typer.Option("--page-size", min=1, help="Ids per page (at most 1000).")] = 100,
    page_token: Annotated[str, typer.Option("--page-token", help="Continue from a previous page.")] = "",
    all_pages: Annotated[bool, typer.Option("--all", help="Fetch every page.")] = False,
    as_json: JsonOption = False,
    grpc_address: GrpcOption = None,
    store: StoreOption = None,
    units: UnitsOption = None,
) -> None:
    """Lists the ids (dossier codes when available) behind a metric's numerator and denominator."""
    request = pb.ExplainMetricRequest(
        unit_code=unit, period=period, metric=metric, page_size=page_size, page_token=page_token
    )

    def fetch(source: IndexSource) -> list[pb.ExplainMetricResponse]:
        pages = [source.explain(request)]
        while all_pages and pages[-1].next_page_token:
            request.page_token = pages[-1].next_page_token
            pages.append(source.explain(request))
        return pages

    pages = _with_source(grpc_address, store, units, fetch)
    if as_json:
        _print_json(render.explanation_json(pages))
        return
    console = render.console()
    console.print(render.explanation_table(pages))
    console.print(render.explanation_summary(pages), soft_wrap=True)
    if pages[-1].next_page_token:
        console.print(f"more: --page-token {pages[-1].next_page_token} (or --all)", soft_wrap=True)


def _with_source(
    grpc_address: str | None,
    store: str | None,
    units: Path | None,
    query: Callable[[IndexSource], T],
) -> T:
    """The query's answer from the chosen source; a failure is printed and exits with its code."""
    try:
        source = open_source(grpc_address, store, units)
        try:
            return query(source)
        finally:
            source.close()
    except SourceError as error:
        fail(str(error), error.exit_code)


def fail(message: str, exit_code: int = 2) -> NoReturn:
    """Prints the error on stderr and exits with `exit_code`."""
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code=exit_code)


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--as-of: not an ISO date or instant: {text!r}")
    return at if at.tzinfo is not None else at.replace(tzinfo=VIETNAM)


def _print_json(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
