"""SIGKILL a relay process part-way through a large backlog, restart it: nothing lost, order kept per key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tthc.kit.eventstore import store_env
from tthc.kit.testing.kafka import fresh_topic, read_topic, topic_size
from tthc.kit.testing.relayed import copies_by_id, notification_ids, versions_by_key
from tthc.kit.testing.sample import TallyApp

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

TALLIES = 200
ROUNDS = 99  # 200 created + 200 * 99 added = 20,000 events


def _worker(store_url: str, bootstrap: str, topic: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tthc.kit.testing.relay_worker", store_url, bootstrap, topic,
               "--batch-size", "500", "--pause-s", "0.1"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _relayed_position(store_url: str) -> int:
    app = TallyApp(env=dict(store_env(store_url, TallyApp.name)))
    try:
        return app.factory.tracking_recorder().max_tracking_id(f"{app.name}->kafka") or 0
    finally:
        app.close()


def test_a_killed_relay_loses_nothing_and_keeps_per_key_order(store_url: str, kafka_bootstrap: str) -> None:
    app = TallyApp(env=dict(store_env(store_url, TallyApp.name)))
    app.add_many([app.open_tally(f"k{i}") for i in range(TALLIES)], ROUNDS)
    stored = app.recorder.max_notification_id()
    app.close()
    assert stored == TALLIES * (ROUNDS + 1)
    topic = fresh_topic(kafka_bootstrap, partitions=3)

    first = _worker(store_url, kafka_bootstrap, topic)
    deadline = time.monotonic() + 120
    while topic_size(kafka_bootstrap, topic) < 3000:
        assert first.poll() is None, first.communicate()[0]
        assert time.monotonic() < deadline, "relay made no progress"
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    killed_at = _relayed_position(store_url)
    assert killed_at < stored  # really killed part-way

    second = _worker(store_url, kafka_bootstrap, topic)
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output
    assert _relayed_position(store_url) == stored

    records = read_topic(kafka_bootstrap, topic)
    ids = notification_ids(records)
    assert sorted(set(ids)) == list(range(1, stored + 1))  # every event present
    assert len(ids) >= stored
    assert all(len(copies) == 1 for copies in copies_by_id(records).values())  # duplicates identical
    ordered = versions_by_key(records, drop_duplicates=True)
    assert len(ordered) == TALLIES
    assert all(versions == list(range(1, ROUNDS + 2)) for versions in ordered.values())
