"""Fault tests of the indicators projection with real worker processes on the real broker.

- A worker SIGKILLed while it works through a backlog, then restarted, ends with the scorecards (and every
  dossier's facts) of a clean replay of the same topics into a fresh store.
- Events re-published while a worker runs (same CloudEvent ids, new offsets) are counted as duplicates and
  change nothing.
- Two workers in one consumer group share a PostgreSQL store over a 3-partition topic; one is SIGKILLed
  part-way; the survivor takes over its partitions after the rebalance; any instance's read model, refreshed
  from the shared store, answers like a single-instance clean replay.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tthc.indicators.application import Indicators
from tthc.indicators.projection.store import FactsStore
from tthc.kit.clock import FixedClock

from .indicators_support import (
    CATALOGUE,
    MARCH,
    NOW,
    TREE,
    UNITS,
    Topics,
    Worker,
    clean_replay,
    dossier_facts,
    events_of,
    scenarios,
    scorecards,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def _progress(topics: Topics, at_least: int) -> bool:
    done, _ = topics.committed()
    return done >= at_least


async def test_a_killed_worker_restarts_and_ends_like_a_clean_replay(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    dossiers = scenarios(900, seed=21)
    published = await topics.publish(CATALOGUE) + await topics.publish(events_of(dossiers))
    store_url = f"sqlite:///{tmp_path / 'facts.db'}"
    first = Worker.start(topics, store_url, tmp_path / "first.log", max_records=50)
    try:
        waited = wait_for(lambda: _progress(topics, 1000), 60, "the first worker to commit 1000 records")
        assert first.alive(), first.log.read_text()[-2000:]
        first.kill()
    finally:
        first.ensure_stopped()
    killed_at, total = topics.committed()
    assert killed_at < total == published  # really killed mid-stream

    started = time.monotonic()
    second = Worker.start(topics, store_url, tmp_path / "second.log", max_records=50)
    try:
        wait_for(lambda: topics.lag() == 0, 90, "the restarted worker to catch up")
    finally:
        _, applied, duplicates, parked, _ = second.stop()
    caught_up = time.monotonic() - started
    print(
        f"\nkill: {published} records, killed at {killed_at} committed after {waited:.1f} s; restarted "
        f"worker applied {applied}, skipped {duplicates} duplicates, caught up in {caught_up:.1f} s"
    )
    assert applied + duplicates == published - killed_at  # resumed at the committed offsets, read once
    assert parked == 0

    replayed = f"sqlite:///{tmp_path / 'replayed.db'}"
    report = await asyncio.to_thread(clean_replay, topics, replayed)
    print(f"clean replay: {report.records} records, {report.events_per_second:,.0f} events/s")
    assert report.applied == published
    assert scorecards(store_url) == scorecards(replayed)
    assert dossier_facts(store_url) == dossier_facts(replayed)
    assert len(dossier_facts(store_url)) == len(dossiers)


async def test_events_republished_while_a_worker_runs_are_counted_as_duplicates(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    events = events_of(scenarios(500, seed=22))
    published = await topics.publish(CATALOGUE) + await topics.publish(events)
    store_url = f"sqlite:///{tmp_path / 'facts.db'}"
    worker = Worker.start(topics, store_url, tmp_path / "worker.log", max_records=200)
    try:
        wait_for(lambda: topics.lag() == 0, 60, "the worker to catch up")
        before = scorecards(store_url)
        copies = await topics.publish(events[700:1300])
        wait_for(lambda: topics.lag() == 0, 60, "the worker to read the copies")
        assert scorecards(store_url) == before
    finally:
        _, applied, duplicates, _, _ = worker.stop()
    assert (applied, duplicates) == (published, copies)
    replayed = f"sqlite:///{tmp_path / 'replayed.db'}"
    await asyncio.to_thread(clean_replay, topics, replayed)
    assert scorecards(replayed) == before


def _assignments(topics: Topics) -> list[set[tuple[str, int]]]:
    """The partitions of each member of the group (empty list while it has no stable membership)."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    admin = KafkaAdminClient(bootstrap_servers=topics.bootstrap)
    try:
        group = admin.describe_groups([topics.group])[topics.group]
    except KafkaError:  # e.g. no coordinator yet on a fresh broker
        return []
    finally:
        admin.close()
    if group.get("group_state") != "Stable":
        return []
    return [_partitions(member.get("member_assignment")) for member in group.get("members", [])]


def _partitions(assignment: Any) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    if isinstance(assignment, dict):
        for topic_partitions in assignment.get("assigned_partitions", ()):
            topic = topic_partitions.get("topic")
            found |= {(topic, partition) for partition in topic_partitions.get("partitions", ())}
    return found


@pytest.mark.postgres
async def test_two_workers_share_a_store_and_the_survivor_takes_over(
    kafka_bootstrap: str, postgres_database: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    reader = Indicators(FactsStore.open(postgres_database), TREE, FixedClock(NOW), refresh_interval_s=0)
    workers = [
        Worker.start(topics, postgres_database, tmp_path / f"worker-{n}.log", max_records=50) for n in (1, 2)
    ]
    try:
        wait_for(lambda: len(_assignments(topics)) == 2, 60, "both workers in the group")
        owned = _assignments(topics)
        assert all(len(partitions) >= 1 for partitions in owned), owned
        dossiers = scenarios(900, seed=23)
        published = await topics.publish(CATALOGUE) + await topics.publish(events_of(dossiers[:500]))
        wait_for(lambda: _progress(topics, 1500), 60, "the workers to commit 1500 records")
        workers[0].kill()
        killed_at, _ = topics.committed()
        # the stream goes on: the dead worker's partitions get new records only the survivor can consume
        published += await topics.publish(events_of(dossiers[500:]))
        started = time.monotonic()
        wait_for(lambda: topics.lag() == 0, 120, "the survivor to take over and catch up")
        taken_over = time.monotonic() - started
        survivor_only = _assignments(topics)
    except BaseException:
        for worker in workers:
            worker.ensure_stopped()
        raise
    survivor = workers[1].stop()
    print(
        f"\nscale-out: {published} records; partitions {owned}; one worker killed at {killed_at} committed; "
        f"survivor applied {survivor[1]}, skipped {survivor[2]} duplicates, caught up in {taken_over:.1f} s"
    )
    assert len(survivor_only) == 1
    assert len(survivor_only[0]) == 4  # 3 dossier partitions and the catalogue's

    assert reader.refresh() > 0  # the reader applied nothing itself: it learnt everything from the store
    replayed = f"sqlite:///{tmp_path / 'replayed.db'}"
    report = await asyncio.to_thread(clean_replay, topics, replayed)
    assert (report.applied, report.duplicates) == (published, 0)
    expected = scorecards(replayed)
    assert {unit: reader.scorecard(unit, MARCH) for unit in UNITS} == expected
    reader.close()
    assert scorecards(postgres_database) == expected  # a read model opened afterwards agrees
    assert dossier_facts(postgres_database) == dossier_facts(replayed)
