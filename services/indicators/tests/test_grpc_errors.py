"""IndicatorService errors: each failure has its status code and a message naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import Scorecard
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from tthc.kit.clock import FixedClock

from .test_grpc_support import CITY, serving, stub_of, world_at

Code = grpc.StatusCode
Stub = pb_grpc.IndicatorServiceStub


@pytest.fixture
def world(tmp_path: Path) -> tuple[Indicators, FixedClock]:
    model, clock, _ = world_at(tmp_path)
    return model, clock


@pytest.fixture
async def stub(world: tuple[Indicators, FixedClock]) -> AsyncIterator[Stub]:
    async with serving(*world) as (channel, _):
        yield stub_of(channel)


async def failure(call: Callable[[], Awaitable[Any]]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call()
    return raised.value


def scorecard(**fields: Any) -> pb.GetScorecardRequest:
    return pb.GetScorecardRequest(**{"unit_code": CITY, "period": "2024-03", **fields})


def explain(**fields: Any) -> pb.ExplainMetricRequest:
    defaults = {"unit_code": CITY, "period": "2024-03", "metric": "PROCESSED_ON_TIME"}
    return pb.ExplainMetricRequest(**{**defaults, **fields})


CASES: list[tuple[str, str, Message, Code, str]] = [
    ("bad period", "GetScorecard", scorecard(period="2024-13"), Code.INVALID_ARGUMENT, "period:"),
    ("no period", "GetScorecard", scorecard(period=""), Code.INVALID_ARGUMENT, "period:"),
    ("unknown unit", "GetScorecard", scorecard(unit_code="H99"), Code.NOT_FOUND, "'H99'"),
    (
        "as_of out of range",
        "GetScorecard",
        scorecard(as_of=Timestamp(seconds=10**12)),
        Code.INVALID_ARGUMENT,
        "as_of:",
    ),
    ("unknown metric", "ExplainMetric", explain(metric="SPEED"), Code.INVALID_ARGUMENT, "metric:"),
    ("bad page token", "ExplainMetric", explain(page_token="garbage!"), Code.INVALID_ARGUMENT, "page_token:"),
    ("negative page size", "ExplainMetric", explain(page_size=-1), Code.INVALID_ARGUMENT, "page_size:"),
    ("explain unknown unit", "ExplainMetric", explain(unit_code="H99"), Code.NOT_FOUND, "unit_code:"),
    ("explain bad period", "ExplainMetric", explain(period="Q1"), Code.INVALID_ARGUMENT, "period:"),
    ("no targets for the year", "GetTargets", pb.GetTargetsRequest(year=2023), Code.NOT_FOUND, "2023"),
    (
        "targets unknown unit",
        "GetTargets",
        pb.GetTargetsRequest(unit_code="H99", year=2024),
        Code.NOT_FOUND,
        "'H99'",
    ),
    (
        "previous result above 100",
        "GetTargets",
        pb.GetTargetsRequest(unit_code=CITY, previous_results={"3": "150"}),
        Code.INVALID_ARGUMENT,
        "previous_results",
    ),
    (
        "previous result not a number",
        "GetTargets",
        pb.GetTargetsRequest(previous_results={"3": "lots"}),
        Code.INVALID_ARGUMENT,
        "previous_results[3]",
    ),
    (
        "previous result of an unknown row",
        "GetTargets",
        pb.GetTargetsRequest(previous_results={"99": "50"}),
        Code.INVALID_ARGUMENT,
        "previous_results[99]",
    ),
    (
        "targets bad period",
        "GetTargets",
        pb.GetTargetsRequest(unit_code=CITY, period="March"),
        Code.INVALID_ARGUMENT,
        "period:",
    ),
]


@pytest.mark.parametrize(
    ("rpc", "request_", "code", "named"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_requests_get_their_status_code(
    stub: Stub, rpc: str, request_: Message, code: Code, named: str
) -> None:
    error = await failure(lambda: getattr(stub, rpc)(request_))

    assert error.code() == code
    assert named in (error.details() or "")


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (pb.WatchScorecardRequest(unit_code=CITY, period="2024-Q5"), Code.INVALID_ARGUMENT),
        (pb.WatchScorecardRequest(unit_code="H99", period="2024-03"), Code.NOT_FOUND),
    ],
)
async def test_a_watch_that_cannot_start_fails_with_its_status_code(
    stub: Stub, request_: pb.WatchScorecardRequest, code: Code
) -> None:
    async def first() -> Any:
        return await anext(aiter(stub.WatchScorecard(request_)))

    assert (await failure(first)).code() == code


class BrokenModel:
    """A read model that fails unexpectedly, with a secret in the message."""

    def __init__(self, model: Indicators) -> None:
        self.model = model

    def units(self) -> Any:
        return self.model.units()

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
        raise RuntimeError("database password is hunter2")

    def cached_scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> None:
        return None  # nothing at hand: the query goes on to `scorecard`

    def explain(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("hunter2")

    def dossier(self, dossier_id: str) -> Any:
        return None


async def test_unexpected_errors_are_internal_and_say_nothing(
    world: tuple[Indicators, FixedClock], caplog: pytest.LogCaptureFixture
) -> None:
    model, clock = world
    async with serving(BrokenModel(model), clock) as (channel, _):
        stub = stub_of(channel)
        errors = [
            await failure(lambda: stub.GetScorecard(scorecard())),
            await failure(lambda: stub.ExplainMetric(explain())),
        ]

    for error in errors:
        assert error.code() == Code.INTERNAL
        assert error.details() == "internal error"
    assert "hunter2" in caplog.text  # logged on the server, never sent
