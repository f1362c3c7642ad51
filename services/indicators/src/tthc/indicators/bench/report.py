"""The index benchmark's result file (one JSON per run) and its short summary."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tthc.kit.clock import Clock


def write_result(out_dir: Path, result: dict[str, Any], clock: Clock) -> Path:
    """Writes ``index-<dossiers>-<timestamp>.json``; returns the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"index-{result['workload']['dossiers']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=_plain) + "\n", encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The figures a person reads, with the issue's first bars next to them."""
    f = result["figures"]
    published = f"{f['publish']['events']} events published" if "publish" in f else "topics published before"
    lines = [f"index bench: {result['workload']['dossiers']} dossiers, {published}"]
    replayed = f.get("replay")
    if replayed:
        lines.append(
            f"  replay      {replayed['events_per_s']:>10} events/s ({replayed['records']} records in "
            f"{replayed['seconds']} s; bar ≥ 50,000)"
        )
    live = f.get("live_catch_up")
    if live:
        lines.append(
            f"  live catch-up {live['events_per_s']:>8} events/s ({live['records']} records in "
            f"{live['seconds']} s, the service's own consumer; RSS {live['memory_after']['rss_mib']} MiB)"
        )
    local = f.get("in_process")
    if local:
        lines.append(
            f"  in-process  load {local['load_seconds']} s; cold year, all {local['units']} units "
            f"{local['cold_year_all_units_seconds']} s; "
            f"cold months {local['cold_months_all_units_seconds']} s; "
            f"warm year {local['warm_year_all_units_seconds']} s"
        )
    load = f.get("grpc")
    if load:
        latency = load["latency"]
        lines.append(
            f"  GetScorecard {load['clients']} clients: "
            f"p50 {latency['p50_ms']} ms, p99 {latency['p99_ms']} ms "
            f"({load['calls_per_s']} calls/s; bar p99 ≤ 10 ms)"
        )
    fresh = f.get("freshness")
    if fresh:
        stats = fresh["freshness"]
        lines.append(
            f"  freshness   p50 {stats['p50_ms']} ms, p99 {stats['p99_ms']} ms "
            f"over {stats['count']} probes at "
            f"{fresh['background_rate_achieved']} events/s (bar p99 ≤ 1 s)"
        )
    service = f.get("service")
    if service:
        lines.append(
            f"  service     start-up {service['startup_seconds']} s; "
            f"RSS {service['memory_end']['rss_mib']} MiB, "
            f"peak {service['memory_end']['peak_rss_mib']} MiB (bar ≤ 2 GB)"
        )
    return lines
