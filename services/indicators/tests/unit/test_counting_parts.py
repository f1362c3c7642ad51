"""Counting a pool in parts (one pass per unit, merged) gives exactly what one pass over the pool gives."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tthc.indicators.domain.counting import count_unit
from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.counting_dossiers import DossierPass
from tthc.indicators.domain.counting_figures import combined
from tthc.indicators.domain.counting_parts import count_part
from tthc.indicators.domain.counting_tally import Subject, Tally
from tthc.indicators.domain.facts_catalogue import OnlineLevel, ProcedureFacts, UnitFacts, UnitLevel
from tthc.indicators.domain.ontime import OnTimeConfig
from tthc.indicators.domain.ontime_config import Granularity, PauseRule
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import MetricCode, MetricInput
from tthc.indicators.projection.scenarios import ScenarioSpace, expected_facts, random_scenarios

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = ("U1", "U2", "U3", "U4")
PROCEDURES = {
    "P1": ProcedureFacts("P1", OnlineLevel.FULL, has_fee_info=True, citizen_subject=True),
    "P2": ProcedureFacts("P2", OnlineLevel.PARTIAL, requires_paper_result=True, legal_time=timedelta(days=4)),
    "P3": ProcedureFacts("P3"),
}
PERIODS = (Period.month(2024, 3), Period.quarter(2024, 1), Period.whole_year(2024), Period.month(2024, 2))
CONFIGS = (
    CountingConfig(),
    CountingConfig(portal_view=True),
    CountingConfig(OnTimeConfig(pause_rule=PauseRule.SUBTRACT_PAUSES, granularity=Granularity.TIMESTAMP)),
    CountingConfig(OnTimeConfig(financial_obligation_pauses=True, withdrawn_on_time=True)),
)
UNIT_FACTS = [
    UnitFacts("U1", UnitLevel.PROVINCE),
    *(UnitFacts(code, UnitLevel.COMMUNE) for code in UNITS[1:]),
]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    count=st.integers(0, 60),
    period=st.sampled_from(PERIODS),
    config=st.sampled_from(CONFIGS),
    hours_into_period=st.integers(0, 24 * 400),
    with_units=st.booleans(),
)
def test_merged_unit_parts_equal_one_pass_over_the_pool(  # noqa: PLR0917 - drawn by hypothesis
    seed: int,
    count: int,
    period: Period,
    config: CountingConfig,
    hours_into_period: int,
    with_units: bool,
) -> None:
    space = ScenarioSpace(UNITS, tuple(PROCEDURES), date(2024, 1, 20), 70, VN)
    pool = [expected_facts(item) for item in random_scenarios(random.Random(seed), count, space)]
    now = period.as_of(period.start + timedelta(hours=hours_into_period))
    units = UNIT_FACTS if with_units else []
    whole = count_unit(pool, PROCEDURES, period, now, config, units=units)
    parts = [
        count_part([facts for facts in pool if facts.unit_code == unit], PROCEDURES, period, now, config)
        for unit in UNITS
    ]
    assert count_unit((), PROCEDURES, period, now, config, units=units, parts=parts) == whole
    summed = [combined(parts[:2]), combined(parts[2:3]), combined(parts[3:])]  # a unit's parts, summed
    assert count_unit((), PROCEDURES, period, now, config, units=units, parts=summed) == whole
    assert count_unit((), PROCEDURES, period, now, config, units=units, parts=[combined(summed)]) == whole
    halves = [count_part(pool[: count // 2], PROCEDURES, period, now, config)]
    assert count_unit(pool[count // 2 :], PROCEDURES, period, now, config, units=units, parts=halves) == whole


def test_a_detailed_tally_cannot_be_merged() -> None:
    now = datetime(2024, 4, 1, tzinfo=VN)
    detailed = DossierPass(Tally(detailed=True), PROCEDURES, PERIODS[0], now, config=CountingConfig())
    with pytest.raises(ValueError, match="undetailed"):
        detailed.merge(count_part([], PROCEDURES, PERIODS[0], now))


def test_parts_are_compact_values_sharing_equal_sets() -> None:
    space = ScenarioSpace(UNITS, tuple(PROCEDURES), date(2024, 1, 20), 70, VN)
    pool = [expected_facts(item) for item in random_scenarios(random.Random(5), 200, space)]
    now = datetime(2024, 12, 31, tzinfo=VN)
    first, again = (count_part(pool, PROCEDURES, PERIODS[2], now) for _ in range(2))
    assert first == again
    assert first.procedures_with_fee_data  # the sample has fee-bearing procedures
    assert first.procedures_with_fee_data is again.procedures_with_fee_data
    assert first.services_with_online_dossiers is again.services_with_online_dossiers
    assert first.codes is again.codes
    assert sum(first.denominators) > 0


def test_a_tally_with_overridden_inputs_gives_no_bare_totals() -> None:
    tally = Tally(detailed=False)
    tally.open(MetricCode.DOSSIER_SYNC, Subject.DOSSIER)
    tally.override(MetricCode.DOSSIER_SYNC, MetricInput(1, 2))
    with pytest.raises(ValueError, match="overrides"):
        tally.totals()


def test_a_sum_of_parts_adds_every_figure_and_unites_the_sets() -> None:
    space = ScenarioSpace(UNITS, tuple(PROCEDURES), date(2024, 1, 20), 70, VN)
    pool = [expected_facts(item) for item in random_scenarios(random.Random(11), 300, space)]
    now = datetime(2024, 12, 31, tzinfo=VN)
    parts = [count_part(pool[start::3], PROCEDURES, PERIODS[2], now) for start in range(3)]
    whole, total = count_part(pool, PROCEDURES, PERIODS[2], now), combined(parts)
    assert dict(zip(total.codes, total.numerators, strict=True)) == dict(
        zip(whole.codes, whole.numerators, strict=True)
    )
    assert dict(zip(total.codes, total.denominators, strict=True)) == dict(
        zip(whole.codes, whole.denominators, strict=True)
    )
    assert total.services_with_online_dossiers == whole.services_with_online_dossiers
    assert total.procedures_paid_online == whole.procedures_paid_online
    assert (total.processing_time, total.completed) == (whole.processing_time, whole.completed)
    assert total.received_by_channel == whole.received_by_channel
    assert (total.overdue, total.overdue_with_apology) == (whole.overdue, whole.overdue_with_apology)
    assert whole.completed  # the sample exercises the figures compared
    assert whole.overdue
    assert combined(parts[:1]) is parts[0]
