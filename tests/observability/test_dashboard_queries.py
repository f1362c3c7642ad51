"""Every query of the Grafana dashboard, evaluated by a real Prometheus scraping a real indicators projection.

The projection consumes synthetic dossiers from the real Kafka broker (a first wave before Prometheus starts,
a second one while it scrapes every second, so rates and latency quantiles have data). Each dashboard
expression, with its template variables set to real values, must return the expected series: the index
queries the read model's own scorecards, the health queries the consumer's state.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.observability import dashboard
from tests.observability.stack import IndicatorsUnderTest, Topics
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import Scorecard
from tthc.indicators.domain.targets import load_targets_2024
from tthc.indicators.projection.scenarios import (
    ScenarioSpace,
    procedure_changed,
    random_scenarios,
    scenario_events,
)
from tthc.indicators.projection.units import load_unit_tree
from tthc.kit.testing.prometheus import LocalPrometheus, running_prometheus

pytestmark = pytest.mark.kafka

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PERIODS = ("2024-03", "2024-Q1", "2024")
TREE = load_unit_tree()  # the shipped sample registry (province H48, 22 units)
WITH_DOSSIERS = ["H48.01", "H48.02", "H48.30", "H48.30.01", "H48.40.01", "H48.40.02"]
UNITS_SHOWN = ("H48", "H48.30.01")  # values given to $unit: the province and a commune
CATALOGUE = [
    procedure_changed("P1", 1, online_level="full_process", has_fee=True),
    procedure_changed("P2", 1, online_level="partial", unit_level="province"),
]
SCENARIOS = random_scenarios(
    random.Random(766), 320, ScenarioSpace(WITH_DOSSIERS, ["P1", "P2"], date(2024, 2, 20), 40, VN)
)
RATE_INTERVAL = "30s"  # what Grafana's $__rate_interval becomes for a 1 s scrape and a short range
TARGETS = load_targets_2024()
QUERIES = dashboard.queries(dashboard.load())


@dataclass(frozen=True)
class Stack:
    prometheus: LocalPrometheus
    model: IndicatorsUnderTest
    published: int


def scraped_events(prometheus: LocalPrometheus) -> float:
    found = prometheus.query("sum(tthc_indicators_events_processed_total)")
    return float(found[0]["value"][1]) if found else -1.0


def scraped_figures_computed_after(prometheus: LocalPrometheus, since: float) -> bool:
    """The last scrape's index figures were all computed after `since` (Unix time): the scrape's time minus
    the age of its oldest figures. A scrape refreshes within a budget, so on a slow machine figures can lag
    the events already counted."""
    found = prometheus.query(
        "timestamp(tthc_indicators_scorecard_age_seconds) - tthc_indicators_scorecard_age_seconds"
    )
    return bool(found) and float(found[0]["value"][1]) > since


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    topics = Topics(kafka_bootstrap)
    model = IndicatorsUnderTest(
        topics, tmp_path_factory.mktemp("indicators") / "facts.db", TREE, ",".join(PERIODS)
    )
    first = CATALOGUE + [event for scenario in SCENARIOS[:260] for event in scenario_events(scenario)]
    second = [event for scenario in SCENARIOS[260:] for event in scenario_events(scenario)]
    try:
        model.start()
        published = topics.publish(first)
        model.wait_for_events(published)
        with running_prometheus([model.target]) as prometheus:
            prometheus.wait_until(prometheus.targets_up, 30, "the indicators target up")
            time.sleep(3)  # a few scrapes before the second wave: the base of the rates
            published += topics.publish(second)
            model.wait_for_events(published)
            absorbed = time.time()
            prometheus.wait_until(lambda: scraped_events(prometheus) == published, 30, "all events scraped")
            prometheus.wait_until(
                lambda: scraped_figures_computed_after(prometheus, absorbed), 60, "figures of every event"
            )
            yield Stack(prometheus, model, published)
    finally:
        model.stop()


@dataclass(frozen=True)
class Context:
    """The values of the template variables, and the read model's answers for them."""

    stack: Stack
    unit: str
    period: str

    def card(self, unit: str | None = None, period: str | None = None) -> Scorecard:
        return self.stack.model.indicators.scorecard(unit or self.unit, Period.parse(period or self.period))


Result = list[dict[str, Any]]


def by(result: Result, *labels: str) -> dict[Any, float]:
    keys = [tuple(sample["metric"].get(label, "") for label in labels) for sample in result]
    values = {
        key[0] if len(labels) == 1 else key: float(sample["value"][1])
        for key, sample in zip(keys, result, strict=True)
    }
    assert len(values) == len(result), f"several series share labels {labels}: {result}"
    return values


def fraction(percent: Decimal) -> float:
    return float(percent) / 100


def expected_gaps(card: Scorecard) -> dict[tuple[str, str], float]:
    ratios = {str(metric.code): metric.ratio for metric in card.metrics if metric.ratio is not None}
    return {
        (row.id, str(code)): max(0.0, fraction(row.value) - fraction(ratios[str(code)]))
        for row in TARGETS.rows
        if row.unit == "%" and not row.unit_levels
        for code in row.related_metrics
        if str(code) in ratios
    }


def check_totals(result: Result, ctx: Context, _: str) -> None:
    assert by(result, "unit") == pytest.approx({u.code: float(ctx.card(u.code).total) for u in TREE})
    top = max(float(ctx.card(u.code).total) for u in TREE)
    assert float(result[0]["value"][1]) == pytest.approx(top)  # sorted, best first


def check_group_shares(result: Result, ctx: Context, _: str) -> None:
    groups = [group for group in ctx.card().groups if group.score is not None]
    assert by(result, "group") == pytest.approx(
        {str(g.code): float(g.score or 0) / g.max_score for g in groups}
    )


