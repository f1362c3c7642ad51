"""The per-unit counts the read model keeps and merges into pools stay equal to a count from scratch while
batches touch some units and not others, and while the clock moves."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from tthc.indicators import counting_plan, read_model
from tthc.indicators.application import Indicators
from tthc.indicators.counting_plan import Counted, CountPlan, PartKey
from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.scoring import Scorecard
from tthc.indicators.projection.decoding import from_envelope
from tthc.indicators.projection.facts_cache import bucket_of
from tthc.indicators.projection.store import FactsStore
from tthc.kit.clock import FixedClock

from .conftest import inbound
from .test_application import CATALOGUE, MARCH, NOW, SCENARIOS, TREE, direct_scorecard

UNITS = ("H", "H.01", "H.30", "H.30.01", "H.30.02")


def test_scorecards_follow_batches_unit_by_unit_and_equal_a_count_from_scratch(store_url: str) -> None:
    clock = FixedClock(NOW - timedelta(days=12))
    model = _model(store_url, clock)
    applied = []
    # one unit's dossiers per batch: the other units' cached parts must be reused as they are
    for unit in ("H.30.01", "H.01", "H.30.02", "H.30"):
        batch = [scenario for scenario in SCENARIOS if scenario.unit_code == unit]
        model.apply_batch([event for scenario in batch for event in inbound(scenario)])
        applied += batch
        clock.advance(timedelta(days=3))
        for code in UNITS:
            assert model.scorecard(code, MARCH) == direct_scorecard(code, clock.now(), applied), (unit, code)
    assert len(applied) == len(SCENARIOS)
    model.close()


def test_a_batch_applies_while_a_count_runs_and_the_stale_count_is_not_kept(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(NOW)
    model = _model(store_url, clock)
    first, later = SCENARIOS[:-10], SCENARIOS[-10:]
    assert direct_scorecard("H", NOW, list(first)) != direct_scorecard("H", NOW, list(SCENARIOS))
    model.apply_batch([event for scenario in first for event in inbound(scenario)])
    counting, release = threading.Event(), threading.Event()
    real_count = read_model.count_missing

    def slow_count(planned: CountPlan, config: CountingConfig, *more: Any) -> dict[PartKey, Counted]:
        counting.set()
        release.wait(10)  # a long count: the caches' lock must not be held meanwhile
        return real_count(planned, config, *more)

    monkeypatch.setattr(read_model, "count_missing", slow_count)
    answers: list[Scorecard] = []
    query = threading.Thread(target=lambda: answers.append(model.scorecard("H", MARCH)))
    query.start()
    assert counting.wait(10)
    batch = threading.Thread(
        target=model.apply_batch, args=([event for scenario in later for event in inbound(scenario)],)
    )
    batch.start()
    batch.join(5)
    assert not batch.is_alive()  # applied while the count was still running
    release.set()
    query.join(10)
    # the count reads each unit's facts when it reaches it: after the batch here
    assert answers == [direct_scorecard("H", NOW, list(SCENARIOS))]
    plans = _recorded_plans(monkeypatch)
    assert model.scorecard("H", MARCH) == direct_scorecard("H", NOW, list(SCENARIOS))
    # planned before the batch: not kept, so counted again
    assert [plan.missing for plan in plans if plan.missing]
    model.close()


def test_concurrent_queries_of_overlapping_pools_count_each_part_once(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(store_url, FixedClock(NOW))
    model.apply_batch([event for scenario in SCENARIOS for event in inbound(scenario)])
    plans = _recorded_plans(monkeypatch)
    queries = [
        threading.Thread(target=model.scorecard, args=(unit, MARCH)) for unit in ("H", "H.30", "H.30.01") * 3
    ]
    for query in queries:
        query.start()
    for query in queries:
        query.join(30)
    counted = [(unit, part) for plan in plans for unit, parts in plan.missing.items() for part in parts]
    assert counted
    assert len(counted) == len(set(counted))  # no part counted twice
    for unit in UNITS:
        assert model.scorecard(unit, MARCH) == direct_scorecard(unit, NOW, list(SCENARIOS))
    model.close()


def test_a_count_pauses_while_a_batch_is_written(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(store_url, FixedClock(NOW))
    first, later = SCENARIOS[:-10], SCENARIOS[-10:]
    model.apply_batch([event for scenario in first for event in inbound(scenario)])
    writing, release = threading.Event(), threading.Event()
    real_apply = model._store.apply

    def slow_apply(events: Any) -> Any:
        writing.set()
        release.wait(10)
        return real_apply(events)

    monkeypatch.setattr(model._store, "apply", slow_apply)
    parts: list[int] = []
    real_part = counting_plan.count_part

    def counted_part(dossiers: Any, *more: Any) -> Any:
        taken = list(dossiers)  # the paced iterable pauses while a batch is written
        parts.append(len(taken))
        return real_part(taken, *more)

    monkeypatch.setattr(counting_plan, "count_part", counted_part)
    batch = threading.Thread(
        target=model.apply_batch, args=([event for scenario in later for event in inbound(scenario)],)
    )
    batch.start()
    assert writing.wait(10)
    query = threading.Thread(target=model.scorecard, args=("H", MARCH))
    query.start()
    query.join(0.3)
    assert query.is_alive()
    assert not any(parts)  # not one dossier counted while the batch is written
    release.set()
    batch.join(10)
    query.join(10)
    assert any(parts)
    assert model.scorecard("H", MARCH) == direct_scorecard("H", NOW, list(SCENARIOS))
    model.close()


def test_a_new_dossier_recounts_its_part_and_sums_again_only_its_unit(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(store_url, FixedClock(NOW))
    newcomer = next(scenario for scenario in SCENARIOS if scenario.unit_code == "H.30.01")
    earlier = [scenario for scenario in SCENARIOS if scenario is not newcomer]
    model.apply_batch([event for scenario in earlier for event in inbound(scenario)])
    model.scorecard("H", MARCH)  # every part and sum of the province counted and cached
    plans = _recorded_plans(monkeypatch)
    model.apply_batch(list(inbound(newcomer)))
    assert model.scorecard("H", MARCH) == direct_scorecard("H", NOW, list(SCENARIOS))
    (planned,) = plans
    assert planned.missing == {"H.30.01": (bucket_of(str(newcomer.dossier_id)),)}
    assert set(planned.sums) == set(UNITS) - {"H.30.01"}  # the other units' sums merged as they were
    assert {unit for unit, _ in planned.cached} == {"H.30.01"}
    model.close()


def _recorded_plans(monkeypatch: pytest.MonkeyPatch) -> list[CountPlan]:
    """The plans of the counts the read model makes from now on (the real count still runs)."""
    plans: list[CountPlan] = []
    real_count = read_model.count_missing

    def recording(planned: CountPlan, config: CountingConfig, *more: Any) -> dict[PartKey, Counted]:
        plans.append(planned)
        return real_count(planned, config, *more)

    monkeypatch.setattr(read_model, "count_missing", recording)
    return plans


def _model(store_url: str, clock: FixedClock) -> Indicators:
    """A read model on the store, with the catalogue applied."""
    model = Indicators(FactsStore.open(store_url), TREE, clock)
    model.apply_batch([from_envelope(event) for event in CATALOGUE])
    return model
