"""Samples the relay once a second while a run goes on: stored position, relayed position, lag."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

from tthc.kit.relay import OutboxRelay


@dataclass(frozen=True)
class LagSample:
    """One reading: seconds since the run started, last stored and last relayed notification ids."""

    t: float
    stored: int
    relayed: int

    @property
    def lag(self) -> int:
        """Notifications stored but not yet relayed."""
        return max(0, self.stored - self.relayed)


class LagSampler(threading.Thread):
    """Reads the relay's position every ``interval_s`` until ``stop()``."""

    def __init__(self, relay: OutboxRelay, started: float, interval_s: float = 1.0) -> None:
        super().__init__(name="lag-sampler", daemon=True)
        self.relay = relay
        self.started = started
        self.interval_s = interval_s
        self.samples: list[LagSample] = []
        self._stop_requested = threading.Event()

    def run(self) -> None:
        while not self._stop_requested.wait(self.interval_s):
            self.samples.append(self.sample())

    def sample(self) -> LagSample:
        """Takes one reading now."""
        stored = self.relay.app.recorder.max_notification_id() or 0
        return LagSample(time.perf_counter() - self.started, stored, self.relay.position())

    def stop(self) -> None:
        """Stops sampling (returns once the thread ended)."""
        self._stop_requested.set()
        self.join()


def lag_summary(samples: list[LagSample], until: float | None = None) -> dict[str, float]:
    """Max, p50 and p95 of the lag (notifications) over the samples taken up to ``until`` seconds."""
    lags = [s.lag for s in samples if until is None or s.t <= until]
    if not lags:
        return {"max": 0, "p50": 0, "p95": 0, "samples": 0}
    ordered = sorted(lags)
    return {
        "max": ordered[-1],
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "samples": len(ordered),
    }
