"""``tthc feed``: push feed files to the intake, and simulate a provincial feed.

    tthc feed push FILE... [--url URL] [--token TOKEN] [--kind auto|dossiers|history] [--json]
    tthc feed simulate [--units CODE,...|--province CODE] [--days N] [--start YYYY-MM-DD] [--seed N]
                       [--dossiers-per-unit-day N] [--out DIR | --push URL --token T] [--batch N]

Defaults for ``--url``/``--token`` come from ``TTHC_FEED_URL`` and ``TTHC_FEED_TOKEN``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tthc.dossier.domain.units import UnitLevel, sample_units
from tthc.dossier.feed.client import FeedClient, FeedServerError, Kind
from tthc.dossier.feed.files import kind_of, write_batches
from tthc.dossier.feed.simulator import Simulation, SimulationConfig, simulate

feed_app = typer.Typer(help="Provincial dossier feed: push files, simulate a feed.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

UrlOption = Annotated[
    str, typer.Option("--url", envvar="TTHC_FEED_URL", help="Base URL of the dossier service.")
]
TokenOption = Annotated[
    str, typer.Option("--token", envvar="TTHC_FEED_TOKEN", help="Bearer token of the unit.")
]


@feed_app.command()
def push(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="JSON files of records.")],
    url: UrlOption = "http://127.0.0.1:8080",
    token: TokenOption = "",
    kind: Annotated[str, typer.Option(help="auto | dossiers | history")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per record per line.")] = False,
) -> None:
    """Sends files of HoSoDongBoDVC records (or QuaTrinhXuLy items) and prints each record's result."""
    failed = False
    table = _results_table()
    with FeedClient(url, token) as client:
        for path in files:
            body = path.read_bytes()
            try:
                answer = client.push_raw(_kind(kind, body), body)
            except (FeedServerError, httpx.HTTPError) as error:
                err.print(f"[red]{path}: {error}[/red]")
                failed = True
                continue
            failed |= answer.get("rejected", 0) > 0
            _show(path, answer["results"], table, as_json)
    if not as_json:
        out.print(table)
    raise typer.Exit(1 if failed else 0)


@feed_app.command("simulate")
def simulate_command(  # noqa: PLR0917 - a typer command: every option is a parameter
    units: Annotated[str, typer.Option(help="Unit codes, comma-separated.")] = "",
    province: Annotated[str, typer.Option(help="Simulate every ward and department of this province.")] = "",
    days: Annotated[int, typer.Option(min=1)] = 7,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = "2024-03-04",
    seed: int = 0,
    dossiers_per_unit_day: Annotated[float, typer.Option(min=0)] = 3.0,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write one JSON file per batch here.")] = None,
    push_url: Annotated[str, typer.Option("--push", help="Push the batches to this service URL.")] = "",
    token: TokenOption = "",
    batch: Annotated[int, typer.Option(min=1, help="Records per file or request.")] = 100,
) -> None:
    """Generates a realistic provincial feed (deterministic from --seed) and writes or pushes it."""
    if (out_dir is None) == (not push_url):
        raise typer.BadParameter("give exactly one of --out DIR or --push URL")
    config = SimulationConfig(
        units=_units(units, province), start=_date(start), days=days, seed=seed,
        dossiers_per_unit_day=dossiers_per_unit_day,
    )  # fmt: skip
    simulation = _generate(config)
    batches = simulation.batches(batch)
    if out_dir is not None:
        paths = write_batches(out_dir, batches)
        out.print(
            f"{len(simulation.truths)} dossiers, {len(simulation.emissions)} records in {len(paths)} files"
        )
        return
    rejected = _push_batches(push_url, token, simulation)
    raise typer.Exit(1 if rejected else 0)


def _generate(config: SimulationConfig) -> Simulation:
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("simulating days", total=config.days)
        return simulate(config, progress=lambda _: progress.advance(task))


def _push_batches(url: str, token: str, simulation: Simulation) -> int:
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    batches = simulation.batches()
    with FeedClient(url, token) as client, Progress(console=err) as progress:
        task = progress.add_task("pushing", total=len(batches))
        for item in batches:
            answer = client.push(item.kind, item.records)
            for key in totals:
                totals[key] += answer.get(key, 0)
            progress.advance(task)
    out.print(", ".join(f"{key}: {value}" for key, value in totals.items()))
    return totals["rejected"]


def _kind(option: str, body: bytes) -> Kind:
    choice: dict[str, Literal["dossiers", "history"]] = {"dossiers": "dossiers", "history": "history"}
    if option == "auto":
        return kind_of(body)
    if option not in choice:
        raise typer.BadParameter("--kind must be auto, dossiers or history")
    return choice[option]


def _units(units: str, province: str) -> tuple[str, ...]:
    listed = tuple(code.strip() for code in units.split(",") if code.strip())
    if listed and province:
        raise typer.BadParameter("give --units or --province, not both")
    if not province:
        return listed or ("H48.40.01",)
    wanted = {UnitLevel.COMMUNE, UnitLevel.PROVINCIAL_DEPARTMENT}
    return tuple(unit.code for unit in sample_units().descendants(province) if unit.level in wanted)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}") from None


def _results_table() -> Table:
    return Table("file", "#", "MaHoSo", "result", "errors")


def _show(path: Path, results: Iterable[dict[str, Any]], table: Table, as_json: bool) -> None:
    for result in results:
        line = {
            "MaHoSo": result.get("MaHoSo", ""),
            "result": result["result"],
            "errors": result.get("errors", []),
        }
        if as_json:
            print(json.dumps(line, ensure_ascii=False))
        else:
            problems = "; ".join(f"{e['field']}: {e['reason']}" for e in line["errors"])
            style = {"accepted": "green", "duplicate": "yellow"}.get(line["result"], "red")
            row = (
                path.name,
                str(result.get("index", "")),
                line["MaHoSo"],
                f"[{style}]{line['result']}[/]",
                problems,
            )
            table.add_row(*row)
