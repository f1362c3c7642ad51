"""The real dossier service on the real Kafka spine: feed in over HTTP and Kafka, public events out.

Each test starts the service (build + serve, free ports) on a real store and the session's broker,
and judges what it left on the shared topics by the offsets it started from and its own dossier ids.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tthc.contracts import dossier_v1 as pub
from tthc.contracts.envelope import event_id
from tthc.dossier.bench.running import RunningService, running_service
from tthc.dossier.bench.topic_window import end_offsets, read_since
from tthc.dossier.domain.errors import DossierNotFoundError
from tthc.dossier.feed.client import FeedClient
from tthc.dossier.feed.simulator import Simulation, SimulationConfig, simulate
from tthc.kit.kafka.topics import DLQ_SUFFIX, DOSSIER_EVENTS, DOSSIER_FEED

from .spine import (
    StoredEvent,
    leaks,
    parse_public,
    personal_values,
    province_token,
    record_bytes,
    service_settings,
    stored_dossier_events,
)

pytestmark = pytest.mark.kafka


def push_over_http(running: RunningService, token: str, simulation: Simulation) -> None:
    with FeedClient(running.endpoints.http, token) as client:
        for batch in simulation.batches(50):
            answer = client.push(batch.kind, batch.records)
            assert answer["rejected"] == 0, answer


def feed_through_service(
    tmp_path: Path, store_url: str, bootstrap: str, simulation: Simulation
) -> tuple[list[StoredEvent], list[Any]]:
    """Runs the service, pushes the feed, waits for the relay; returns the stored events and the run's
    records of the public dossier topic."""
    token = province_token(tmp_path)
    before = end_offsets(bootstrap, DOSSIER_EVENTS)
    with running_service(service_settings(tmp_path, store_url, bootstrap)) as running:
        push_over_http(running, token, simulation)
        running.wait_until_relayed(timeout_s=180)
        stored = stored_dossier_events(running.service.app)
    ours = {str(event.dossier_id).encode() for event in stored}
    return stored, [r for r in read_since(bootstrap, DOSSIER_EVENTS, before) if r.key in ours]


def assert_public_topic_mirrors_the_store(
    stored: list[StoredEvent], records: list[Any], unit_of: dict[str, str]
) -> None:
    events = [parse_public(record.value) for record in records]
    expected = {event_id(e.dossier_id, e.version) for e in stored if e.public}
    copies = Counter(event.id for event in events)
    assert set(copies) == expected
    assert set(copies.values()) == {1}  # exactly one public event per stored event with a counterpart
    for record, event in zip(records, events, strict=True):
        assert record.key == str(event.data.dossier_id).encode()
        assert dict(record.headers)["ce-id"] == event.id.encode()
        assert event.id == event_id(event.data.dossier_id, event.sequence)
        assert (event.specversion, event.source, event.datacontenttype) == (
            "1.0",
            pub.SOURCE,
            "application/json",
        )
        assert event.subject == event.data.code
        assert event.unit == unit_of[event.subject]
        assert event.time.utcoffset() is not None


def assert_sequences_follow_the_aggregates(stored: list[StoredEvent], records: list[Any]) -> None:
    versions: dict[uuid.UUID, list[int]] = defaultdict(list)
    partitions: dict[uuid.UUID, set[int]] = defaultdict(set)
    for record in records:
        event = parse_public(record.value)
        versions[event.data.dossier_id].append(event.sequence)
        partitions[event.data.dossier_id].add(record.partition)
    silent = {(e.dossier_id, e.version) for e in stored if not e.public}
    final = {e.dossier_id: e.version for e in stored}  # log order: the last one is the aggregate's version
    assert set(versions) <= set(final)
    for dossier_id, version in final.items():
        published = versions.get(dossier_id, [])
        assert published == sorted(published), dossier_id  # in order
        missing = set(range(1, version + 1)) - set(published)
        assert {(dossier_id, v) for v in missing} <= silent, (dossier_id, published)  # no other gaps
        assert len(partitions[dossier_id]) <= 1  # one key, one partition


def run_simulation(units: tuple[str, ...], start: date, days: int, per_day: float) -> Simulation:
    return simulate(
        SimulationConfig(units=units, start=start, days=days, seed=48, dossiers_per_unit_day=per_day)
    )


@dataclass(frozen=True)
class Run:
    """One service run: the store kind and the simulated feed's units and period."""

    store: str
    units: tuple[str, ...]
    start: date
    days: int


