"""WatchScorecard: the current scorecard, then only changes (new events, or the clock passing a due date)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, Scorecard
from tthc.indicators.entrypoints.grpc import SERVICE_NAME
from tthc.indicators.entrypoints.grpc_mapping import scorecard_from_message
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.indicators.watch import ChangeNotifier
from tthc.kit.clock import FixedClock

from .test_grpc_support import MARCH, NOW, WARD, inbound, pending, serving, stub_of, world_at

WATCH = pb.WatchScorecardRequest(unit_code=WARD, period="2024-03")
QUIET = 0.3  # seconds without a message that count as "nothing was sent"


class CountingModel:
    """The real read model, counting scorecard reads."""

    def __init__(self, model: Indicators) -> None:
        self.model = model
        self.reads = 0

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
        self.reads += 1
        return self.model.scorecard(unit_code, period, as_of)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Indicators, FixedClock]:
    model, clock, _ = world_at(tmp_path)
    return model, clock


class Watch:
    """A WatchScorecard call read one message at a time; a read that timed out stays pending for the next."""

    def __init__(self, call: Any) -> None:
        self.call = call
        self._pending: asyncio.Task[Any] | None = None

    async def next(self, timeout: float = 5.0) -> pb.WatchScorecardResponse:
        if self._pending is None:
            self._pending = asyncio.ensure_future(self.call.read())
        message: pb.WatchScorecardResponse = await asyncio.wait_for(asyncio.shield(self._pending), timeout)
        self._pending = None
        return message

    async def silent_for(self, seconds: float = QUIET) -> bool:
        try:
            await self.next(seconds)
        except TimeoutError:
            return True
        return False

    def cancel(self) -> None:
        self.call.cancel()


def watch(channel: Any) -> Watch:
    return Watch(stub_of(channel).WatchScorecard(WATCH))


async def test_the_first_message_is_the_current_scorecard_and_nothing_follows_while_it_holds(
    world: tuple[Indicators, FixedClock],
) -> None:
    model, clock = world
    async with serving(model, clock) as (channel, _):
        stream = watch(channel)
        first = await stream.next()

        assert scorecard_from_message(first.scorecard) == model.scorecard(WARD, MARCH)
        assert not first.changed_metrics
        assert not first.total_changed
        assert await stream.silent_for()  # re-read several times, unchanged: not sent
        stream.cancel()


async def test_new_events_push_a_new_scorecard_naming_what_changed(
    world: tuple[Indicators, FixedClock],
) -> None:
    model, clock = world
    async with serving(model, clock) as (channel, _):
        stream = watch(channel)
        first = await stream.next()
        late = pending("NEW-LATE", WARD, NOW - timedelta(days=3), NOW - timedelta(days=1))
        model.apply_batch(inbound(late))

        update = await stream.next()

        assert scorecard_from_message(update.scorecard) == model.scorecard(WARD, MARCH)
        assert scorecard_from_message(update.scorecard) != scorecard_from_message(first.scorecard)
        assert MetricCode.PROCESSED_ON_TIME in update.changed_metrics
        assert "TDGQ" in update.changed_groups
        assert update.total_changed
        stream.cancel()


async def test_a_pending_dossier_passing_its_due_date_pushes_an_update_with_no_event(
    world: tuple[Indicators, FixedClock],
) -> None:
    model, clock = world
    due = NOW + timedelta(hours=6)  # 16:00 today; late (by civil date, the default) from tomorrow 00:00
    late_soon = pending("NEW-PENDING", WARD, NOW - timedelta(days=1), due)
    model.apply_batch(inbound(late_soon))
    next_midnight = datetime(2024, 3, 21, tzinfo=NOW.tzinfo)
    async with serving(model, clock) as (channel, _):
        stream = watch(channel)
        first = await stream.next()
        clock.set(next_midnight - timedelta(minutes=1))
        assert await stream.silent_for()  # still within its due day: nothing to say
        before = model.explain(WARD, MARCH, MetricCode.PROCESSED_ON_TIME, page_size=10_000)

        clock.set(next_midnight + timedelta(minutes=1))
        update = await stream.next()

        after = model.explain(WARD, MARCH, MetricCode.PROCESSED_ON_TIME, page_size=10_000)
        assert str(late_soon.dossier_id) in before.numerator_ids
        assert str(late_soon.dossier_id) not in after.numerator_ids  # now overdue, with no event
        assert after.numerator_count < before.numerator_count
        assert MetricCode.PROCESSED_ON_TIME in update.changed_metrics
        on_time = {m.code: m for m in update.scorecard.metrics}[MetricCode.PROCESSED_ON_TIME]
        assert on_time.numerator == after.numerator_count
        first_on_time = {m.code: m for m in first.scorecard.metrics}[MetricCode.PROCESSED_ON_TIME]
        assert first_on_time.numerator == before.numerator_count
        stream.cancel()


async def test_a_notification_pushes_the_update_without_waiting_for_the_interval(
    world: tuple[Indicators, FixedClock],
) -> None:
    model, clock = world
    notifier = ChangeNotifier()
    async with serving(model, clock, watch_interval=60, notifier=notifier) as (channel, _):
        stream = watch(channel)
        await stream.next()
        model.apply_batch(inbound(pending("NEW-2", WARD, NOW - timedelta(days=3), NOW - timedelta(days=1))))
        notifier.notify()

        update = await stream.next()

        assert scorecard_from_message(update.scorecard) == model.scorecard(WARD, MARCH)
        stream.cancel()


async def test_a_cancelled_watch_stops_reading(world: tuple[Indicators, FixedClock]) -> None:
    model, clock = world
    counting = CountingModel(model)
    registry = CollectorRegistry()
    labels = {"grpc_service": SERVICE_NAME, "grpc_method": "WatchScorecard", "grpc_code": "CANCELLED"}
    async with serving(counting, clock, registry=registry, watch_interval=0.02) as (channel, _):
        stream = watch(channel)
        await stream.next()
        await asyncio.sleep(0.1)
        assert counting.reads > 1  # it keeps re-reading while watched

        stream.cancel()
        for _ in range(100):
            if registry.get_sample_value("grpc_server_handled_total", labels) == 1:
                break
            await asyncio.sleep(0.02)
        reads = counting.reads
        await asyncio.sleep(0.2)

        assert registry.get_sample_value("grpc_server_handled_total", labels) == 1
        assert counting.reads == reads
