"""The Indicators read model: scorecards equal a direct count of the same facts; caching; time; drill-down."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tthc.indicators import read_model
from tthc.indicators.application import UNSOURCED_METRICS, Indicators, InvalidPageTokenError
from tthc.indicators.domain.counting import count_unit, count_unit_detailed, inherit_catalogue_metrics
from tthc.indicators.domain.facts_catalogue import UnitFacts, UnitLevel
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, MetricInput, Scorecard, score_unit
from tthc.indicators.domain.scoring import UnitLevel as ScoringLevel
from tthc.indicators.projection.decoding import from_envelope
from tthc.indicators.projection.mapping_catalogue import procedure_facts
from tthc.indicators.projection.scenarios import (
    DossierScenario,
    ScenarioSpace,
    Step,
    expected_facts,
    procedure_changed,
    random_scenarios,
)
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree, UnknownUnitError
from tthc.kit.clock import VIETNAM, FixedClock

from .conftest import inbound

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period.month(2024, 3)
NOW = datetime(2024, 3, 20, 10, tzinfo=VN)
TREE = UnitTree(
    [
        UnitInfo("H", "Tỉnh", "PROVINCE"),
        UnitInfo("H.01", "Sở", "PROVINCIAL_DEPARTMENT", "H"),
        UnitInfo("H.30", "Huyện", "DISTRICT", "H"),
        UnitInfo("H.30.01", "Xã 1", "COMMUNE", "H.30"),
        UnitInfo("H.30.02", "Xã 2", "COMMUNE", "H.30"),
    ]
)
CATALOGUE = [
    procedure_changed("P1", 1, online_level="full_process", has_fee=True),
    procedure_changed("P2", 2, online_level="partial", unit_level="province"),
    procedure_changed("P3", 1, online_level="none", legal_time_days=None),
]
SCENARIOS = random_scenarios(
    random.Random(766),
    250,
    ScenarioSpace(["H.01", "H.30", "H.30.01", "H.30.02"], ["P1", "P2", "P3"], date(2024, 2, 10), 45, VN),
)


def direct_scorecard(unit: str, as_of: datetime, scenarios: list[DossierScenario]) -> Scorecard:
    """The scorecard computed straight from the scenarios' facts with the domain functions."""
    procedures = {event.data.procedure.code: procedure_facts(event.data) for event in CATALOGUE}
    facts = [expected_facts(s) for s in scenarios]

    def inputs_of(code: str) -> dict[MetricCode, MetricInput]:
        pool = TREE.pool(code)
        units = [
            UnitFacts(c, UnitLevel.PROVINCE if c in {"H", "H.01"} else UnitLevel.COMMUNE)
            for c in sorted(pool)
        ]
        counted = count_unit([f for f in facts if f.unit_code in pool], procedures, MARCH, as_of, units=units)
        return counted | {MetricCode.ELECTRONIC_CERTIFIED_COPY: MetricInput.unavailable()}

    inputs = inputs_of(unit)
    if unit != "H":
        inputs = inherit_catalogue_metrics(inputs_of("H"), inputs)
    level = {"H": ScoringLevel.PROVINCE, "H.30.01": ScoringLevel.COMMUNE, "H.30.02": ScoringLevel.COMMUNE}
    return score_unit(inputs, level=level.get(unit))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def indicators(store_url: str, clock: FixedClock) -> Indicators:
    model = Indicators(FactsStore.open(store_url), TREE, clock)
    model.apply_batch([from_envelope(event) for event in CATALOGUE])
    model.apply_batch([event for scenario in SCENARIOS for event in inbound(scenario)])
    return model


@pytest.mark.parametrize("unit", ["H", "H.30", "H.30.01", "H.01"])
def test_the_scorecard_equals_a_direct_count_of_the_same_facts(indicators: Indicators, unit: str) -> None:
    card = indicators.scorecard(unit, MARCH)
    assert card == direct_scorecard(unit, NOW, SCENARIOS)
    on_time = card.metric(MetricCode.PROCESSED_ON_TIME)
    assert on_time.denominator
    assert 0 < (on_time.numerator or 0) < on_time.denominator
    assert card.metric(MetricCode.ELECTRONIC_CERTIFIED_COPY).score is None


def test_a_restarted_read_model_answers_the_same(
    indicators: Indicators, store_url: str, clock: FixedClock
) -> None:
    before = indicators.scorecard("H", MARCH)
    indicators.close()
    again = Indicators(FactsStore.open(store_url), TREE, clock)
    assert again.scorecard("H", MARCH) == before
    assert again.dossier(str(SCENARIOS[0].dossier_id)) == expected_facts(SCENARIOS[0])


def test_facts_applied_live_are_kept_with_shared_instants(indicators: Indicators) -> None:
    kept = [indicators.dossier(str(scenario.dossier_id)) for scenario in SCENARIOS]
    received = [facts for facts in kept if facts is not None and facts.received_at is not None]
    assert received
    assert {at.tzinfo for facts in received for at in facts.status_times} == {VIETNAM}
    assert all(any(at is facts.received_at for at in facts.status_times) for facts in received)


def pending(code: str, unit: str, due: datetime) -> DossierScenario:
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, code),
        code=code, unit_code=unit, procedure_code="P1",
        received_at=NOW - timedelta(days=1), due_at=due,
        steps=(Step("start", NOW - timedelta(hours=20)),),
    )  # fmt: skip


