"""The dossier service's composition root: builds every part from settings, then runs them together.

``build`` wires the application, feed intake, relay and metrics without starting anything;
``serve`` starts gRPC, HTTP (feed + /metrics), the outbox relay and the Kafka feed consumer, waits for a
stop signal, and stops them in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry

from tthc.dossier.config import DossierSettings
from tthc.dossier.domain.catalogue import load_catalogue
from tthc.dossier.domain.procedure_values import PublishingAuthority
from tthc.dossier.domain.units import UnitRegistry, load_units
from tthc.dossier.entrypoints.grpc import build_dossier_grpc_server
from tthc.dossier.entrypoints.http import build_http_app
from tthc.dossier.feed.auth import TokenAuth, load_token_file
from tthc.dossier.feed.intake import FeedIntake
from tthc.dossier.feed.store import open_feed_store
from tthc.dossier.integration_catalog import procedure_public_event
from tthc.dossier.metrics import DossierMetrics
from tthc.dossier.observed import ObservedDossiers, SingleWriter
from tthc.dossier.outbox import OutboxMapper
from tthc.kit.clock import Clock, SystemClock
from tthc.kit.eventstore import store_env
from tthc.kit.http_server import start_http
from tthc.kit.kafka.topics import ensure_topics, suite_topics
from tthc.kit.metrics_http import metrics_route
from tthc.kit.pseudonym import Pseudonymizer
from tthc.kit.relay import OutboxRelay, PrometheusRelayObserver
from tthc.kit.worktime import WorkingCalendar, WorkingHours, default_calendar

log = logging.getLogger(__name__)


@dataclass
class DossierService:
    """Every part of one dossier-service process, built but not started."""

    settings: DossierSettings
    clock: Clock
    registry: CollectorRegistry
    metrics: DossierMetrics
    units: UnitRegistry
    calendar: WorkingCalendar
    app: ObservedDossiers
    writer: SingleWriter
    intake: FeedIntake
    relay: OutboxRelay | None


@dataclass(frozen=True)
class Endpoints:
    """Where a running dossier service listens."""

    http: str
    grpc: str
    kafka: str | None

    @property
    def feed_url(self) -> str:
        return f"{self.http}/v1/feed/dossiers"

    @property
    def metrics_url(self) -> str:
        return f"{self.http}/metrics"


def build(settings: DossierSettings, *, clock: Clock | None = None) -> DossierService:
    """Builds the service from ``settings`` (opens the store and loads the catalogue; starts nothing)."""
    clock = clock or SystemClock()
    registry = CollectorRegistry()
    metrics = DossierMetrics.create(registry)
    units = load_units(settings.units_file)
    calendar = default_calendar(WorkingHours.parse(settings.working_hours))
    _ensure_store_directory(settings.store_url)
    app = ObservedDossiers(
        # The service is the store's single writer, so a cache of recently used aggregates is safe.
        env={**store_env(settings.store_url, "Dossiers"), "AGGREGATE_CACHE_MAXSIZE": "20000"},
        clock=clock,
        calendar=calendar,
        pseudonymizer=Pseudonymizer(settings.pseudonym_secret.get_secret_value().encode()),
        units=units,
        metrics=metrics,
    )
    app.register_procedures(load_catalogue(settings.catalogue_file))
    writer = SingleWriter(app, metrics)
    intake = FeedIntake(
        writer,
        units,
        _auth(settings, units),
        store=open_feed_store(settings.store_url),
        clock=clock,
        on_record=lambda outcome, reason: metrics.feed_records.labels(outcome=outcome, reason=reason).inc(),
    )
    relay = _relay(settings, app, metrics, calendar) if settings.kafka_enabled else None
    return DossierService(settings, clock, registry, metrics, units, calendar, app, writer, intake, relay)


def _auth(settings: DossierSettings, units: UnitRegistry) -> TokenAuth | None:
    if settings.feed_tokens_file is None:
        return None
    return TokenAuth(load_token_file(settings.feed_tokens_file), units)


def _relay(
    settings: DossierSettings, app: ObservedDossiers, metrics: DossierMetrics, calendar: WorkingCalendar
) -> OutboxRelay:
    mapper = OutboxMapper(
        app.mapper,
        lambda aggregate_id, version: app.repository.get(aggregate_id, version=version),
        lambda event, procedure: procedure_public_event(
            event, procedure, calendar, PublishingAuthority.PROVINCE
        ),
    )
    observer = PrometheusRelayObserver(
        metrics.relay_published, metrics.relay_batch_seconds, metrics.relay_position, metrics.relay_failures
    )
    relay = OutboxRelay(
        app,
        mapper,
        settings.kafka_bootstrap_servers,
        name="Dossiers->kafka",
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_seconds,
        observer=observer,
    )
    metrics.relay_lag.set_function(relay.lag)
    app.on_saved = relay.nudge
    return relay


def _ensure_store_directory(store_url: str) -> None:
    if store_url.startswith("sqlite:///"):
        Path(store_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


async def serve(
    service: DossierService,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[Endpoints], Awaitable[None] | None] | None = None,
) -> None:
    """Runs the service until ``stop`` is set; calls ``on_ready`` with the endpoints once all listen."""
    async with contextlib.AsyncExitStack() as stack:
        grpc_address = await _start_grpc(service, stack)
        http_address = await _start_http(service, stack)
        relay = service.relay
        kafka = await _start_kafka(service, relay, stack) if relay is not None else None
        endpoints = Endpoints(http=http_address, grpc=grpc_address, kafka=kafka)
        if on_ready is not None:
            result = on_ready(endpoints)
            if result is not None:
                await result
        await stop.wait()
        log.info("dossier service stopping")


async def _start_grpc(service: DossierService, stack: contextlib.AsyncExitStack) -> str:
    server, port = build_dossier_grpc_server(
        service.writer, address=service.settings.grpc_address, registry=service.registry
    )
    await server.start()
    stack.push_async_callback(server.stop, 2.0)
    host = service.settings.grpc_address.rsplit(":", 1)[0]
    return f"{host}:{port}"


async def _start_http(service: DossierService, stack: contextlib.AsyncExitStack) -> str:
    http_app = build_http_app(
        service.intake,
        extra_routes=[metrics_route(service.registry)],
        max_body_bytes=service.settings.max_feed_body_bytes,
    )
    return await start_http(http_app, service.settings.http_host, service.settings.http_port, stack)


async def _start_kafka(service: DossierService, relay: OutboxRelay, stack: contextlib.AsyncExitStack) -> str:
    from faststream.kafka import KafkaBroker

    from tthc.dossier.entrypoints.kafka import build_feed_router

    bootstrap = service.settings.kafka_bootstrap_servers
    await asyncio.to_thread(ensure_topics, bootstrap, suite_topics())
    await relay.open()
    stack.push_async_callback(relay.close)
    relay_task = asyncio.create_task(relay.run(), name="dossier-relay")

    async def stop_relay() -> None:
        relay.request_stop()
        await relay_task

    stack.push_async_callback(stop_relay)
    broker = KafkaBroker(bootstrap, logger=None)
    broker.include_router(build_feed_router(service.intake))
    await broker.start()
    stack.push_async_callback(broker.stop)
    return bootstrap
