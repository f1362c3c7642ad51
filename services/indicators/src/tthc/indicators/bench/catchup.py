"""Live catch-up: the real service, started on an empty store with a new consumer group, consumes the whole
year from the topics (aiokafka through the service's own subscriber, batches applied as in production).

This is the projection's throughput from Kafka through the live path; `tthc.indicators.replay` (the rebuild
tool, kafka-python, manual assignment) is measured separately. The clock runs from starting the child
process until the group's committed offsets reach the end offsets captured before it started.
"""

from __future__ import annotations

import time
from typing import Any

from tthc.indicators.bench.memory import memory_mib
from tthc.indicators.bench.service import ServicePlan, indicators_service
from tthc.kit.kafka.lag import group_lag


class CatchUpStalledError(TimeoutError):
    """The service stopped making progress before it caught up."""


def live_catch_up(
    plan: ServicePlan, records: int, poll_s: float = 0.5, stall_s: float = 120.0
) -> dict[str, Any]:
    """Starts the service on `plan` (empty store, new group) and waits until it consumed `records`."""
    topics = (plan.dossier_topic, plan.catalog_topic)
    started = time.perf_counter()
    with indicators_service(plan) as service:
        last_move, last_lag = time.perf_counter(), records
        while (lag := group_lag(plan.bootstrap, plan.group_id, topics)) > 0:
            if lag != last_lag:
                last_move, last_lag = time.perf_counter(), lag
            elif time.perf_counter() - last_move > stall_s:
                raise CatchUpStalledError(f"still {lag} records behind after {stall_s} s without progress")
            time.sleep(poll_s)
        seconds = time.perf_counter() - started
        return {
            "records": records,
            "seconds": round(seconds, 2),
            "events_per_s": round(records / seconds, 1),
            "startup_seconds": round(service.startup_seconds, 2),
            "memory_after": memory_mib(service.pid),
        }
