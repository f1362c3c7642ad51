"""Projection windows: many batches projected in memory and written once give the store that one
transaction per batch gives (duplicates, parked and drained events, rejected ones), with fewer writes; the
replay's windowed apply commits every N records and reports the offsets its windows cover."""

from __future__ import annotations

import dataclasses
import random
from types import SimpleNamespace
from typing import Any

from tthc.contracts.envelope import CloudEvent
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.projection.decoding import InboundEvent, Position, Stream, from_envelope
from tthc.indicators.projection.scenarios import (
    DossierScenario,
    ScenarioSpace,
    expected_facts,
    random_scenarios,
    scenario_events,
)
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.replay_apply import WindowedApply

from .conftest import T0, VN, inbound, lifecycle

SPACE = ScenarioSpace(["U1", "U2", "U3"], ["P1", "P2"], T0.date(), 20, VN)


def _delivery(seed: int, dossiers: int) -> tuple[list[InboundEvent], list[DossierScenario]]:
    """Events of random dossiers, interleaved across dossiers as a topic holds them, with a re-published
    range and one dossier's events swapped (parked, then drained); and the scenarios."""
    scenarios = random_scenarios(random.Random(seed), dossiers, SPACE)
    streams = [list(scenario_events(scenario)) for scenario in scenarios]
    streams[0][1], streams[0][2] = streams[0][2], streams[0][1]
    rng = random.Random(seed)
    order: list[CloudEvent[Any]] = []
    while any(streams):
        stream = rng.choice([s for s in streams if s])
        order.append(stream.pop(0))
    order += order[10:25]  # re-published copies
    events = [from_envelope(envelope, Position("d", 0, offset)) for offset, envelope in enumerate(order)]
    return events, scenarios


def _stored(store: FactsStore) -> tuple[dict[str, DossierFacts], int]:
    return {facts.dossier_id: facts for facts in store.dossiers()}, store.pending_count()


def test_one_window_over_many_batches_stores_what_a_transaction_per_batch_stores(store_url: str) -> None:
    events, scenarios = _delivery(seed=3, dossiers=40)
    batches = [events[start : start + 17] for start in range(0, len(events), 17)]
    per_batch = FactsStore.open("sqlite:///:memory:")
    results = [per_batch.apply(batch).result for batch in batches]

    windowed = FactsStore.open(store_url)
    window = windowed.window()
    for batch in batches:
        window.add(batch)
    stored = window.commit()

    assert (stored.result.applied, stored.result.duplicates) == (
        sum(r.applied for r in results),
        sum(r.duplicates for r in results),
    )
    assert stored.result.duplicates == 15
    assert _stored(windowed) == _stored(per_batch)
    assert _stored(windowed)[0] == {str(s.dossier_id): expected_facts(s) for s in scenarios}
    some = events[0].aggregate_id
    assert windowed.version(Stream.DOSSIER, some) == per_batch.version(Stream.DOSSIER, some)
    assert len(stored.changes) == 40  # each dossier's facts row written once, not once per batch
    assert windowed.last_change() < per_batch.last_change()
    windowed.close()
    per_batch.close()


def test_a_window_left_with_a_gap_keeps_the_parked_events_for_the_next_one(store_url: str) -> None:
    received, started, *rest = inbound(lifecycle())
    store = FactsStore.open(store_url)
    window = store.window()
    window.add([received])
    window.add(rest)
    assert window.commit().result.parked == len(rest)
    assert store.pending_count() == len(rest)
    later = store.window()
    later.add([started])
    assert later.commit().result.applied == 1 + len(rest)
    assert store.pending_count() == 0
    assert list(store.dossiers()) == [expected_facts(lifecycle())]
    store.close()


def test_facts_leave_a_window_immutable_and_the_next_window_does_not_change_them(store_url: str) -> None:
    received, started, *rest = inbound(lifecycle())
    store = FactsStore.open(store_url)
    first = store.window()
    first.add([received, started])
    committed = first.commit().dossiers[received.aggregate_id]  # also kept in the store's recent facts
    assert type(committed) is DossierFacts
    kept = dataclasses.astuple(committed)

    later = store.window()
    later.add(rest)
    final = later.commit().dossiers[received.aggregate_id]

    assert dataclasses.astuple(committed) == kept  # the next window evolved a copy, not the committed value
    assert type(final) is DossierFacts
    assert final == expected_facts(lifecycle())
    assert list(store.dossiers()) == [final]
    store.close()


def _records(events: list[InboundEvent]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            topic="d",
            partition=index % 2,
            offset=index // 2,
            key=None,
            headers=(),
            value=e.to_json().encode(),
        )
        for index, e in enumerate(events)
    ]


def test_the_windowed_apply_commits_every_n_records_with_the_offsets_it_covered() -> None:
    events, scenarios = _delivery(seed=5, dossiers=30)
    records = _records(events)
    store = FactsStore.open("sqlite:///:memory:")
    applier = WindowedApply(store, window_records=50)
    committed = []
    written = store.last_change()
    for start in range(0, len(records), 20):
        window = applier.add(records[start : start + 20])
        if window is None:
            assert store.last_change() == written  # nothing written until the window is full
        else:
            committed.append(window)
            written = store.last_change()
    tail = applier.commit()
    assert tail is not None
    committed.append(tail)
    assert applier.commit() is None  # nothing left

    assert [w.records for w in committed[:-1]] == [60] * (len(committed) - 1)  # 3 batches of 20 ≥ 50
    assert sum(w.records for w in committed) == len(records)
    assert sum(w.applied + w.duplicates for w in committed) == len(records)
    covered = committed[0].offsets
    assert covered == {("d", 0): 30, ("d", 1): 30}  # 60 records alternating partitions
    assert committed[-1].offsets == {
        ("d", part): max(r.offset for r in records if r.partition == part) + 1 for part in (0, 1)
    }
    assert {f.dossier_id: f for f in store.dossiers()} == {
        str(s.dossier_id): expected_facts(s) for s in scenarios
    }
    store.close()