def test_a_pending_dossier_turns_overdue_when_the_clock_passes_its_due_date(
    indicators: Indicators, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    late_soon = pending("PENDING-1", "H.30.02", NOW + timedelta(days=1))
    indicators.apply_batch(inbound(late_soon))
    calls: list[str] = []
    real = read_model.count_unit

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("count")
        return real(*args, **kwargs)

    monkeypatch.setattr(read_model, "count_unit", counting)
    first = indicators.scorecard("H.30.02", MARCH)
    assert indicators.scorecard("H.30.02", MARCH) == first
    computed = len(calls)
    assert computed == 2  # the commune and its province (inherited catalogue metrics), once

    clock.advance(timedelta(hours=2))  # whatever the cache answers must be the answer at the new instant
    assert indicators.scorecard("H.30.02", MARCH) == direct_scorecard(
        "H.30.02", NOW + timedelta(hours=2), [*SCENARIOS, late_soon]
    )
    clock.set(NOW + timedelta(days=2))  # past the due date, with no event
    later = indicators.scorecard("H.30.02", MARCH)
    assert len(calls) > computed
    assert later == direct_scorecard("H.30.02", NOW + timedelta(days=2), [*SCENARIOS, late_soon])
    on_time = indicators.explain("H.30.02", MARCH, MetricCode.PROCESSED_ON_TIME, page_size=10_000)
    dossier_id = str(late_soon.dossier_id)
    assert dossier_id in on_time.denominator_ids
    assert dossier_id not in on_time.numerator_ids
    clock.set(NOW)
    assert (
        dossier_id in indicators.explain("H.30.02", MARCH, MetricCode.PROCESSED_ON_TIME, 10_000).numerator_ids
    )


def test_new_facts_of_a_pool_refresh_its_scorecard_and_its_ancestors_only(
    indicators: Indicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    for unit in ("H", "H.30.01", "H.01"):
        indicators.scorecard(unit, MARCH)
    calls: list[object] = []
    real = read_model.count_unit
    monkeypatch.setattr(read_model, "count_unit", lambda *a, **k: calls.append(a) or real(*a, **k))
    extra = pending("NEW-1", "H.30.01", NOW + timedelta(days=5))
    indicators.apply_batch(inbound(extra))
    indicators.scorecard("H.01", MARCH)
    assert calls == []  # another branch of the tree; the province's catalogue metrics do not change
    card = indicators.scorecard("H.30.01", MARCH)
    assert len(calls) == 1
    indicators.scorecard("H", MARCH)
    assert len(calls) == 2
    assert card == direct_scorecard("H.30.01", NOW, [*SCENARIOS, extra])


def test_explain_pages_through_the_ids_counted_as_of_the_first_page(
    indicators: Indicators, clock: FixedClock
) -> None:
    procedures = {event.data.procedure.code: procedure_facts(event.data) for event in CATALOGUE}
    pool = TREE.pool("H.30")
    facts = [expected_facts(s) for s in SCENARIOS if s.unit_code in pool]
    units = [UnitFacts(c, UnitLevel.COMMUNE) for c in sorted(pool)]
    expected = count_unit_detailed(facts, procedures, MARCH, NOW, units=units).breakdown[
        MetricCode.PROCESSED_ON_TIME
    ]

    seen, numerators, token = [], [], ""
    while True:
        page = indicators.explain("H.30", MARCH, MetricCode.PROCESSED_ON_TIME, page_size=17, page_token=token)
        assert page.as_of == NOW
        seen += page.denominator_ids
        numerators += page.numerator_ids
        clock.advance(timedelta(days=3))  # later pages stay on the first page's instant
        token = page.next_page_token
        if not token:
            break
    assert (page.subject, page.denominator_count) == ("dossier", len(expected.denominator))
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(expected.denominator)
    assert sorted(numerators) == sorted(expected.numerator)


def test_explain_reports_the_province_catalogue_for_a_commune_and_nothing_for_unsourced_metrics(
    indicators: Indicators,
) -> None:
    child = indicators.explain("H.30.01", MARCH, MetricCode.ONLINE_SERVICE_PROVISION)
    root = indicators.explain("H", MARCH, MetricCode.ONLINE_SERVICE_PROVISION)
    assert child.denominator_ids == root.denominator_ids == ("P1", "P2", "P3")
    assert child.numerator_ids == ("P1", "P2")
    for metric in UNSOURCED_METRICS:
        assert indicators.explain("H", MARCH, metric).denominator_ids == ()


def test_bad_queries_are_named_errors(indicators: Indicators) -> None:
    with pytest.raises(UnknownUnitError):
        indicators.scorecard("NOPE", MARCH)
    with pytest.raises(InvalidPageTokenError):
        indicators.explain("H", MARCH, MetricCode.PROCESSED_ON_TIME, page_token="garbage!")
    assert {unit.code for unit in indicators.units()} == {"H", "H.01", "H.30", "H.30.01", "H.30.02"}


def test_the_sample_registry_loads(tmp_path: Path) -> None:
    model = Indicators.open(f"sqlite:///{tmp_path / 'x.db'}", FixedClock(NOW))
    assert any(unit.code == "H48" for unit in model.units())
    assert model.scorecard("H48", MARCH).metric(MetricCode.PROCESSED_ON_TIME).denominator == 0


def test_a_warmed_up_read_model_answers_every_unit_without_counting_again(
    indicators: Indicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = [unit.code for unit in TREE]
    assert indicators.warm_up([MARCH, Period.whole_year(2024)]) == 2 * len(units)

    def no_counting(*_: object, **__: object) -> None:
        raise AssertionError("counted again after the warm-up")

    monkeypatch.setattr(read_model, "count_missing", no_counting)
    for unit in units:
        assert indicators.scorecard(unit, MARCH) == direct_scorecard(unit, NOW, SCENARIOS)


def test_a_warm_up_stops_when_asked(indicators: Indicators) -> None:
    stop = threading.Event()
    stop.set()
    assert indicators.warm_up([MARCH], stop) == 0
