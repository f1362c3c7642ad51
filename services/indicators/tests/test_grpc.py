"""IndicatorService over gRPC, in process: each unary RPC answers what the read model answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode
from tthc.indicators.domain.targets import load_targets_2024
from tthc.indicators.entrypoints.grpc_mapping import scorecard_from_message, timestamp
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from tthc.kit.clock import FixedClock

from .test_grpc_support import (
    CITY,
    DEPARTMENT,
    MARCH,
    NOW,
    PROVINCE,
    SCENARIOS,
    WARD,
    serving,
    stub_of,
    world_at,
)

Stub = pb_grpc.IndicatorServiceStub


@pytest.fixture
def world(tmp_path: Path) -> tuple[Indicators, FixedClock]:
    model, clock, _ = world_at(tmp_path)
    return model, clock


@pytest.fixture
async def stub(world: tuple[Indicators, FixedClock]) -> AsyncIterator[Stub]:
    async with serving(*world) as (channel, _):
        yield stub_of(channel)


@pytest.mark.parametrize("unit", [PROVINCE, CITY, WARD, DEPARTMENT])
async def test_get_scorecard_answers_the_read_models_scorecard_field_by_field(
    stub: Stub, world: tuple[Indicators, FixedClock], unit: str
) -> None:
    model, _ = world
    expected = model.scorecard(unit, MARCH)

    answer = (await stub.GetScorecard(pb.GetScorecardRequest(unit_code=unit, period="2024-03"))).scorecard

    assert scorecard_from_message(answer) == expected
    for message, metric in zip(answer.metrics, expected.metrics, strict=True):
        for field in ("numerator", "denominator", "ratio", "score"):
            value = getattr(metric, field)
            assert message.HasField(field) == (value is not None), (metric.code, field)
            if value is not None:
                assert str(getattr(message, field)) == str(value)
    assert answer.total == str(expected.total)
    assert [g.score if g.HasField("score") else None for g in answer.groups] == [
        None if g.score is None else str(g.score) for g in expected.groups
    ]
    assert answer.unit_code == unit
    assert answer.as_of == timestamp(NOW)
    assert answer.period == "2024-03"
    assert answer.period_state == pb.PERIOD_STATE_OPEN


async def test_null_and_zero_stay_distinct_on_the_wire(stub: Stub) -> None:
    answer = (await stub.GetScorecard(pb.GetScorecardRequest(unit_code=WARD, period="2024-03"))).scorecard
    by_code = {metric.code: metric for metric in answer.metrics}

    certified = by_code[MetricCode.ELECTRONIC_CERTIFIED_COPY]  # no source: null counts and score
    assert not certified.HasField("numerator")
    assert not certified.HasField("score")
    assert "NOT_AVAILABLE" in certified.flags
    petitions = by_code[MetricCode.PETITION_PROCESSING_ON_TIME]  # no petitions: 0 / 0 counted, full marks
    assert petitions.HasField("numerator")
    assert petitions.numerator == 0
    assert petitions.HasField("denominator")
    assert petitions.denominator == 0
    assert Decimal(petitions.score) == 6


async def test_a_closed_period_is_counted_at_its_end_and_an_explicit_as_of_is_honoured(
    stub: Stub, world: tuple[Indicators, FixedClock]
) -> None:
    model, _ = world
    february = Period.month(2024, 2)
    closed = await stub.GetScorecard(pb.GetScorecardRequest(unit_code=CITY, period="2024-02"))
    earlier = NOW - timedelta(days=5)
    back_then = await stub.GetScorecard(
        pb.GetScorecardRequest(unit_code=CITY, period="2024-03", as_of=timestamp(earlier))
    )
    future = await stub.GetScorecard(pb.GetScorecardRequest(unit_code=CITY, period="2024-Q3"))

    assert closed.scorecard.period_state == pb.PERIOD_STATE_CLOSED
    assert closed.scorecard.as_of == timestamp(february.end)
    assert scorecard_from_message(closed.scorecard) == model.scorecard(CITY, february)
    assert back_then.scorecard.as_of == timestamp(earlier)
    assert scorecard_from_message(back_then.scorecard) == model.scorecard(CITY, MARCH, as_of=earlier)
    assert scorecard_from_message(back_then.scorecard) != model.scorecard(CITY, MARCH)
    assert future.scorecard.period_state == pb.PERIOD_STATE_NOT_STARTED


async def test_explain_metric_pages_through_the_ids_with_their_dossier_codes(
    stub: Stub, world: tuple[Indicators, FixedClock]
) -> None:
    model, _ = world
    everything = model.explain(CITY, MARCH, MetricCode.PROCESSED_ON_TIME, page_size=10_000)
    code_of = {str(s.dossier_id): s.code for s in SCENARIOS}
    request = pb.ExplainMetricRequest(
        unit_code=CITY, period="2024-03", metric="PROCESSED_ON_TIME", page_size=7
    )

    pages = []
    while True:
        page = await stub.ExplainMetric(request)
        pages.append(page)
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token

    assert len(pages) == -(-everything.denominator_count // 7) > 1
    assert all(len(page.denominator_ids) == 7 for page in pages[:-1])
    assert [i for page in pages for i in page.denominator_ids] == list(everything.denominator_ids)
    assert [i for page in pages for i in page.numerator_ids] == list(everything.numerator_ids)
    first = pages[0]
    assert (first.subject, first.numerator_count, first.denominator_count) == (
        "dossier",
        everything.numerator_count,
        everything.denominator_count,
    )
    assert dict(first.codes) == {i: code_of[i] for i in first.denominator_ids}
    assert first.as_of == timestamp(NOW)


async def test_explain_metric_names_procedures_for_catalogue_metrics(stub: Stub) -> None:
    page = await stub.ExplainMetric(
        pb.ExplainMetricRequest(unit_code=WARD, period="2024-03", metric="ONLINE_SERVICE_PROVISION")
    )

    assert page.subject == "procedure"
    assert list(page.denominator_ids) == ["P1", "P2", "P3"]
    assert list(page.numerator_ids) == ["P1", "P2"]
    assert not page.codes
    assert not page.next_page_token


async def test_list_units_returns_the_registry(stub: Stub, world: tuple[Indicators, FixedClock]) -> None:
    model, _ = world

    units = (await stub.ListUnits(pb.ListUnitsRequest())).units

    assert [(u.code, u.name, u.level, u.parent if u.HasField("parent") else None) for u in units] == [
        (u.code, u.name, u.level, u.parent) for u in model.units()
    ]
    assert not next(u for u in units if u.code == PROVINCE).HasField("parent")


async def test_get_targets_without_a_unit_lists_the_rows(stub: Stub) -> None:
    catalogue = load_targets_2024()

    answer = await stub.GetTargets(pb.GetTargetsRequest(year=2024))

    assert (answer.year, answer.source) == (2024, catalogue.source)
    assert [(r.id, Decimal(r.value)) for r in answer.rows] == [(r.id, r.value) for r in catalogue.rows]
    assert all(r.applies and not r.HasField("gap") and not r.HasField("assigned") for r in answer.rows)
    assert not answer.HasField("unit_code")


async def test_get_targets_for_a_ward_assigns_targets_and_measures_the_gap(
    stub: Stub, world: tuple[Indicators, FixedClock]
) -> None:
    model, _ = world
    year_card = model.scorecard(WARD, Period.whole_year(2024))
    online = year_card.metric(MetricCode.ONLINE_DOSSIER_SUBMISSION).ratio
    assert online is not None

    answer = await stub.GetTargets(
        pb.GetTargetsRequest(unit_code=WARD, year=0, previous_results={"3": "62", "5": "40"})
    )
    rows = {row.id: row for row in answer.rows}

    assert (answer.unit_code, answer.period, answer.as_of) == (WARD, "2024", timestamp(NOW))
    assert (rows["3"].assigned.value, rows["3"].assigned.basis) == ("72", "uplifted")
    assert (rows["5"].assigned.value, rows["5"].assigned.basis) == ("100", "central")
    gap = rows["3"].gap
    assert (gap.metric, Decimal(gap.actual), Decimal(gap.target)) == ("ONLINE_DOSSIER_SUBMISSION", online, 72)
    assert Decimal(gap.shortfall) == max(Decimal(0), 72 - online)
    assert gap.met == (online >= 72)
    assert not rows["12.1"].HasField("gap")  # no related metric
    assert (rows["12.1"].applies, rows["12.2"].applies, rows["12.3"].applies) == (False, False, True)
    assert not rows["1"].HasField("assigned")  # no previous result given: the central target stands
    assert Decimal(rows["1"].gap.target) == 80
