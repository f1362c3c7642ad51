"""GetScorecard's cached responses: equal to a fresh build, rebuilt when the facts or the clock move.

"Fresh" is the message `grpc_mapping.scorecard_message` builds from the read model's scorecard right now,
bypassing every response cache.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode
from tthc.indicators.entrypoints import grpc_mapping as mapping
from tthc.indicators.entrypoints.grpc_queries import IndicatorQueries
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from tthc.kit.clock import VIETNAM, FixedClock

from .test_grpc_support import MARCH, NOW, PROVINCE, WARD, inbound, pending, serving, stub_of, world_at

HOUR = 3600.0

Stub = pb_grpc.IndicatorServiceStub
World = tuple[Indicators, FixedClock]


@pytest.fixture
def world(tmp_path: Path) -> World:
    model, clock, _ = world_at(tmp_path)
    return model, clock


@pytest.fixture
async def stub(world: World) -> AsyncIterator[Stub]:
    async with serving(*world) as (channel, _):
        yield stub_of(channel)


def fresh(world: World, unit: str, period: Period, as_of: datetime | None = None) -> pb.GetScorecardResponse:
    """The response built from scratch for the read model's current scorecard."""
    model, clock = world
    now = clock.now()
    used = period.as_of(now if as_of is None else as_of)
    card = model.scorecard(unit, period, as_of=used)
    info = next(info for info in model.units() if info.code == unit)
    return pb.GetScorecardResponse(scorecard=mapping.scorecard_message(card, info, period, used, now))


def request(unit: str, period: str = "2024-03", as_of: datetime | None = None) -> pb.GetScorecardRequest:
    asked = pb.GetScorecardRequest(unit_code=unit, period=period)
    if as_of is not None:
        asked.as_of.CopyFrom(mapping.timestamp(as_of))
    return asked


def denominator(response: pb.GetScorecardResponse, metric: MetricCode) -> int:
    return next(m.denominator for m in response.scorecard.metrics if m.code == metric.value)


async def test_a_repeated_query_is_answered_from_the_cache_with_the_fresh_answer(world: World) -> None:
    queries = IndicatorQueries(world[0], world[1])

    first = queries.get_scorecard(request(WARD))
    again = queries.get_scorecard(request(WARD))

    assert again is first  # built once
    assert again == fresh(world, WARD, MARCH)


@pytest.mark.parametrize("unit", [PROVINCE, WARD])
async def test_cached_answers_over_grpc_equal_fresh_ones(stub: Stub, world: World, unit: str) -> None:
    answers = [await stub.GetScorecard(request(unit)) for _ in range(3)]

    assert answers[0] == answers[1] == answers[2] == fresh(world, unit, MARCH)


async def test_a_new_dossier_invalidates_the_cached_answer(stub: Stub, world: World) -> None:
    model, _ = world
    before = await stub.GetScorecard(request(WARD))

    received = NOW - timedelta(days=1)
    model.apply_batch(inbound(pending("NEW-1", WARD, received, received + timedelta(days=5)), 10_000))
    after = await stub.GetScorecard(request(WARD))

    assert after == fresh(world, WARD, MARCH)
    code = MetricCode.PROCESSED_ON_TIME
    assert denominator(after, code) == denominator(before, code) + 1


async def test_a_moving_clock_restamps_or_rebuilds_the_cached_answer(stub: Stub, world: World) -> None:
    _, clock = world
    await stub.GetScorecard(request(WARD))

    clock.advance(timedelta(minutes=1))  # figures may stay, the "as of" instant moves
    minute_later = await stub.GetScorecard(request(WARD))
    assert minute_later == fresh(world, WARD, MARCH)
    assert minute_later.scorecard.as_of == mapping.timestamp(NOW + timedelta(minutes=1))

    clock.set(datetime(2024, 4, 2, 9, tzinfo=VIETNAM))  # March is over: counted at its end, closed
    closed = await stub.GetScorecard(request(WARD))
    assert closed == fresh(world, WARD, MARCH)
    assert closed.scorecard.period_state == pb.PERIOD_STATE_CLOSED
    assert closed.scorecard.as_of == mapping.timestamp(MARCH.end)


async def test_an_explicit_as_of_is_stamped_without_touching_the_cached_answer(world: World) -> None:
    queries = IndicatorQueries(world[0], world[1])
    now_answer = queries.get_scorecard(request(WARD))
    kept = pb.GetScorecardResponse()
    kept.CopyFrom(now_answer)

    earlier = NOW - timedelta(hours=1)
    at_earlier = queries.get_scorecard(request(WARD, as_of=earlier))

    assert at_earlier == fresh(world, WARD, MARCH, as_of=earlier)
    assert at_earlier.scorecard.as_of == mapping.timestamp(earlier)
    assert queries.get_scorecard(request(WARD)) == kept == fresh(world, WARD, MARCH)


class StalledModel:
    """The real read model, whose blocking `scorecard` stalls for `stalled_unit` until released."""

    def __init__(self, model: Indicators, stalled_unit: str) -> None:
        self.model, self.stalled_unit = model, stalled_unit
        self.entered, self.release = threading.Event(), threading.Event()

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Any:
        if unit_code == self.stalled_unit:
            self.entered.set()
            assert self.release.wait(10)
        return self.model.scorecard(unit_code, period, as_of)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


async def test_a_scorecard_at_hand_is_answered_while_a_count_occupies_the_worker_thread(
    tmp_path: Path,
) -> None:
    model, clock, _ = world_at(tmp_path, refresh_interval_s=HOUR)  # no store re-read falls due meanwhile
    world = (model, clock)
    model.scorecard(WARD, MARCH)  # counted: at hand from now on
    stalled = StalledModel(model, PROVINCE)  # the province is not counted: its query takes the thread
    async with serving(stalled, clock) as (channel, _):
        stub = stub_of(channel)
        counting = asyncio.ensure_future(stub.GetScorecard(request(PROVINCE)))
        assert await asyncio.to_thread(stalled.entered.wait, 10)
        try:
            at_hand = await asyncio.wait_for(stub.GetScorecard(request(WARD)), 5)
        finally:
            stalled.release.set()
        province = await counting

    assert at_hand == fresh(world, WARD, MARCH)
    assert province == fresh(world, PROVINCE, MARCH)


async def test_the_query_object_answers_at_hand_with_the_response_a_blocking_query_built(
    tmp_path: Path,
) -> None:
    model, clock, _ = world_at(tmp_path, refresh_interval_s=HOUR)
    queries = IndicatorQueries(model, clock)
    assert queries.cached_scorecard(request(WARD)) is None  # not counted yet

    built = queries.get_scorecard(request(WARD))

    assert queries.cached_scorecard(request(WARD)) is built
    earlier = NOW - timedelta(hours=1)
    assert queries.cached_scorecard(request(WARD, as_of=earlier)) is None  # that instant is not counted
