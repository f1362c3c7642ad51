"""The facts store on SQLite and on the real PostgreSQL server: exactly-once effects, parking, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest

from tthc.indicators.projection import sequencing
from tthc.indicators.projection.decoding import Stream, from_envelope
from tthc.indicators.projection.scenarios import expected_facts, procedure_changed
from tthc.indicators.projection.store import ConcurrentProjectionError, FactsStore
from tthc.indicators.replay import REPLAY_PAGE_CACHE_MIB, open_target

from .conftest import inbound, lifecycle


def reopened(store: FactsStore, url: str) -> FactsStore:
    store.close()
    return FactsStore.open(url)


def test_applied_facts_and_versions_survive_a_restart(store_url: str) -> None:
    events = inbound(lifecycle()) + inbound(lifecycle("HS-2", "U2", registered=True))
    store = FactsStore.open(store_url)
    stored = store.apply(events)
    assert (stored.result.applied, stored.result.duplicates, stored.result.parked) == (11, 0, 0)
    assert set(stored.dossiers) == {events[0].aggregate_id, events[-1].aggregate_id}
    store = reopened(store, store_url)
    assert sorted(store.dossiers(), key=lambda f: f.code) == [
        expected_facts(lifecycle()),
        expected_facts(lifecycle("HS-2", "U2", registered=True)),
    ]
    assert store.version(Stream.DOSSIER, events[0].aggregate_id) == events[4].sequence
    store.close()


def test_a_redelivered_batch_changes_nothing(store_url: str) -> None:
    events = inbound(lifecycle())
    store = FactsStore.open(store_url)
    store.apply(events)
    again = store.apply(events[2:] + events[:2])
    assert (again.result.applied, again.result.duplicates) == (0, 5)
    assert again.dossiers == {}
    assert list(store.dossiers()) == [expected_facts(lifecycle())]
    store.close()


def test_events_ahead_of_a_gap_are_kept_across_restarts_until_it_fills(store_url: str) -> None:
    received, started, resolved, returned, synced = inbound(lifecycle())
    store = FactsStore.open(store_url)
    first = store.apply([received, returned, resolved])
    assert (first.result.applied, first.result.parked) == (1, 2)
    store = reopened(store, store_url)
    assert store.pending_count() == 2
    assert store.apply([synced]).result.parked == 1
    last = store.apply([started])
    assert last.result.applied == 4
    assert store.pending_count() == 0
    assert list(store.dossiers()) == [expected_facts(lifecycle())]
    assert store.version(Stream.DOSSIER, received.aggregate_id) == synced.sequence
    store.close()


def test_an_exception_in_the_middle_of_a_batch_leaves_nothing_applied(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = inbound(lifecycle("HS-1"))
    other = inbound(lifecycle("HS-2"))
    store = FactsStore.open(store_url)
    real = sequencing.evolve_dossier
    calls = []

    def failing_on_the_seventh(facts, event_type, event):  # type: ignore[no-untyped-def]
        calls.append(event)
        if len(calls) == 7:
            raise RuntimeError("boom")
        return real(facts, event_type, event)

    monkeypatch.setattr(sequencing, "evolve_dossier", failing_on_the_seventh)
    with pytest.raises(RuntimeError, match="boom"):
        store.apply([good[0], good[3], *good[1:3], *other, good[4]])
    monkeypatch.undo()
    assert list(store.dossiers()) == []
    assert store.pending_count() == 0
    assert store.version(Stream.DOSSIER, good[0].aggregate_id) == 0
    assert store.apply(good + other).result.applied == 10
    store.close()


@pytest.mark.parametrize("applied_before", [0, 1])  # the loser reads the dossier absent, or at version 2
def test_a_writer_that_read_a_stale_version_is_rolled_back(store_url: str, applied_before: int) -> None:
    received, started, resolved, *_ = inbound(lifecycle())
    winner, loser = FactsStore.open(store_url), FactsStore.open(store_url)
    winner.apply([received][:applied_before])
    window = loser.window()
    window.add([received, started, resolved][applied_before:])  # reads the dossier's state now
    winner.apply([received, started][applied_before:])  # and the winner moves it on meanwhile
    with pytest.raises(ConcurrentProjectionError):
        window.commit()
    assert winner.version(Stream.DOSSIER, received.aggregate_id) == started.sequence
    assert winner.pending_count() == 0
    facts = next(iter(winner.dossiers()))
    assert facts.statuses[-1].at == started.data["at"]  # type: ignore[index]  # the loser's resolution was not written
    winner.close()
    loser.close()


def test_a_batch_moves_many_tracked_dossiers_at_once_and_one_stale_version_rolls_back_all(
    store_url: str,
) -> None:
    lives = [inbound(lifecycle(f"HS-{n}", f"U{n}")) for n in range(3)]
    store, loser = FactsStore.open(store_url), FactsStore.open(store_url)
    store.apply([event for events in lives for event in events[:2]])
    moved = store.apply([*lives[0][2:4], lives[1][2], *lives[2][2:4]])  # three tracking updates
    assert moved.result.applied == 5
    window = loser.window()
    window.add([lives[1][3], *(events[4] for events in lives)])  # reads all three
    store.apply([lives[1][3]])  # the second one moves on meanwhile: the loser's read of it is stale
    with pytest.raises(ConcurrentProjectionError):
        window.commit()
    assert [store.version(Stream.DOSSIER, events[0].aggregate_id) for events in lives] == [
        events[3].sequence for events in lives
    ]  # none of the three moved past their 4th event
    store.close()
    loser.close()


def test_tracking_records_the_upstream_position_of_the_last_applied_event(store_url: str) -> None:
    events = inbound(lifecycle())
    store = FactsStore.open(store_url)
    store.apply(events)
    with store._db.transaction() as cursor:
        cursor.execute("SELECT version, event_id, topic, kafka_offset, notification_id FROM tracking")
        rows = cursor.fetchall()
    last, where = events[-1], events[-1].position
    assert [tuple(row) for row in rows] == [
        (last.sequence, last.event_id, where.topic, where.offset, where.notification_id)
    ]
    store.close()


def test_procedures_keep_their_latest_snapshot(store_url: str) -> None:
    store = FactsStore.open(store_url)
    store.apply([from_envelope(procedure_changed("P1", 3, online_level="partial"))])
    stale = store.apply([from_envelope(procedure_changed("P1", 2, online_level="none"))])
    assert stale.result.duplicates == 1
    store = reopened(store, store_url)
    assert store.procedures()["P1"].procedure.online_level == "partial"
    assert store.version(Stream.PROCEDURE, "P1") == 3
    store.close()


def _page_cache_size(store: FactsStore) -> int:
    with store._db.reading() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchall()[0][0])


def test_a_replay_writes_through_a_larger_page_cache_than_a_plain_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'facts.db'}"
    target, plain = open_target(url), FactsStore.open(url)
    try:
        assert _page_cache_size(target) == -REPLAY_PAGE_CACHE_MIB * 1024  # negative: KiB, not pages
        assert _page_cache_size(plain) == -2000  # SQLite's default, ≈ 2 MiB
        scenario = lifecycle("HS-CACHE")
        target.apply(inbound(scenario))
        assert [facts.code for facts in plain.dossiers()] == [scenario.code]
    finally:
        target.close()
        plain.close()
