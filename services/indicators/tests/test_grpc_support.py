"""Shared builders of the gRPC and CLI tests (no tests here): a read model over synthetic events, a server.

The world: the shipped sample registry (Quảng Ngãi, H48), three procedures, 250 random dossiers received
between 10 Feb and 25 Mar 2024 in four units, all in a SQLite facts store; the clock stands at 20 Mar 2024.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import grpc
from prometheus_client import CollectorRegistry

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.entrypoints.grpc import build_indicators_grpc_server
from tthc.indicators.entrypoints.grpc_queries import ReadModel
from tthc.indicators.projection.decoding import InboundEvent, Position, from_envelope
from tthc.indicators.projection.scenarios import (
    DossierScenario,
    ScenarioSpace,
    Step,
    procedure_changed,
    random_scenarios,
    scenario_events,
)
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import load_unit_tree
from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from tthc.indicators.watch import ChangeNotifier
from tthc.kit.clock import VIETNAM, Clock, FixedClock

NOW = datetime(2024, 3, 20, 10, tzinfo=VIETNAM)
MARCH = Period.month(2024, 3)
PROVINCE, CITY, WARD, DEPARTMENT = "H48", "H48.30", "H48.30.01", "H48.01"
UNITS = [DEPARTMENT, WARD, "H48.30.02", "H48.40.01"]
CATALOGUE = [
    procedure_changed("P1", 1, online_level="full_process", has_fee=True),
    procedure_changed("P2", 1, online_level="partial", unit_level="province"),
    procedure_changed("P3", 1, online_level="none", legal_time_days=None),
]
SCENARIOS = random_scenarios(
    random.Random(766), 250, ScenarioSpace(UNITS, ["P1", "P2", "P3"], date(2024, 2, 10), 45, VIETNAM)
)


def inbound(scenario: DossierScenario, first_offset: int = 0) -> list[InboundEvent]:
    """The scenario's events as they come off Kafka."""
    return [
        from_envelope(event, Position("tthc.dossier.events.v1", 0, first_offset + n, None))
        for n, event in enumerate(scenario_events(scenario))
    ]


def pending(code: str, unit: str, received: datetime, due: datetime) -> DossierScenario:
    """A dossier received at `received`, started an hour later, still in processing, due at `due`."""
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, code),
        code=code,
        unit_code=unit,
        procedure_code="P1",
        received_at=received,
        due_at=due,
        steps=(Step("start", received + timedelta(hours=1)),),
    )


def build_world(store_url: str, clock: Clock, refresh_interval_s: float = 1.0) -> Indicators:
    """The read model of the world (see the module docstring), on the store at `store_url`."""
    model = Indicators(
        FactsStore.open(store_url), load_unit_tree(), clock, refresh_interval_s=refresh_interval_s
    )
    model.apply_batch([from_envelope(event) for event in CATALOGUE])
    model.apply_batch([event for scenario in SCENARIOS for event in inbound(scenario)])
    return model


def world_at(
    tmp_path: Path, now: datetime = NOW, refresh_interval_s: float = 1.0
) -> tuple[Indicators, FixedClock, str]:
    """A fresh world in `tmp_path`: the read model, its clock and the store URL."""
    clock = FixedClock(now)
    url = f"sqlite:///{tmp_path / 'facts.db'}"
    return build_world(url, clock, refresh_interval_s), clock, url


@asynccontextmanager
async def serving(
    model: ReadModel,
    clock: Clock,
    *,
    registry: CollectorRegistry | None = None,
    watch_interval: float = 0.05,
    notifier: ChangeNotifier | None = None,
) -> AsyncIterator[tuple[grpc.aio.Channel, int]]:
    """A started server for `model` on a free port, and a channel to it."""
    server, port = build_indicators_grpc_server(
        model,
        registry=registry or CollectorRegistry(),
        clock=clock,
        watch_interval=watch_interval,
        notifier=notifier,
    )
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel, port
    finally:
        await server.stop(grace=None)


def stub_of(channel: grpc.aio.Channel) -> pb_grpc.IndicatorServiceStub:
    """The service stub on a channel."""
    return pb_grpc.IndicatorServiceStub(channel)
