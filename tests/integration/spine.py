"""Helpers of the spine tests: settings of a real dossier service, and what its store and topic hold."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import CloudEvent
from tthc.dossier.bench.workload import write_token_file
from tthc.dossier.config import DossierSettings
from tthc.dossier.feed.simulator import Simulation
from tthc.dossier.outbox import DOSSIER_TOPIC_PREFIX

PROVINCE = "H48"
SECRET = "integration-tests-pseudonym-secret"
PERSONAL_FIELDS = ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email", "MaDoiTuong", "NguoiXuLy")


def service_settings(tmp_path: Path, store_url: str, bootstrap: str, **overrides: Any) -> DossierSettings:
    """Settings of a service on free ports with Kafka on, its feed token file in ``tmp_path``."""
    values: dict[str, Any] = {
        "store_url": store_url,
        "kafka_bootstrap_servers": bootstrap,
        "http_port": 0,
        "grpc_address": "127.0.0.1:0",
        "pseudonym_secret": SECRET,
        "feed_tokens_file": tmp_path / "tokens.yaml",
        **overrides,
    }
    return DossierSettings(**values)


def province_token(tmp_path: Path) -> str:
    """Writes the token file of ``service_settings`` (one token for the whole province); returns it."""
    return write_token_file(PROVINCE, tmp_path / "tokens.yaml")


@dataclass(frozen=True)
class StoredEvent:
    """A dossier event in the store, as the public topic should reflect it."""

    dossier_id: UUID
    version: int
    name: str
    public: bool  # False only for an Opened event of a dossier opened in order to be received


def stored_dossier_events(app: Any) -> list[StoredEvent]:
    """Every dossier event in the application's notification log, in log order."""
    return [_stored(app, n) for n in _notifications(app) if n.topic.startswith(DOSSIER_TOPIC_PREFIX)]


def _notifications(app: Any, page: int = 5000) -> Iterator[Notification]:
    position = 0
    while batch := app.recorder.select_notifications(position, page, inclusive_of_start=False):
        yield from batch
        position = batch[-1].id


def _stored(app: Any, notification: Notification) -> StoredEvent:
    event = app.mapper.to_domain_event(notification)
    name = type(event).__name__
    public = not (name == "Opened" and not event.registered)
    return StoredEvent(UUID(str(event.originator_id)), event.originator_version, name, public)


def parse_public(value: bytes) -> CloudEvent[Any]:
    """A record value as the CloudEvent of its declared type. Raises: pydantic.ValidationError, KeyError."""
    declared = json.loads(value)["type"]
    model: Any = CloudEvent[pub.EVENT_TYPES[declared]]  # type: ignore[valid-type]
    return model.model_validate_json(value)  # type: ignore[no-any-return]


def personal_values(simulation: Simulation) -> set[str]:
    """Every personal value the simulated feed carried (applicants' and officers' names, ids, phones...)."""
    values = {
        str(e.payload[field])
        for e in simulation.emissions
        for field in PERSONAL_FIELDS
        if e.payload.get(field)
    }
    return {value for value in values if len(value) >= 6}


def leaks(record_bytes: Iterable[bytes], values: set[str]) -> set[str]:
    """The values found in any of ``record_bytes``, raw UTF-8 or JSON-escaped."""
    blob = b"\n".join(record_bytes)
    forms = {value: (value.encode(), json.dumps(value)[1:-1].encode()) for value in values}
    return {value for value, encoded in forms.items() if any(form in blob for form in encoded)}


def record_bytes(record: Any) -> bytes:
    """Key, value and header values of a consumer record, concatenated."""
    headers = b"".join(name.encode() + value for name, value in record.headers)
    joined: bytes = (record.key or b"") + b"\n" + record.value + b"\n" + headers
    return joined
