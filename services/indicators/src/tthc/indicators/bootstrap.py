"""The indicators service's composition root: the read model, its Kafka consumer, gRPC and /metrics.

``build`` opens the facts store and wires metrics (starts nothing); ``serve`` starts gRPC
(``IndicatorService``), HTTP (``/metrics``, ``/healthz``) and the projection consumer, waits for a stop
signal, and stops them in reverse order. Every committed batch wakes the scorecard watchers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tthc.indicators.application import Indicators
from tthc.indicators.config import IndicatorsSettings
from tthc.indicators.domain.targets import load_targets_2024
from tthc.indicators.entrypoints.grpc import build_indicators_grpc_server
from tthc.indicators.entrypoints.kafka import build_broker
from tthc.indicators.metrics import IndicatorsMetrics
from tthc.indicators.metrics_batch import ConsumedBatch
from tthc.indicators.metrics_periods import MetricsPeriods
from tthc.indicators.watch import ChangeNotifier
from tthc.kit.clock import Clock, SystemClock
from tthc.kit.gctune import settle_long_lived_heap
from tthc.kit.http_server import start_http
from tthc.kit.metrics_http import metrics_route
from tthc.kit.worktime import default_calendar

log = logging.getLogger(__name__)


@dataclass
class IndicatorsService:
    """Every part of one indicators-service process, built but not started."""

    settings: IndicatorsSettings
    clock: Clock
    registry: CollectorRegistry
    indicators: Indicators
    metrics: IndicatorsMetrics
    notifier: ChangeNotifier
    settle_heap: bool = False
    """The process is this service's own: after the warm-up, move the warmed caches out of the collector's
    sight too (`tthc.kit.gctune`); off when the service shares a process (tests, the demo)."""

    def batch_committed(self, batch: ConsumedBatch) -> None:
        """The consumer's observer: count the batch, then wake the watchers."""
        self.metrics.observe_batch(batch)
        if batch.result is not None:
            self.notifier.notify()


@dataclass(frozen=True)
class IndicatorsEndpoints:
    """Where a running indicators service listens."""

    http: str
    grpc: str
    kafka: str


def build(settings: IndicatorsSettings, *, clock: Clock | None = None) -> IndicatorsService:
    """Opens the facts store and wires the metrics; starts nothing."""
    clock = clock or SystemClock()
    if settings.store_url.startswith("sqlite:///"):
        Path(settings.store_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    indicators = Indicators.open(
        settings.store_url,
        clock,
        units_file=settings.units_file,
        calendar=default_calendar(),
        refresh_interval_s=settings.refresh_interval_s,
    )
    registry = CollectorRegistry()
    metrics = IndicatorsMetrics.create(
        registry,
        clock=clock,
        indicators=indicators,
        periods=MetricsPeriods.parse(settings.metrics_periods),
        targets=[load_targets_2024()],
    )
    return IndicatorsService(settings, clock, registry, indicators, metrics, ChangeNotifier())


async def serve(
    service: IndicatorsService,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[IndicatorsEndpoints], Awaitable[None] | None] | None = None,
) -> None:
    """Runs the service until ``stop`` is set; calls ``on_ready`` once gRPC, HTTP and the consumer run."""
    settings = service.settings
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(service.indicators.close)
        server, port = build_indicators_grpc_server(
            service.indicators,
            address=settings.grpc_address,
            registry=service.registry,
            clock=service.clock,
            notifier=service.notifier,
        )
        await server.start()
        stack.push_async_callback(server.stop, 2.0)
        http = await start_http(_http_app(service), settings.http_host, settings.http_port, stack)
        broker = build_broker(settings, service.indicators, observer=service.batch_committed, logger=None)
        await broker.start()
        stack.push_async_callback(broker.stop)
        stack.callback(_start_warm_up(service).set)
        grpc_address = f"{settings.grpc_address.rsplit(':', 1)[0]}:{port}"
        endpoints = IndicatorsEndpoints(http=http, grpc=grpc_address, kafka=settings.kafka_bootstrap_servers)
        if on_ready is not None:
            result = on_ready(endpoints)
            if result is not None:
                await result
        await stop.wait()
        log.info("indicators service stopping")


def _start_warm_up(service: IndicatorsService) -> threading.Event:
    """Counts the exported periods' scorecards of every unit in the background (a province of millions of
    dossiers needs minutes for its first count; dashboards should not wait for it); returns its stop flag."""
    stop = threading.Event()
    periods = MetricsPeriods.parse(service.settings.metrics_periods).at(service.clock.now())

    def warm() -> None:
        started = time.monotonic()
        try:
            done = service.indicators.warm_up(periods, stop)
        except Exception:
            log.exception("warm-up failed; scorecards are counted on first request instead")
            return
        log.info("warm-up: %d scorecards counted in %.1f s", done, time.monotonic() - started)
        if service.settle_heap:
            settle_long_lived_heap()  # the warmed caches live as long as the facts

    threading.Thread(target=warm, name="indicators-warm-up", daemon=True).start()
    return stop


def _http_app(service: IndicatorsService) -> Starlette:
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[metrics_route(service.registry), Route("/healthz", healthz, methods=["GET"])])
