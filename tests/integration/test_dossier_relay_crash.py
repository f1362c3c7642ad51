"""SIGKILL the real dossier service (``tthc dossier serve``) while its relay works through a large backlog.

After a restart a consumer sees every public event of the run, duplicates only as byte-identical copies,
per-dossier sequences in order; a consumer-group member that committed halfway resumes right after it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from tthc.contracts.envelope import event_id
from tthc.dossier.bench.topic_window import Offsets, end_offsets, read_since, records_since
from tthc.dossier.bootstrap import DossierService, build
from tthc.dossier.feed.auth import Caller
from tthc.dossier.feed.simulator import SimulationConfig, simulate
from tthc.kit.kafka.topics import DOSSIER_EVENTS
from tthc.kit.testing.relayed import header

from .spine import SECRET, StoredEvent, parse_public, service_settings, stored_dossier_events

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

UNITS = ("H48.40.01", "H48.40.02", "H48.40.03", "H48.40.04", "H48.40.05")
KILL_AFTER = 3000  # public records on the topic before the SIGKILL
MIN_EVENTS = 10_000


def fill_store(tmp_path: Path, store_url: str, bootstrap: str) -> list[StoredEvent]:
    """Takes a simulated feed straight into the store (no relay running); returns its dossier events."""
    config = SimulationConfig(units=UNITS, start=date(2024, 9, 9), days=14, seed=9, dossiers_per_unit_day=16)
    settings = service_settings(tmp_path, store_url, bootstrap, kafka_enabled=False, feed_tokens_file=None)
    service = build(settings)
    try:
        for batch in simulate(config).batches(200):
            ingest = service.intake.ingest if batch.kind == "dossiers" else service.intake.ingest_history
            ingest(list(batch.records), Caller.trusted())
        return stored_dossier_events(service.app)
    finally:
        service.app.close()


def start_service(store_url: str, bootstrap: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TTHC_DOSSIER_STORE_URL": store_url,
        "TTHC_DOSSIER_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "TTHC_DOSSIER_HTTP_PORT": "0",
        "TTHC_DOSSIER_GRPC_ADDRESS": "127.0.0.1:0",
        "TTHC_DOSSIER_PSEUDONYM_SECRET": SECRET,
        "TTHC_DOSSIER_RELAY_BATCH_SIZE": "200",
    }
    command = [sys.executable, "-c", "from tthc.cli.main import main; main()", "dossier", "serve"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for_records(process: subprocess.Popen[bytes], bootstrap: str, before: Offsets, log: Path) -> int:
    deadline = time.monotonic() + 180
    while (published := records_since(before, end_offsets(bootstrap, DOSSIER_EVENTS))) < KILL_AFTER:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"relay made no progress: {published} records\n{log.read_text()}"
        time.sleep(0.02)
    return published


def wait_until_relayed(observer: DossierService, process: subprocess.Popen[bytes], log: Path) -> None:
    assert observer.relay is not None
    deadline = time.monotonic() + 300
    while observer.relay.lag() > 0:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"relay still {observer.relay.lag()} behind\n{log.read_text()}"
        time.sleep(0.2)


def test_a_killed_service_relay_loses_nothing_and_a_group_resumes_after_its_commit(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    store_url = f"sqlite:///{tmp_path / 'dossier.db'}"
    stored = fill_store(tmp_path, store_url, kafka_bootstrap)
    public = [e for e in stored if e.public]
    assert len(stored) >= MIN_EVENTS
    before = end_offsets(kafka_bootstrap, DOSSIER_EVENTS)
    log = tmp_path / "service.log"

    first = start_service(store_url, kafka_bootstrap, log)
    published_at_kill = wait_for_records(first, kafka_bootstrap, before, log)
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(timeout=30) == -signal.SIGKILL
    assert records_since(before, end_offsets(kafka_bootstrap, DOSSIER_EVENTS)) < len(public)  # part-way

    observer = build(service_settings(tmp_path, store_url, kafka_bootstrap, feed_tokens_file=None))
    assert observer.relay is not None
    unacknowledged = resent_after(
        observer.relay.position(), read_since(kafka_bootstrap, DOSSIER_EVENTS, before)
    )
    second = start_service(store_url, kafka_bootstrap, log)
    try:
        wait_until_relayed(observer, second, log)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, log.read_text()
        observer.app.close()

    ours = {str(e.dossier_id).encode() for e in stored}
    records = [r for r in read_since(kafka_bootstrap, DOSSIER_EVENTS, before) if r.key in ours]
    assert published_at_kill >= KILL_AFTER
    assert_every_event_once_in_order(stored, records)
    copies = Counter(parse_public(r.value).id for r in records)
    assert {i for i, n in copies.items() if n > 1} == unacknowledged  # exactly the batch cut by the kill
    assert max(copies.values()) <= 2
    asyncio.run(assert_group_resumes_after_commit(kafka_bootstrap, before))


def resent_after(tracked: int, records_at_kill: list[Any]) -> set[str]:
    """Ids of the records on the topic whose notification the relay had not recorded as relayed: the
    restarted relay sends them again."""
    return {
        parse_public(r.value).id for r in records_at_kill if int(header(r, "es-notification-id")) > tracked
    }


def assert_every_event_once_in_order(stored: list[StoredEvent], records: list[Any]) -> None:
    copies: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    sequences: dict[UUID, list[int]] = defaultdict(list)
    for record in records:
        event = parse_public(record.value)
        if event.id not in copies:
            sequences[event.data.dossier_id].append(event.sequence)
        copies[event.id].add((record.key, record.value, tuple(record.headers)))
    assert set(copies) == {event_id(e.dossier_id, e.version) for e in stored if e.public}
    assert all(len(distinct) == 1 for distinct in copies.values())  # duplicates are identical
    silent = {(e.dossier_id, e.version) for e in stored if not e.public}
    final = {e.dossier_id: e.version for e in stored}
    for dossier_id, version in final.items():
        seen = sequences[dossier_id]
        assert seen == sorted(set(seen)), dossier_id  # in order, once each after dropping duplicates
        assert {(dossier_id, v) for v in set(range(1, version + 1)) - set(seen)} <= silent


async def assert_group_resumes_after_commit(bootstrap: str, start: Offsets) -> None:
    group = f"crash-test-{time.time_ns()}"
    end = end_offsets(bootstrap, DOSSIER_EVENTS)
    await commit_as_group(bootstrap, group, start)
    half = records_since(start, end) // 2
    first = await consume_in_group(bootstrap, group, lambda seen: sum(map(len, seen.values())) >= half)
    committed = {p: first[p][-1] + 1 if first.get(p) else start[p] for p in start}
    await commit_as_group(bootstrap, group, committed, only_if_member_left=True)
    second = await consume_in_group(
        bootstrap, group, lambda seen: all(_next(seen, p, committed) >= end[p] for p in end)
    )
    for partition in end:
        head, tail = first.get(partition, []), second.get(partition, [])
        if tail:
            assert tail[0] == committed[partition]  # resumed exactly after the commit
        assert head + tail == list(range(start[partition], end[partition]))  # no gap, no overlap


def _next(seen: dict[int, list[int]], partition: int, committed: Offsets) -> int:
    offsets = seen.get(partition)
    return offsets[-1] + 1 if offsets else committed[partition]


async def commit_as_group(
    bootstrap: str, group: str, offsets: Offsets, *, only_if_member_left: bool = False
) -> None:
    """Commits ``offsets`` for ``group`` without joining it (the first member starts there)."""
    if only_if_member_left:
        return  # the member committed these itself before leaving
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(DOSSIER_EVENTS, p) for p in offsets])
        await consumer.commit({TopicPartition(DOSSIER_EVENTS, p): o for p, o in offsets.items()})
    finally:
        await consumer.stop()


async def consume_in_group(bootstrap: str, group: str, enough: Any) -> dict[int, list[int]]:
    """Joins ``group``, reads until ``enough(offsets seen per partition)``, commits exactly what it read."""
    consumer = AIOKafkaConsumer(
        DOSSIER_EVENTS, bootstrap_servers=bootstrap, group_id=group,
        enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=500,
    )  # fmt: skip
    await consumer.start()
    seen: dict[int, list[int]] = defaultdict(list)
    try:
        deadline = time.monotonic() + 120
        while not enough(seen):
            assert time.monotonic() < deadline, {p: len(o) for p, o in seen.items()}
            for tp, batch in (await consumer.getmany(timeout_ms=500, max_records=200)).items():
                seen[tp.partition].extend(r.offset for r in batch)
        commits = {
            TopicPartition(DOSSIER_EVENTS, p): offsets[-1] + 1 for p, offsets in seen.items() if offsets
        }
        if commits:
            await consumer.commit(commits)
    finally:
        await consumer.stop()
    return dict(seen)
