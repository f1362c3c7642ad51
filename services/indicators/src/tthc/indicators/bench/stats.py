"""Latency statistics: percentiles of a list of seconds, reported in milliseconds."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """Count, p50, p90, p99 and max of `seconds`, in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 2),
        "p90_ms": round(percentile(seconds, 0.90) * 1000, 2),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
        "max_ms": round(max(seconds, default=0.0) * 1000, 2),
    }
