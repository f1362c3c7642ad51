"""The projection against the real Kafka broker: a few hundred dossiers, replays, and a restart.

Checks, with the real consumer group and offsets: the scorecard equals one computed directly from the same
facts; re-published events (new offsets, same versions) change nothing; a failed store transaction is
redelivered; a restarted consumer resumes from the committed offsets without counting anything twice.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from faststream.kafka import KafkaBroker

from tthc.indicators.application import Indicators
from tthc.indicators.domain.counting import count_unit, inherit_catalogue_metrics
from tthc.indicators.domain.facts_catalogue import UnitFacts, UnitLevel
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, MetricInput, Scorecard, score_unit
from tthc.indicators.domain.scoring import UnitLevel as ScoringLevel
from tthc.indicators.entrypoints.kafka import ConsumerOptions, build_router
from tthc.indicators.projection.mapping_catalogue import procedure_facts
from tthc.indicators.projection.scenarios import (
    DossierScenario,
    ScenarioSpace,
    expected_facts,
    procedure_changed,
    random_scenarios,
    scenario_events,
)
from tthc.indicators.projection.sequencing import BatchResult
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree
from tthc.indicators.testing import ProjectionTopics as Topics
from tthc.kit.clock import FixedClock

pytestmark = pytest.mark.kafka

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period.month(2024, 3)
NOW = datetime(2024, 3, 25, 15, tzinfo=VN)
COMMUNES = ("H.40.01", "H.40.02", "H.40.03")
TREE = UnitTree(
    [UnitInfo("H", "Tỉnh", "PROVINCE"), UnitInfo("H.40", "Huyện", "DISTRICT", "H")]
    + [UnitInfo(code, code, "COMMUNE", "H.40") for code in COMMUNES]
)
CATALOGUE = [
    procedure_changed("P1", 1, online_level="full_process", has_fee=True),
    procedure_changed("P2", 1, online_level="partial"),
]
HELD_BACK = 60  # dossiers whose last event is published only after the restart


def direct_scorecard(unit: str, scenarios: Sequence[DossierScenario]) -> Scorecard:
    """Counted and scored straight from the scenarios' facts with the pure domain."""
    procedures = {event.data.procedure.code: procedure_facts(event.data) for event in CATALOGUE}
    facts = [expected_facts(s) for s in scenarios]

    def inputs_of(code: str) -> dict[MetricCode, MetricInput]:
        pool = TREE.pool(code)
        units = [UnitFacts(c, UnitLevel.PROVINCE if c == "H" else UnitLevel.COMMUNE) for c in sorted(pool)]
        found = [f for f in facts if f.unit_code in pool]
        counted = count_unit(found, procedures, MARCH, MARCH.as_of(NOW), units=units)
        return counted | {MetricCode.ELECTRONIC_CERTIFIED_COPY: MetricInput.unavailable()}

    inputs = inputs_of(unit)
    if unit != "H":
        inputs = inherit_catalogue_metrics(inputs_of("H"), inputs)
    level = ScoringLevel.PROVINCE if unit == "H" else ScoringLevel.COMMUNE if unit in COMMUNES else None
    return score_unit(inputs, level=level)


class Consumer:
    """One consumer process: a read model on the store and the projection subscriber on the real broker."""

    def __init__(self, topics: Topics, store_url: str, *, fail_first: bool = False) -> None:
        self.topics = topics
        self.indicators = Indicators(FactsStore.open(store_url), TREE, FixedClock(NOW))
        self.results: list[BatchResult] = []
        self.failures = 0
        real_apply = self.indicators.apply_batch

        def counted_apply(events: Sequence[Any]) -> BatchResult:
            if fail_first and self.failures == 0:
                self.failures += 1
                raise RuntimeError("store unavailable for a moment")
            result = real_apply(events)
            self.results.append(result)
            return result

        self.indicators.apply_batch = counted_apply  # type: ignore[method-assign]
        options = ConsumerOptions(
            topics.dossiers, topics.catalog, topics.group, max_records=150, retry_delay_s=0.2
        )
        self.broker = KafkaBroker(topics.bootstrap)
        self.broker.include_router(build_router(self.indicators, options))

    @property
    def seen(self) -> int:
        return sum(r.applied + r.duplicates + r.parked for r in self.results)

    async def __aenter__(self) -> Consumer:
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()
        self.indicators.close()

    async def caught_up(self, condition: Callable[[], bool] = lambda: True, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.topics.lag) == 0 and condition():
                return
            await asyncio.sleep(0.3)
        raise TimeoutError(f"consumer did not catch up (lag {self.topics.lag()})")


@pytest.mark.slow
async def test_the_projection_counts_each_event_once_across_replays_and_restarts(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = Topics(kafka_bootstrap)
    store_url = f"sqlite:///{tmp_path / 'facts.db'}"
    space = ScenarioSpace([*COMMUNES, "H"], ["P1", "P2"], date(2024, 2, 15), 40, VN)
    full = random_scenarios(random.Random(2024), 320, space)
    held = [replace(s, steps=s.steps[:-1]) for s in full[:HELD_BACK]]
    first = held + full[HELD_BACK:]
    phase1 = [event for s in first for event in scenario_events(s)]
    published = await topics.publish(CATALOGUE) + await topics.publish(phase1)
    assert published > 1500

    async with Consumer(topics, store_url) as consumer:
        await consumer.caught_up()
        for unit in ("H", "H.40.02"):
            assert consumer.indicators.scorecard(unit, MARCH) == direct_scorecard(unit, first)
        assert consumer.seen == published
        before = consumer.indicators.scorecard("H", MARCH)

        replayed = [event for s in first[100:160] for event in scenario_events(s)]
        await topics.publish(replayed)
        await consumer.caught_up(lambda: consumer.seen == published + len(replayed))
        assert sum(r.duplicates for r in consumer.results) == len(replayed)
        assert consumer.indicators.scorecard("H", MARCH) == before

    rest = [scenario_events(s)[-1] for s in full[:HELD_BACK]]
    again = [event for s in first[200:230] for event in scenario_events(s)]
    phase3 = await topics.publish(rest + again)
    async with Consumer(topics, store_url, fail_first=True) as restarted:
        await restarted.caught_up(lambda: restarted.seen == phase3)
        assert restarted.failures == 1  # the failed batch was delivered again, not skipped
        assert restarted.seen == phase3  # resumed from the committed offsets: nothing older was read
        assert sum(r.applied for r in restarted.results) == HELD_BACK
        for unit in ("H", "H.40", "H.40.01"):
            assert restarted.indicators.scorecard(unit, MARCH) == direct_scorecard(unit, full)
        for scenario in full[:5] + full[HELD_BACK : HELD_BACK + 5]:
            assert restarted.indicators.dossier(str(scenario.dossier_id)) == expected_facts(scenario)
