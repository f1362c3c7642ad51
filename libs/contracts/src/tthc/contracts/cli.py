"""``tthc contracts``: export the JSON Schemas of the public events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tthc.contracts.schemas import export

contracts_app = typer.Typer(help="Public event contracts.", no_args_is_help=True)


@contracts_app.command("export-schemas")
def export_schemas(directory: Annotated[Path, typer.Argument(help="where to write <type>.json")]) -> None:
    """Writes the JSON Schema of every public event (CloudEvent envelope with typed data)."""
    written = export(directory)
    typer.echo(f"wrote {len(written)} schemas to {directory}")
