"""Benchmark results: machine facts, one JSON file per run, and a short human summary."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tthc.kit.clock import Clock

PACKAGES = ("eventsourcing", "aiokafka", "kafka-python", "psycopg", "pydantic", "faststream", "uvicorn")


def machine_facts() -> dict[str, Any]:
    """Cores, CPU model, load, Python and library versions of this machine."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def write_result(out_dir: Path, result: dict[str, Any], clock: Clock) -> Path:
    """Writes one run's result as ``feed-<store>-<via>-<timestamp>.json``; returns the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"feed-{result['store']}-{result['via']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=_plain) + "\n", encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A few lines a person reads: rates, relay lag, and what the run was."""
    f = result["figures"]
    during, whole = f["lag_during_intake"], f["lag_whole_run"]
    return [
        f"{result['store']} via {result['via']}: {f['records']} feed records → "
        f"{f['events_stored']} events → {f['public_records']} public records",
        f"  intake {f['intake_records_per_s']:>9} records/s  {f['stored_events_per_s']:>9} events/s stored"
        f"  ({f['intake_seconds']} s)",
        f"  relay  {f['relay_events_per_s']:>9} events/s   {f['relay_public_records_per_s']:>9} records/s"
        f" to Kafka  (caught up at {f['relay_done_seconds']} s,"
        f" {f['relay_drain_after_intake_seconds']} s after the intake)",
        f"  lag    during intake: max {during['max']}, p50 {during['p50']}, p95 {during['p95']} "
        f"notifications; whole run max {whole['max']}",
        *_backlog_line(f.get("relay_backlog")),
    ]


def _backlog_line(backlog: dict[str, Any] | None) -> list[str]:
    if not backlog:
        return []
    return [
        f"  relay capacity (whole log as a backlog): {backlog['backlog_events_per_s']} events/s, "
        f"{backlog['backlog_records_per_s']} records/s ({backlog['backlog_seconds']} s)"
    ]
