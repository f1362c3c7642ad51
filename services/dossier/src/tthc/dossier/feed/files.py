"""Feed files: JSON arrays of records on disk, and which endpoint a file's records belong to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tthc.dossier.feed.client import Kind
from tthc.dossier.feed.simulator import Batch


def kind_of(body: bytes) -> Kind:
    """``history`` when every record is a QuaTrinhXuLy item (ThoiDiemXuLy, no TrangThaiHoSo); else dossiers.

    An unreadable body counts as dossiers: the server then answers with the parse error.
    """
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "dossiers"
    records = document if isinstance(document, list) else [document]
    if records and all(_is_history_item(record) for record in records):
        return "history"
    return "dossiers"


def write_batches(directory: Path, batches: list[Batch]) -> list[Path]:
    """Writes one file per batch, named ``NNNNN-YYYYMMDD-<kind>.json`` so that name order is sending order."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, batch in enumerate(batches, start=1):
        path = directory / f"{number:05d}-{batch.day:%Y%m%d}-{batch.kind}.json"
        path.write_text(dump_records(batch.records), encoding="utf-8")
        written.append(path)
    return written


def dump_records(records: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    """The file form of a batch: a JSON array, UTF-8 text, one record per line."""
    lines = ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    return f"[\n{lines}\n]\n"


def _is_history_item(record: Any) -> bool:
    return isinstance(record, dict) and "ThoiDiemXuLy" in record and "TrangThaiHoSo" not in record
