"""JSON Schemas of every public event, for export and for the additive-only snapshot test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tthc.contracts import catalog_v1, dossier_v1
from tthc.contracts.envelope import CloudEvent


def event_schemas() -> dict[str, dict[str, Any]]:
    """Schema of each public event (the CloudEvent envelope with its typed ``data``), by event type."""
    schemas: dict[str, dict[str, Any]] = {}
    for cls in (*dossier_v1.ALL_EVENTS, *catalog_v1.ALL_EVENTS):
        schemas[cls.EVENT_TYPE] = CloudEvent[cls].model_json_schema()  # type: ignore[valid-type]
    return schemas


def export(directory: Path) -> list[Path]:
    """Writes one ``<type>.json`` per event type into ``directory``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in sorted(event_schemas().items()):
        path = directory / f"{event_type}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        written.append(path)
    return written
