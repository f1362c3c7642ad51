"""Fixtures of the projection tests: a facts-store URL on each backend, and event builders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tthc.indicators.projection.decoding import InboundEvent, Position, from_envelope
from tthc.indicators.projection.scenarios import DossierScenario, Step, scenario_events

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2024, 3, 4, 8, tzinfo=VN)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty facts store: a SQLite file, or a new database on the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'facts.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def lifecycle(code: str = "HS-1", unit: str = "U1", *, registered: bool = False) -> DossierScenario:
    """A dossier received at T0, due 3 days later, started, resolved on time, returned and synced."""
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, code),
        code=code,
        unit_code=unit,
        procedure_code="P1",
        received_at=T0,
        due_at=T0 + timedelta(days=3),
        channel=2 if registered else 1,
        registered_at=T0 - timedelta(hours=5) if registered else None,
        steps=(
            Step("start", T0 + timedelta(hours=1)),
            Step("resolve", T0 + timedelta(days=1), number=1),
            Step("return", T0 + timedelta(days=2)),
            Step("synced", T0 + timedelta(days=2, hours=1)),
        ),
    )


def inbound(scenario: DossierScenario, topic: str = "tthc.dossier.events.v1") -> list[InboundEvent]:
    """The scenario's events as they come off Kafka (offsets numbered from 0)."""
    return [
        from_envelope(event, Position(topic, 0, offset, offset + 100))
        for offset, event in enumerate(scenario_events(scenario))
    ]


@pytest.fixture
def events_of() -> Callable[..., list[InboundEvent]]:
    """`events_of(scenario)` → its inbound events."""
    return inbound
