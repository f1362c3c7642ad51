"""The per-unit counts the read model keeps and merges into pools stay equal to a count from scratch while
batches touch some units and not others, and while the clock moves."""

from __future__ import annotations

from datetime import timedelta

from tthc.indicators.application import Indicators
from tthc.indicators.projection.decoding import from_envelope
from tthc.indicators.projection.store import FactsStore
from tthc.kit.clock import FixedClock

from .conftest import inbound
from .test_application import CATALOGUE, MARCH, NOW, SCENARIOS, TREE, direct_scorecard

UNITS = ("H", "H.01", "H.30", "H.30.01", "H.30.02")


def test_scorecards_follow_batches_unit_by_unit_and_equal_a_count_from_scratch(store_url: str) -> None:
    clock = FixedClock(NOW - timedelta(days=12))
    model = Indicators(FactsStore.open(store_url), TREE, clock)
    model.apply_batch([from_envelope(event) for event in CATALOGUE])
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