@pytest.mark.parametrize(
    "run",
    [
        Run("sqlite", ("H48.40.01", "H48.40.02", "H48.30.01"), date(2024, 5, 6), 5),
        pytest.param(Run("postgres", ("H48.40.03",), date(2024, 6, 3), 3), marks=pytest.mark.postgres),
    ],
    ids=lambda run: run.store,
)
def test_every_stored_event_is_published_once_in_order_without_personal_data(
    run: Run, tmp_path: Path, kafka_bootstrap: str, request: pytest.FixtureRequest
) -> None:
    store_url = (
        f"sqlite:///{tmp_path / 'dossier.db'}"
        if run.store == "sqlite"
        else request.getfixturevalue("postgres_database")
    )
    simulation = run_simulation(run.units, run.start, run.days, per_day=4)
    stored, records = feed_through_service(tmp_path, store_url, kafka_bootstrap, simulation)

    assert len({e.dossier_id for e in stored}) == len(simulation.truths)
    assert any(not e.public for e in stored)  # some dossiers were opened to be received: no public Opened
    unit_of = {truth.code: truth.unit_code for truth in simulation.truths}
    assert_public_topic_mirrors_the_store(stored, records, unit_of)
    assert_sequences_follow_the_aggregates(stored, records)
    personal = personal_values(simulation)
    assert len(personal) > 3 * len(simulation.truths)  # names, id numbers, phones, e-mails, officers
    assert leaks((record_bytes(r) for r in records), personal) == set()


def test_a_leak_would_be_seen() -> None:
    """The personal-data check finds values in raw and JSON-escaped form (it is not vacuous)."""
    name = "Nguyễn Văn An"
    assert leaks([name.encode()], {name}) == {name}
    assert leaks([json.dumps({"n": name}).encode()], {name}) == {name}
    assert leaks([b"nothing here"], {name}) == set()


def wait_for(condition: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return result


def test_the_inbound_feed_topic_applies_records_and_dead_letters_garbage(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    from kafka import KafkaProducer

    simulation = run_simulation(("H48.40.04",), date(2024, 7, 1), 3, per_day=3)
    snapshots = [e.payload for e in simulation.emissions if e.kind == "dossiers"]
    last_status = {record["MaHoSo"]: int(record["TrangThaiHoSo"]) for record in snapshots}
    garbage = f"not json {{ {uuid.uuid4()}".encode()
    dlq = DOSSIER_FEED + DLQ_SUFFIX
    dlq_before = end_offsets(kafka_bootstrap, dlq)
    province_token(tmp_path)

    settings = service_settings(tmp_path, f"sqlite:///{tmp_path / 'dossier.db'}", kafka_bootstrap)
    with running_service(settings) as running:
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        for index in range(0, len(snapshots), 20):
            producer.send(DOSSIER_FEED, json.dumps(snapshots[index : index + 20]).encode(), key=b"H48.40.04")
        producer.send(DOSSIER_FEED, garbage, key=b"garbage")
        producer.flush()
        producer.close()

        def statuses() -> dict[str, int] | None:
            try:
                found = {code: int(running.service.app.get(code).status) for code in last_status}
            except DossierNotFoundError:
                return None
            return found if found == last_status else None

        assert wait_for(statuses, 90, "the feed records to be applied") == last_status
        dead = wait_for(
            lambda: [r for r in read_since(kafka_bootstrap, dlq, dlq_before) if r.value == garbage],
            60,
            "the garbage message on the DLQ",
        )

    headers = dict(dead[0].headers)
    assert headers["x-dlq-reason"].decode().startswith("not JSON")
    assert headers["x-original-topic"].decode() == DOSSIER_FEED
    ours = [
        r
        for r in read_since(kafka_bootstrap, dlq, dlq_before)
        if any(c.encode() in r.value for c in last_status)
    ]
    assert ours == []  # only the garbage was dead-lettered
