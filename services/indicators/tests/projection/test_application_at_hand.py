"""`Indicators.cached_scorecard`: the scorecard when it is at hand, else None at once (never counts or waits).

The gRPC service answers on its event loop with it, so it must never count, read the store or wait for a
batch; and what it returns must be what `scorecard` returns.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tthc.indicators import read_model
from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.projection import facts_cache
from tthc.indicators.projection.decoding import from_envelope
from tthc.indicators.projection.store import FactsStore
from tthc.kit.clock import FixedClock

from .conftest import inbound
from .test_application import CATALOGUE, MARCH, NOW, SCENARIOS, TREE, direct_scorecard, pending

UNITS = [unit.code for unit in TREE]
HOUR = 3600.0


def read_model_of(store_url: str, clock: FixedClock, refresh_interval_s: float = HOUR) -> Indicators:
    model = Indicators(FactsStore.open(store_url), TREE, clock, refresh_interval_s=refresh_interval_s)
    model.apply_batch([from_envelope(event) for event in CATALOGUE])
    model.apply_batch([event for scenario in SCENARIOS for event in inbound(scenario)])
    return model


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def indicators(store_url: str, clock: FixedClock) -> Indicators:
    return read_model_of(store_url, clock)


def no_counting(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object, **__: object) -> None:
        raise AssertionError("counted")

    monkeypatch.setattr(read_model, "count_missing", fail)


def test_nothing_is_at_hand_before_a_count_and_the_counted_scorecard_is_after(
    indicators: Indicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        no_counting(patched)
        assert [indicators.cached_scorecard(unit, MARCH) for unit in UNITS] == [None] * len(UNITS)

    counted = {unit: indicators.scorecard(unit, MARCH) for unit in UNITS}

    no_counting(monkeypatch)
    for unit in UNITS:
        assert indicators.cached_scorecard(unit, MARCH) is counted[unit]
        assert counted[unit] == direct_scorecard(unit, NOW, SCENARIOS)
    assert indicators.cached_scorecard("H", Period.month(2024, 2)) is None  # another period: not counted


def test_new_facts_take_their_pool_and_its_ancestors_off_hand_until_counted_again(
    indicators: Indicators,
) -> None:
    for unit in UNITS:
        indicators.scorecard(unit, MARCH)
    extra = pending("NEW-1", "H.30.01", NOW + timedelta(days=5))

    indicators.apply_batch(inbound(extra))

    at_hand = {unit for unit in UNITS if indicators.cached_scorecard(unit, MARCH) is not None}
    assert at_hand == {"H.01", "H.30.02"}  # the other branches; H.30.01, H.30 and H must be counted
    again = indicators.scorecard("H.30.01", MARCH)
    assert indicators.cached_scorecard("H.30.01", MARCH) is again
    assert again == direct_scorecard("H.30.01", NOW, [*SCENARIOS, extra])


def test_a_clock_past_a_pending_due_date_takes_the_scorecard_off_hand(
    indicators: Indicators, clock: FixedClock
) -> None:
    late_soon = pending("PENDING-1", "H.30.02", NOW + timedelta(days=1))
    indicators.apply_batch(inbound(late_soon))
    before = indicators.scorecard("H.30.02", MARCH)
    assert indicators.cached_scorecard("H.30.02", MARCH) is before

    clock.set(NOW + timedelta(days=2))  # the pending dossier turns overdue with no event

    assert indicators.cached_scorecard("H.30.02", MARCH) is None
    later = indicators.scorecard("H.30.02", MARCH)
    assert later == direct_scorecard("H.30.02", NOW + timedelta(days=2), [*SCENARIOS, late_soon])
    assert later != before


def test_nothing_is_at_hand_while_the_store_is_due_a_re_read(store_url: str, clock: FixedClock) -> None:
    always_due = read_model_of(store_url, clock, refresh_interval_s=0.0)
    card = always_due.scorecard("H", MARCH)

    assert always_due.cached_scorecard("H", MARCH) is None  # the re-read is the blocking path's to do
    assert always_due.scorecard("H", MARCH) == card


def test_nothing_is_at_hand_while_a_batch_is_taken_in_and_the_query_does_not_wait(
    indicators: Indicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    indicators.scorecard("H.01", MARCH)
    taking_in, release = threading.Event(), threading.Event()
    real_put = facts_cache.FactsCache.put

    def slow_put(self: facts_cache.FactsCache, facts: object) -> object:
        taking_in.set()
        assert release.wait(10)
        return real_put(self, facts)  # type: ignore[arg-type]

    monkeypatch.setattr(facts_cache.FactsCache, "put", slow_put)
    batch = threading.Thread(
        target=indicators.apply_batch, args=(inbound(pending("NEW-2", "H.30.02", NOW + timedelta(days=3))),)
    )
    batch.start()
    try:
        assert taking_in.wait(10)
        assert indicators.cached_scorecard("H.01", MARCH) is None  # at once: the batch holds the lock
    finally:
        release.set()
        batch.join(10)
    assert indicators.cached_scorecard("H.01", MARCH) is not None  # another branch: still counted
