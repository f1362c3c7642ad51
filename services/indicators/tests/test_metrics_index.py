"""The index gauges: a series per unit, group/metric/target and exposed period; nulls omitted; never raise."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period, PeriodError
from tthc.indicators.domain.scoring import GroupCode, MetricCode, Scorecard, score_unit
from tthc.indicators.domain.targets import load_targets_2024
from tthc.indicators.metrics import IndicatorsMetrics
from tthc.indicators.metrics_index import IndexCollector, ScorecardSource
from tthc.indicators.metrics_periods import MetricsPeriods
from tthc.indicators.projection.decoding import from_envelope
from tthc.indicators.projection.scenarios import ScenarioSpace, procedure_changed, random_scenarios
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree
from tthc.kit.clock import FixedClock

from .projection.conftest import inbound

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 3, 20, 10, tzinfo=VN)
UNITS = [
    UnitInfo("H", "Tỉnh", "PROVINCE"),
    UnitInfo("H.01", "Sở", "PROVINCIAL_DEPARTMENT", "H"),
    UnitInfo("H.30", "Huyện", "DISTRICT", "H"),
    UnitInfo("H.30.01", "Xã 1", "COMMUNE", "H.30"),
    UnitInfo("H.30.02", "Xã 2", "COMMUNE", "H.30"),
]
CATALOGUE = [
    procedure_changed("P1", 1, online_level="full_process", has_fee=True),
    procedure_changed("P2", 1, online_level="partial", unit_level="province"),
]
SCENARIOS = random_scenarios(
    random.Random(9), 160, ScenarioSpace(["H.01", "H.30", "H.30.01"], ["P1", "P2"], date(2024, 1, 10), 70, VN)
)
TARGETS = load_targets_2024()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def indicators(tmp_path: Path, clock: FixedClock) -> Indicators:
    model = Indicators(FactsStore.open(f"sqlite:///{tmp_path / 'facts.db'}"), UnitTree(UNITS), clock)
    model.apply_batch([from_envelope(event) for event in CATALOGUE])
    model.apply_batch([event for scenario in SCENARIOS for event in inbound(scenario)])
    return model


def scrape(registry: CollectorRegistry) -> dict[str, list[Sample]]:
    """The exposition text parsed back, by family name (what Prometheus would read)."""
    text = generate_latest(registry).decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def collected(indicators: ScorecardSource, clock: FixedClock, periods: str = "") -> dict[str, list[Sample]]:
    registry = CollectorRegistry()
    registry.register(IndexCollector(indicators, clock, MetricsPeriods.parse(periods), [TARGETS]))
    return scrape(registry)


def test_scores_equal_the_read_models_scorecards_for_every_unit_and_current_period(
    indicators: Indicators, clock: FixedClock
) -> None:
    families = collected(indicators, clock)
    periods = {
        "month": Period.month(2024, 3),
        "quarter": Period.quarter(2024, 1),
        "year": Period.whole_year(2024),
    }
    scores = {
        (s.labels["unit"], s.labels["group"], s.labels["period_kind"], s.labels["period"]): s.value
        for s in families["tthc_indicators_score"]
    }
    expected: dict[tuple[str, str, str, str], float] = {}
    for kind, period in periods.items():
        for unit in UNITS:
            card = indicators.scorecard(unit.code, period, NOW)
            expected[(unit.code, "TOTAL", kind, str(period))] = float(card.total)
            for group in card.groups:
                if group.score is not None:
                    expected[(unit.code, str(group.code), kind, str(period))] = float(group.score)
    assert scores == expected
    assert any(value > 0 for value in scores.values())
    totals = {s.labels["unit"] for s in families["tthc_indicators_score"] if s.labels["group"] == "TOTAL"}
    assert totals == {unit.code for unit in UNITS}


def test_labels_are_bounded_to_units_codes_targets_and_periods(
    indicators: Indicators, clock: FixedClock
) -> None:
    families = collected(indicators, clock)
    allowed = {
        "unit": {unit.code for unit in UNITS},
        "group": {str(code) for code in GroupCode} | {"TOTAL"},
        "metric": {str(code) for code in MetricCode},
        "target": {row.id for row in TARGETS.rows},
        "period_kind": {"month", "quarter", "year"},
        "period": {"2024-03", "2024-Q1", "2024"},
    }
    dossier_ids = {str(s.dossier_id) for s in SCENARIOS} | {s.code for s in SCENARIOS}
    gauges = [name for name in families if name.startswith("tthc_indicators_") and "collect" not in name]
    assert {
        "tthc_indicators_score",
        "tthc_indicators_metric_ratio",
        "tthc_indicators_target_gap_ratio",
    } <= set(gauges)
    for name in gauges:
        for sample in families[name]:
            for label, value in sample.labels.items():
                assert value in allowed[label], (name, label, value)
                assert value not in dossier_ids


def test_metric_ratios_are_fractions_and_nulls_have_no_series(
    indicators: Indicators, clock: FixedClock
) -> None:
    families = collected(indicators, clock, "2024-03")
    ratios = {
        (s.labels["unit"], s.labels["metric"]): s.value for s in families["tthc_indicators_metric_ratio"]
    }
    for unit in UNITS:
        card = indicators.scorecard(unit.code, Period.month(2024, 3), NOW)
        for metric in card.metrics:
            key = (unit.code, str(metric.code))
            if metric.ratio is None:
                assert key not in ratios
            else:
                assert ratios[key] == pytest.approx(float(metric.ratio) / 100)
                assert 0 <= ratios[key] <= 1
    assert not any(
        metric == MetricCode.ELECTRONIC_CERTIFIED_COPY for _, metric in ratios
    )  # no event feeds it
    assert ratios  # some metrics do have data


def test_target_gaps_are_the_shortfall_below_the_related_targets(
    indicators: Indicators, clock: FixedClock
) -> None:
    families = collected(indicators, clock, "2024-03")
    ratios = {
        (s.labels["unit"], s.labels["metric"]): s.value for s in families["tthc_indicators_metric_ratio"]
    }
    gaps = {
        (s.labels["unit"], s.labels["target"], s.labels["metric"]): s.value
        for s in families["tthc_indicators_target_gap_ratio"]
    }
    submission = {key: value for key, value in gaps.items() if key[1] == "3"}  # ≥ 50 % of dossiers online
    assert submission
    for (unit, _, metric), value in submission.items():
        assert metric == "ONLINE_DOSSIER_SUBMISSION"
        assert value == pytest.approx(max(0.0, 0.5 - ratios[(unit, metric)]), abs=1e-9)
    assert {key[1] for key in gaps} <= {row.id for row in TARGETS.rows if row.related_metrics}
    assert all(0 <= value <= 1 for value in gaps.values())
    next_year = collected(indicators, clock, "2025-01")  # no targets shipped for 2025: no gap series
    assert (
        "tthc_indicators_target_gap_ratio" not in next_year
        or not next_year["tthc_indicators_target_gap_ratio"]
    )


def test_current_periods_follow_the_injected_clock_and_a_fixed_list_pins_them(
    indicators: Indicators, clock: FixedClock
) -> None:
    def periods(families: dict[str, list[Sample]]) -> set[tuple[str, str]]:
        return {(s.labels["period_kind"], s.labels["period"]) for s in families["tthc_indicators_score"]}

    clock.set(datetime(2024, 4, 2, 9, tzinfo=VN))
    assert periods(collected(indicators, clock)) == {
        ("month", "2024-04"),
        ("quarter", "2024-Q2"),
        ("year", "2024"),
    }
    pinned = collected(indicators, clock, "2024-02, 2024-Q1")
    assert periods(pinned) == {("month", "2024-02"), ("quarter", "2024-Q1")}
    february = next(
        s.value
        for s in pinned["tthc_indicators_score"]
        if (s.labels["unit"], s.labels["group"], s.labels["period"]) == ("H", "TOTAL", "2024-02")
    )
    assert february == float(indicators.scorecard("H", Period.month(2024, 2)).total)


class FlakySource:
    """A read model whose scorecard fails for one unit (or whose registry fails)."""

    def __init__(self, failing_unit: str = "", units_fail: bool = False) -> None:
        self.failing_unit, self.units_fail = failing_unit, units_fail

    def units(self) -> Sequence[UnitInfo]:
        if self.units_fail:
            raise OSError("registry unavailable")
        return UNITS

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
        if unit_code == self.failing_unit:
            raise RuntimeError("store unavailable")
        return score_unit({})  # no inputs at all: every group and metric is null


def test_a_failing_scorecard_is_skipped_and_counted_and_the_scrape_goes_on(
    clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    registry = CollectorRegistry()
    IndicatorsMetrics.create(registry, clock=clock, indicators=FlakySource("H.30"))
    families = scrape(registry)
    units = {s.labels["unit"] for s in families["tthc_indicators_score"]}
    assert units == {unit.code for unit in UNITS} - {"H.30"}
    [failures] = [s for s in families["tthc_indicators_scorecard_failures"] if s.name.endswith("_total")]
    assert failures.value == 3  # one per exposed period
    assert "H.30" in caplog.text
    again = scrape(registry)
    assert [s.value for s in again["tthc_indicators_scorecard_failures"] if s.name.endswith("_total")] == [6]


def test_a_failing_registry_exposes_no_index_series_but_does_not_raise(clock: FixedClock) -> None:
    registry = CollectorRegistry()
    registry.register(IndexCollector(FlakySource(units_fail=True), clock))
    families = scrape(registry)
    assert not families.get("tthc_indicators_score")
    assert [s.value for s in families["tthc_indicators_scorecard_failures"] if s.name.endswith("_total")] == [
        1
    ]
    assert families["tthc_indicators_scorecards_collect_seconds"][0].value >= 0


def test_null_groups_and_metrics_have_no_series_but_the_total_does(clock: FixedClock) -> None:
    families = collected(FlakySource(), clock, "2024-03")
    assert {s.labels["group"] for s in families["tthc_indicators_score"]} == {"TOTAL"}
    assert {s.value for s in families["tthc_indicators_score"]} == {0.0}
    assert not families.get("tthc_indicators_metric_ratio")
    maxima = {
        s.labels["group"]: s.value for s in families["tthc_indicators_score_max"] if s.labels["unit"] == "H"
    }
    assert maxima["TOTAL"] == 100
    assert sum(value for group, value in maxima.items() if group != "TOTAL") == 100


def test_registering_does_not_compute_scorecards(clock: FixedClock) -> None:
    class Counting(FlakySource):
        calls = 0

        def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
            Counting.calls += 1
            return super().scorecard(unit_code, period, as_of)

    registry = CollectorRegistry()
    registry.register(IndexCollector(Counting(), clock))
    assert Counting.calls == 0
    scrape(registry)
    assert Counting.calls == len(UNITS) * 3


@pytest.mark.parametrize(
    ("text", "message"),
    [("2024-03-01..2024-03-15", "range"), ("2024-03,2024-03", "twice"), ("2024-13", "does not exist")],
)
def test_bad_period_settings_fail_fast(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        MetricsPeriods.parse(text)


def test_the_scorecard_as_of_is_the_scrape_instant(indicators: Indicators, clock: FixedClock) -> None:
    """A pending dossier turns overdue with no event: the next scrape shows it (the clock is read anew)."""
    before = collected(indicators, clock, "2024-03")
    clock.advance(timedelta(days=9))
    after = collected(indicators, clock, "2024-03")

    def total(families: dict[str, list[Sample]]) -> float:
        return next(
            s.value
            for s in families["tthc_indicators_score"]
            if (s.labels["unit"], s.labels["group"]) == ("H", "TOTAL")
        )

    assert total(before) == float(indicators.scorecard("H", Period.month(2024, 3), NOW).total)
    assert total(after) == float(
        indicators.scorecard("H", Period.month(2024, 3), NOW + timedelta(days=9)).total
    )
    assert total(after) != total(before)  # dossiers pending at NOW are overdue 9 days later
    assert Decimal(str(total(after))) == indicators.scorecard("H", Period.month(2024, 3)).total


def test_a_scrape_stops_computing_at_its_budget_and_the_next_ones_catch_up(clock: FixedClock) -> None:
    elapsed = [0.0]

    class Slow(FlakySource):
        def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
            elapsed[0] += 1.0  # one "second" per scorecard on the collector's timer
            return super().scorecard(unit_code, period, as_of)

    registry = CollectorRegistry()
    collector = IndexCollector(
        Slow(), clock, MetricsPeriods.parse("2024-03"), budget_s=2.5, timer=lambda: elapsed[0]
    )
    registry.register(collector)

    def exposed() -> tuple[set[str], float]:
        families = scrape(registry)
        units = {s.labels["unit"] for s in families.get("tthc_indicators_score", [])}
        return units, families["tthc_indicators_scorecard_age_seconds"][0].value

    assert exposed() == ({"H", "H.01", "H.30"}, 0.0)  # 3 scorecards: the budget ran out after 3 "seconds"
    units, age = exposed()
    assert units == {unit.code for unit in UNITS}  # the two never computed went first
    assert age == 1.0  # H.01, computed at t=2 in the first scrape; this one started at t=3
    assert exposed()[1] > 0


def test_a_scrape_during_a_refresh_waits_and_reuses_its_figures(clock: FixedClock) -> None:
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []

    class Blocking(FlakySource):
        def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard:
            calls.append(unit_code)
            entered.set()
            release.wait(5)
            return super().scorecard(unit_code, period, as_of)

    collector = IndexCollector(Blocking(), clock, MetricsPeriods.parse("2024-03"))
    first = threading.Thread(target=lambda: list(collector.collect()))
    first.start()
    assert entered.wait(5)
    results: list[list[Metric]] = []
    second = threading.Thread(target=lambda: results.append(list(collector.collect())))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waits for the refresh in progress
    release.set()
    first.join(5)
    second.join(5)
    assert len(calls) == len(UNITS)  # one refresh: the second scrape computed nothing itself
    exposed = {s.labels["unit"] for f in results[0] if f.name == "tthc_indicators_score" for s in f.samples}
    assert exposed == {unit.code for unit in UNITS}  # the first scrape's figures
