"""The real indicators service (`tthc indicators serve`) in a child process, for the gRPC measurements.

A child process has its own interpreter lock, so the clients of the benchmark do not slow the service down
and its resident memory is its own (read from /proc/<pid>/status).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tthc.kit.kafka.process import free_port


class ServiceStartError(RuntimeError):
    """The child service did not report ready in time."""


@dataclass(frozen=True)
class ServicePlan:
    """What the child service runs on."""

    store_url: str
    units_file: Path
    bootstrap: str
    dossier_topic: str
    catalog_topic: str
    group_id: str
    log_file: Path


@dataclass(frozen=True)
class RunningIndicators:
    """A started child service: its pid, gRPC address and how long it took to be ready."""

    pid: int
    grpc: str
    startup_seconds: float
    http: str = ""
    """host:port of the service's /metrics."""


@contextmanager
def indicators_service(plan: ServicePlan, ready_timeout_s: float = 600.0) -> Iterator[RunningIndicators]:
    """Starts the service, yields once it serves, stops it with SIGTERM."""
    port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "TTHC_INDICATORS_STORE_URL": plan.store_url,
        "TTHC_INDICATORS_UNITS_FILE": str(plan.units_file),
        "TTHC_INDICATORS_KAFKA_BOOTSTRAP_SERVERS": plan.bootstrap,
        "TTHC_INDICATORS_DOSSIER_TOPIC": plan.dossier_topic,
        "TTHC_INDICATORS_CATALOG_TOPIC": plan.catalog_topic,
        "TTHC_INDICATORS_GROUP_ID": plan.group_id,
        "TTHC_INDICATORS_GRPC_ADDRESS": f"127.0.0.1:{port}",
        "TTHC_INDICATORS_HTTP_PORT": str(http_port),
    }
    started = time.perf_counter()
    with plan.log_file.open("w") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "tthc.cli", "indicators", "serve"],
            env=env, stdout=subprocess.PIPE, stderr=log, text=True,
        )  # fmt: skip
        try:
            _wait_ready(child, ready_timeout_s)
            seconds = time.perf_counter() - started
            yield RunningIndicators(child.pid, f"127.0.0.1:{port}", seconds, f"127.0.0.1:{http_port}")
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_ready(child: subprocess.Popen[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    stdout = child.stdout
    if stdout is None:
        raise ServiceStartError("no stdout pipe")
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise ServiceStartError(f"the indicators service exited with {child.returncode}")
        readable, _, _ = select.select([stdout], [], [], 0.5)
        if readable and "service ready" in stdout.readline():
            return
    raise ServiceStartError(f"the indicators service was not ready after {timeout_s} s")


def projection_latency(http: str) -> dict[str, float]:
    """The service's projection latency since it started (Kafka record timestamp to the commit of the batch
    that applied it, `tthc_indicators_projection_latency_seconds`): count, mean and bucket bounds of the
    median and the 99th percentile, in milliseconds."""
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    with urlopen(f"http://{http}/metrics", timeout=120) as response:
        text = response.read().decode()
    buckets: list[tuple[float, float]] = []
    total = count = 0.0
    for family in text_string_to_metric_families(text):
        if family.name != "tthc_indicators_projection_latency_seconds":
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                buckets.append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_sum"):
                total = sample.value
            elif sample.name.endswith("_count"):
                count = sample.value
    buckets.sort()

    def bound(share: float) -> float:
        return next((le * 1000 for le, seen in buckets if seen >= share * count), float("inf"))

    mean = total / count * 1000 if count else 0.0
    return {
        "events": count,
        "mean_ms": round(mean, 1),
        "p50_bucket_ms": bound(0.5),
        "p99_bucket_ms": bound(0.99),
    }