def check_points(result: Result, ctx: Context, _: str) -> None:
    card = ctx.card()
    expected = {str(g.code): float(g.score) for g in card.groups if g.score is not None}
    assert by(result, "group") == pytest.approx({**expected, "TOTAL": float(card.total)})


def check_trend(result: Result, ctx: Context, _: str) -> None:
    assert by(result, "period") == pytest.approx({p: float(ctx.card(period=p).total) for p in PERIODS})


def check_ratios(result: Result, ctx: Context, _: str) -> None:
    metrics = ctx.card().metrics
    assert by(result, "metric") == pytest.approx(
        {str(m.code): fraction(m.ratio) for m in metrics if m.ratio is not None}
    )


def check_gaps(result: Result, ctx: Context, _: str) -> None:
    assert by(result, "target", "metric") == pytest.approx(expected_gaps(ctx.card()))
    assert any(value > 0 for value in by(result, "target", "metric").values())


def check_units_below(result: Result, ctx: Context, _: str) -> None:
    below: dict[str, int] = {}
    for unit in TREE:
        for target in {t for (t, _), gap in expected_gaps(ctx.card(unit.code)).items() if gap > 0}:
            below[target] = below.get(target, 0) + 1
    assert by(result, "target") == below


def check_lag(result: Result, ctx: Context, _: str) -> None:
    topics = ctx.stack.model.topics
    lag = by(result, "topic")
    assert topics.dossiers in lag
    assert set(lag) <= {topics.dossiers, topics.catalog}
    assert set(lag.values()) == {0.0}  # caught up


def check_events(result: Result, ctx: Context, _: str) -> None:
    topics = ctx.stack.model.topics
    rates = by(result, "topic", "outcome")
    assert rates[(topics.dossiers, "applied")] > 0  # the second wave, within the rate window
    assert {topic for topic, _ in rates} <= {topics.dossiers, topics.catalog, "mixed"}
    assert {outcome for _, outcome in rates} <= {"applied", "duplicate", "parked", "rejected", "unreadable"}


def check_quantile(result: Result, ctx: Context, _: str) -> None:
    [sample] = result
    value = float(sample["value"][1])
    assert math.isfinite(value)
    assert 0 < value <= 60


def check_batches(result: Result, ctx: Context, _: str) -> None:
    rates = by(result, "outcome")
    assert rates["committed"] > 0
    assert rates["failed"] == 0


def check_collection(result: Result, ctx: Context, ref: str) -> None:
    if ref == "A":
        assert set(by(result, "instance")) == {ctx.stack.model.target}
        assert 0 <= next(iter(by(result, "instance").values())) < 1  # within the 1 s scrape timeout
    elif ref == "B":
        [sample] = result
        assert float(sample["value"][1]) == 0  # no scorecard failed
    else:
        assert by(result, "instance") == {ctx.stack.model.target: 0.0}  # every figure from the last scrape


CHECKS: dict[str, Callable[[Result, Context, str], None]] = {
    "Total index by unit": check_totals,
    "Groups of $unit (share of the group's maximum)": check_group_shares,
    "Points of $unit": check_points,
    "Total index trend — $unit": check_trend,
    "Metric ratios": check_ratios,
    "Gap to the year's targets": check_gaps,
    "Units below target, by target": check_units_below,
    "Consumer lag": check_lag,
    "Events processed": check_events,
    "Projection latency p99": check_quantile,
    "Batches": check_batches,
    "Batch duration p99": check_quantile,
    "Scorecard computation per scrape": check_collection,
}


def test_every_panel_query_has_a_check() -> None:
    assert {query.panel for query in QUERIES} == set(CHECKS)
    assert len(QUERIES) >= 13


def test_the_template_variables_list_the_registry_units_and_the_exposed_periods(stack: Stack) -> None:
    unit_variable, period_variable = dashboard.variables(dashboard.load())
    assert (unit_variable.name, period_variable.name) == ("unit", "period")
    units = stack.prometheus.label_values(unit_variable.label, unit_variable.match)
    assert sorted(units) == sorted(unit.code for unit in TREE)
    for unit in UNITS_SHOWN:
        match = dashboard.substitute(period_variable.match, {"unit": unit})
        assert sorted(stack.prometheus.label_values(period_variable.label, match)) == sorted(PERIODS)


@pytest.mark.parametrize("query", QUERIES, ids=[f"{q.panel}/{q.ref}" for q in QUERIES])
def test_the_dashboard_query_returns_the_expected_series(stack: Stack, query: dashboard.Query) -> None:
    uses_variables = "$unit" in query.expr or "$period" in query.expr
    combinations = [(u, p) for u in UNITS_SHOWN for p in PERIODS] if uses_variables else [("H48", PERIODS[0])]
    for unit, period in combinations:
        values = {"unit": unit, "period": period, "__rate_interval": RATE_INTERVAL}
        expr = dashboard.substitute(query.expr, values)
        result = stack.prometheus.query(expr)
        assert result, f"no series for {expr}"
        CHECKS[query.panel](result, Context(stack, unit, period), query.ref)


def test_the_scraped_scores_are_the_scorecards_of_every_unit_and_period(stack: Stack) -> None:
    """The raw gauge, not through a panel: one TOTAL per unit and period, equal to the read model's total."""
    found = stack.prometheus.query('tthc_indicators_score{group="TOTAL"}')
    got = by(found, "unit", "period")
    expected = {
        (unit.code, period): float(stack.model.indicators.scorecard(unit.code, Period.parse(period)).total)
        for unit in TREE
        for period in PERIODS
    }
    assert got == pytest.approx(expected)
    assert any(value > 0 for value in got.values())
    assert Path(dashboard.DASHBOARD).is_file()
