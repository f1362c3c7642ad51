"""Resident memory from /proc (psutil is not a dependency): current (VmRSS) and peak (VmHWM), in MiB."""

from __future__ import annotations

from pathlib import Path


def memory_mib(pid: int | str = "self") -> dict[str, float | None]:
    """``{"rss_mib": …, "peak_rss_mib": …}`` of process `pid` (None where /proc does not say)."""
    fields = {"VmRSS": "rss_mib", "VmHWM": "peak_rss_mib"}
    found: dict[str, float | None] = dict.fromkeys(fields.values())
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in fields:
            found[fields[name]] = round(int(value.split()[0]) / 1024, 1)
    return found
