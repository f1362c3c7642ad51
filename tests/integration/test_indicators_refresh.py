"""Read models sharing one facts store (scale-out): each answers for every unit after a refresh.

Each instance applies only its own share of the events (as with partitions split in a consumer group) and
learns the rest from the store's change sequence. On PostgreSQL, writers commit concurrently while a reader
refreshes incrementally the whole time: it must not skip a change (the counter orders the commits).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path

import pytest

from tthc.indicators.application import Indicators
from tthc.indicators.projection.decoding import InboundEvent, Position, from_envelope
from tthc.indicators.projection.store import FactsStore
from tthc.kit.clock import FixedClock

from .indicators_support import CATALOGUE, MARCH, NOW, TREE, UNITS, events_of, scenarios


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def _inbound(seed: int, count: int) -> list[InboundEvent]:
    envelopes = events_of(scenarios(count, seed))
    return [from_envelope(event, Position("t", 0, offset)) for offset, event in enumerate(envelopes)]


def _read_model(url: str, refresh_interval_s: float = 0) -> Indicators:
    return Indicators(FactsStore.open(url), TREE, FixedClock(NOW), refresh_interval_s=refresh_interval_s)


def _cards(indicators: Indicators) -> dict[str, object]:
    return {unit: indicators.scorecard(unit, MARCH) for unit in UNITS}


def _single_instance(directory: Path, events: list[InboundEvent]) -> dict[str, object]:
    alone = _read_model(f"sqlite:///{directory / 'alone.db'}")
    alone.apply_batch(events)
    try:
        return _cards(alone)
    finally:
        alone.close()


def test_each_instance_answers_for_the_units_the_other_projected(store_url: str, tmp_path: Path) -> None:
    catalogue = [from_envelope(event) for event in CATALOGUE]
    events = _inbound(31, 300)
    half = len(events) // 2
    first, second = _read_model(store_url), _read_model(store_url, refresh_interval_s=3600)
    first.apply_batch(catalogue + events[:half])
    second.apply_batch(events[half:])
    expected = _single_instance(tmp_path, catalogue + events)

    assert _cards(first) == expected  # refreshes before every query (interval 0)
    assert _cards(second) != expected  # within its staleness bound it has not looked yet
    written_by_first = 2 + len({e.aggregate_id for e in events[:half] if e.stream.value == "dossier"})
    assert second.refresh() >= written_by_first
    assert _cards(second) == expected
    assert second.refresh() == 0  # nothing new; its own writes are not read back
    late = _read_model(store_url)
    assert _cards(late) == expected
    for model in (first, second, late):
        model.close()


@pytest.mark.postgres
def test_a_reader_refreshing_during_concurrent_commits_misses_nothing(
    postgres_database: str, tmp_path: Path
) -> None:
    catalogue = [from_envelope(event) for event in CATALOGUE]
    events = _inbound(32, 600)
    shares = [[e for e in events if uuid.UUID(e.aggregate_id).int % 4 == n] for n in range(4)]  # by dossier
    reader = _read_model(postgres_database)
    reader.apply_batch(catalogue)
    done = threading.Event()

    def write(share: list[InboundEvent]) -> None:
        store = FactsStore.open(postgres_database)
        for start in range(0, len(share), 40):
            store.apply(share[start : start + 40])
        store.close()

    writers = [threading.Thread(target=write, args=(share,)) for share in shares]
    for writer in writers:
        writer.start()
    refreshes = 0

    def keep_refreshing() -> None:
        nonlocal refreshes
        while not done.is_set():
            reader.refresh()
            refreshes += 1

    refresher = threading.Thread(target=keep_refreshing)
    refresher.start()
    for writer in writers:
        writer.join(timeout=120)
    done.set()
    refresher.join(timeout=60)
    reader.refresh()
    assert refreshes > 5
    assert _cards(reader) == _single_instance(tmp_path, catalogue + events)
    reader.close()


def test_a_store_from_before_the_change_sequence_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    store = FactsStore.open(url)
    store.apply([from_envelope(event) for event in CATALOGUE] + _inbound(33, 20))
    store.close()
    with sqlite3.connect(path) as connection:  # the tables as they were before the change sequence
        for table in ("dossier_facts", "procedure_facts"):
            connection.execute(f"DROP INDEX {table}_by_change")
            connection.execute(f"ALTER TABLE {table} DROP COLUMN change_seq")
        connection.execute("DROP TABLE change_counter")
    catalogue = [from_envelope(event) for event in CATALOGUE]
    upgraded, other = _read_model(url), _read_model(url)
    assert _cards(upgraded) == _single_instance(tmp_path / "a", catalogue + _inbound(33, 20))
    upgraded.apply_batch(_inbound(34, 10))
    assert upgraded.refresh() == 0  # its own write followed the last change it had seen: nothing to re-read
    assert other.refresh() == 10
    assert _cards(other) == _single_instance(tmp_path / "b", catalogue + _inbound(33, 20) + _inbound(34, 10))
    upgraded.close()
    other.close()
