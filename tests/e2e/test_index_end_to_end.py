"""End to end: simulated feed → dossier service → Kafka → indicators service → gRPC scorecards, checked
against scorecards computed independently from the simulator's ground truth (`truth_facts`).

Both services run in this process on free ports against the session broker. The public topics are shared
with other tests, so this test uses a unit registry of its own (province Z766 and three wards, in a file both
services load), a fresh consumer group and its own stores; other tests' dossiers belong to units outside the
registry and never enter Z766's pools. The catalogue is the shipped sample, as for every dossier service on
the broker.

Expected figures: truths → facts (`truth_facts`) → `count_unit` → `score_unit`, pooled per index-766 §4 (a
province pools itself and its wards, a ward only itself, catalogue metrics are the province's); 4.6 has no
source yet in the service (reported as not available), so it is not available here either. Every period is
counted as of the end of the feed, from the facts known then: also the closed February, which the service
counts from everything it knows now (results, payments and receptions learned in March move February's
3.3, 3.6, 3.2, 4.1 and 4.2 figures; the truth facts are taken at the same instant, so both sides agree).

The catalogue figures are checked the same way against the catalogue file (`catalogue_facts`), also for a
range period that ends after a decision's make-public deadline but before its late click (index-766 §1.2).

On failure the message lists every differing figure (then, for dossiers, those whose counted facts differ
between the truth and the service's projection).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
import yaml

from tthc.dossier.bench.running import running_service
from tthc.dossier.bench.topic_window import end_offsets
from tthc.dossier.bench.workload import write_token_file
from tthc.dossier.config import DossierSettings
from tthc.dossier.domain.catalogue import sample_catalogue
from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.feed.client import FeedClient
from tthc.dossier.feed.simulator import Simulation, SimulationConfig, simulate
from tthc.indicators.bootstrap import IndicatorsEndpoints, build, serve
from tthc.indicators.config import IndicatorsSettings
from tthc.indicators.domain.counting import count_unit, inherit_catalogue_metrics
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_catalogue import ProcedureFacts, UnitFacts, UnitLevel
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, MetricInput, Scorecard, score_unit
from tthc.indicators.domain.scoring import UnitLevel as ScoringLevel
from tthc.indicators.entrypoints.grpc_mapping import timestamp
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from tthc.kit.kafka.topics import CATALOG_EVENTS, DOSSIER_EVENTS
from tthc.kit.worktime import default_calendar

from .truth_facts import catalogue_facts, truth_facts

pytestmark = pytest.mark.kafka

PROVINCE = "Z766"
WARDS = ("Z766.01", "Z766.02", "Z766.03")
UNITS = (PROVINCE, *WARDS)
SIMULATION = SimulationConfig(units=WARDS, start=date(2024, 2, 19), days=21, seed=766)
AS_OF = SIMULATION.end  # the feed holds everything that happened before this instant
PERIODS = ("2024-02", "2024-03", "2024-Q1")
# 1.004746 was due to be made public by 27 June 2023 and was made public on the 30th
CATALOGUE_PERIODS = ("2023-06", "2023-06-01..2023-06-28")
WAIT_S = 40.0


@dataclass(frozen=True)
class Pipeline:
    """What one run of the whole pipeline gave: gRPC scorecards by (unit, period), projected facts by code."""

    simulation: Simulation
    scorecards: Mapping[tuple[str, str], pb.Scorecard]
    projected: Mapping[str, DossierFacts | None]


@pytest.fixture(scope="module")
def pipeline(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """Pushes the simulated feed through both services and reads every scorecard the tests compare."""
    tmp_path = tmp_path_factory.mktemp("index-e2e")
    simulation = simulate(SIMULATION)
    units_file = _registry(tmp_path / "units.yaml")
    token = write_token_file(PROVINCE, tmp_path / "tokens.yaml")
    group = f"e2e-index-{uuid.uuid4().hex[:12]}"
    dossier_settings = DossierSettings(
        store_url=f"sqlite:///{tmp_path}/dossier.db",
        kafka_bootstrap_servers=kafka_bootstrap,
        http_port=0,
        grpc_address="127.0.0.1:0",
        pseudonym_secret="e2e-index-pseudonym-secret",
        feed_tokens_file=tmp_path / "tokens.yaml",
        units_file=units_file,
    )
    index_settings = IndicatorsSettings(
        store_url=f"sqlite:///{tmp_path}/indicators.db",
        kafka_bootstrap_servers=kafka_bootstrap,
        group_id=group,
        units_file=units_file,
        http_port=0,
        grpc_address="127.0.0.1:0",
        batch_timeout_ms=100,
        refresh_interval_s=0,
    )
    with running_service(dossier_settings) as dossiers, running_indicators(index_settings) as index:
        _push(dossiers.endpoints.http, token, simulation)
        dossiers.wait_until_relayed(timeout_s=WAIT_S)
        _wait_until_consumed(kafka_bootstrap, group)
        with grpc.insecure_channel(index.endpoints.grpc) as channel:
            stub = pb_grpc.IndicatorServiceStub(channel)  # type: ignore[no-untyped-call]
            scorecards = {
                (unit, period): stub.GetScorecard(
                    pb.GetScorecardRequest(unit_code=unit, period=period, as_of=timestamp(AS_OF)),
                    timeout=30,
                ).scorecard
                for unit in UNITS
                for period in (*PERIODS, *CATALOGUE_PERIODS)
            }
        projected = {truth.code: index.dossier(truth.code) for truth in simulation.truths}
    return Pipeline(simulation, scorecards, projected)


def test_dossier_scorecards_over_grpc_equal_those_of_the_simulated_truth(pipeline: Pipeline) -> None:
    facts = [f for f in (truth_facts(truth, AS_OF) for truth in pipeline.simulation.truths) if f is not None]
    expected = _expected(PERIODS, facts)
    # the comparison means something: the province counts many dossiers in each period
    for period in PERIODS:
        assert (expected[PROVINCE, period].metric(MetricCode.PROCESSED_ON_TIME).denominator or 0) > 40

    found = _all_differences(expected, pipeline.scorecards)
    assert not found, "\n".join(
        [*found, "", "dossiers whose facts differ:", *_fact_differences(facts, pipeline.projected)]
    )


def test_catalogue_figures_over_grpc_equal_those_of_the_catalogue_file(pipeline: Pipeline) -> None:
    expected = _expected(CATALOGUE_PERIODS, facts=())
    # the comparison means something: decisions were made public in June 2023
    assert (expected[PROVINCE, "2023-06"].metric(MetricCode.PUBLIC_UPDATE_ON_TIME).denominator or 0) > 5

    found = _all_differences(expected, pipeline.scorecards)
    assert not found, "\n".join(found)


# -- the expected scorecards -------------------------------------------------------------------------------


def _expected(periods: Sequence[str], facts: Sequence[DossierFacts]) -> dict[tuple[str, str], Scorecard]:
    procedures = {spec.code: catalogue_facts(spec, default_calendar()) for spec in sample_catalogue()}
    return {
        (unit, period): expected_scorecard(unit, Period.parse(period), AS_OF, facts, procedures)
        for unit in UNITS
        for period in periods
    }


def _all_differences(
    expected: Mapping[tuple[str, str], Scorecard], actual: Mapping[tuple[str, str], pb.Scorecard]
) -> list[str]:
    found = [line for key in expected for line in differences(key, expected[key], actual[key])]
    found += [
        f"{unit} {period}: counted as of {actual[unit, period].as_of.ToDatetime(tzinfo=UTC)}"
        for unit, period in expected
        if actual[unit, period].as_of.ToDatetime(tzinfo=UTC) != Period.parse(period).as_of(AS_OF)
    ]
    return found


def expected_scorecard(
    unit: str,
    period: Period,
    as_of: datetime,
    facts: Sequence[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
) -> Scorecard:
    """The unit's scorecard from the truth facts: own pool, catalogue metrics from the province."""
    inputs = _pool_inputs(unit, period, as_of, facts, procedures)
    if unit != PROVINCE:
        inputs = inherit_catalogue_metrics(_pool_inputs(PROVINCE, period, as_of, facts, procedures), inputs)
    return score_unit(inputs, level=ScoringLevel.PROVINCE if unit == PROVINCE else ScoringLevel.COMMUNE)


def _pool_inputs(
    unit: str,
    period: Period,
    as_of: datetime,
    facts: Sequence[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
) -> dict[MetricCode, MetricInput]:
    pool = (PROVINCE, *WARDS) if unit == PROVINCE else (unit,)
    units = [UnitFacts(code, UnitLevel.PROVINCE if code == PROVINCE else UnitLevel.COMMUNE) for code in pool]
    dossiers = [f for f in facts if f.unit_code in pool]
    inputs = count_unit(dossiers, procedures, period, period.as_of(as_of), units=units)
    inputs[MetricCode.ELECTRONIC_CERTIFIED_COPY] = MetricInput.unavailable()
    return inputs


def differences(key: tuple[str, str], expected: Scorecard, actual: pb.Scorecard) -> list[str]:
    """Every figure of `actual` (gRPC) that differs from `expected`, one line each."""
    where = f"{key[0]} {key[1]}"
    found = []
    metrics = {metric.code: metric for metric in actual.metrics}
    for metric in expected.metrics:
        got = metrics.get(metric.code.value)
        if got is None:
            found.append(f"{where} {metric.code.value}: missing")
            continue
        want = (metric.numerator, metric.denominator, metric.score)
        have = (_int(got, "numerator"), _int(got, "denominator"), _decimal(got, "score"))
        if want != have:
            found.append(f"{where} {metric.code.value}: expected n/d/score {want}, got {have}")
    groups = {group.code: group for group in actual.groups}
    for group in expected.groups:
        have_score = _decimal(groups[group.code.value], "score") if group.code.value in groups else "missing"
        if have_score != group.score:
            found.append(f"{where} group {group.code.value}: expected {group.score}, got {have_score}")
    if Decimal(actual.total) != expected.total:
        found.append(f"{where} total: expected {expected.total}, got {actual.total}")
    return found


def _int(message: pb.MetricScore, field: str) -> int | None:
    return int(getattr(message, field)) if message.HasField(field) else None


def _decimal(message: pb.MetricScore | pb.GroupScore, field: str) -> Decimal | None:
    return Decimal(getattr(message, field)) if message.HasField(field) else None


# -- diagnostics: the per-dossier facts the counts depend on ------------------------------------------------


def _counted_view(facts: DossierFacts) -> dict[str, object]:
    ends = [(c.status.name, c.at) for c in facts.statuses if c.status.value in (3, 7, 8, 9, 10)]
    return {
        "channel": facts.effective_channel.name,
        "received_at": facts.received_at,
        "intake_at": facts.intake_at,
        "original_due": facts.original_due,
        "current_due": facts.current_due,
        "first_end": ends[0] if ends else None,
        "supplements": [(r.requested_at, r.supplied_at) for r in facts.supplements],
        "has_fee": facts.has_fee,
        "all_fees_zero": facts.all_fees_zero,
        "paid_online": facts.is_paid_online,
        "digitised": facts.has_digitised_document,
        "reuses": facts.reuses_digitised_data,
        "citizen_store": facts.uses_citizen_store,
        "population_data": facts.uses_population_data,
        "e_result": facts.has_e_result,
        "coded_e_result": facts.has_coded_e_result,
        "synced": facts.is_synced,
    }


def _fact_differences(
    facts: Sequence[DossierFacts], projected: Mapping[str, DossierFacts | None]
) -> list[str]:
    lines = []
    for truth in facts:
        mine, theirs = _counted_view(truth), projected.get(truth.code)
        if theirs is None:
            lines.append(f"{truth.code}: not projected")
            continue
        other = _counted_view(theirs)
        diff = {name: (value, other[name]) for name, value in mine.items() if other[name] != value}
        if diff:
            lines.append(f"{truth.code}: truth vs projection {diff}")
    return lines[:40] + ([f"... {len(lines) - 40} more"] if len(lines) > 40 else [])


# -- running the pipeline ----------------------------------------------------------------------------------


def _registry(path: Path) -> Path:
    units = [{"code": PROVINCE, "name": "Tỉnh thử nghiệm E2E (mẫu)", "level": "PROVINCE", "sample": True}]
    units += [
        {"code": code, "name": f"Phường thử nghiệm {code}", "level": "COMMUNE", "parent": PROVINCE}
        for code in WARDS
    ]
    path.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    return path


def _push(http: str, token: str, simulation: Simulation) -> None:
    with FeedClient(http, token) as client:
        for batch in simulation.batches(100):
            answer = client.push(batch.kind, batch.records)
            assert answer["rejected"] == 0, answer


def _wait_until_consumed(bootstrap: str, group: str) -> None:
    """Waits until `group` has committed both public topics up to their current ends."""
    from kafka import KafkaConsumer, TopicPartition

    ends = {
        TopicPartition(topic, partition): offset
        for topic in (DOSSIER_EVENTS, CATALOG_EVENTS)
        for partition, offset in end_offsets(bootstrap, topic).items()
    }
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        deadline = time.monotonic() + WAIT_S
        while any((consumer.committed(tp) or 0) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                behind = {str(tp): end - (consumer.committed(tp) or 0) for tp, end in ends.items()}
                raise TimeoutError(f"indicators consumer still behind after {WAIT_S}s: {behind}")
            time.sleep(0.2)
    finally:
        consumer.close()


class RunningIndicators:
    """The indicators service (`build` + `serve`) in a background thread with its own event loop."""

    def __init__(self, settings: IndicatorsSettings) -> None:
        self.service = build(settings)
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._endpoints: IndicatorsEndpoints | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="indicators-service", daemon=True)

    @property
    def endpoints(self) -> IndicatorsEndpoints:
        if self._endpoints is None:
            raise RuntimeError(f"indicators service did not start: {self.error!r}")
        return self._endpoints

    def dossier(self, code: str) -> DossierFacts | None:
        """The projected facts of the dossier with national code `code`."""
        return self.service.indicators.dossier(str(Dossier.id_for(code)))

    def start(self) -> None:
        self._thread.start()
        if not self.ready.wait(60) or self._endpoints is None:
            raise RuntimeError(f"indicators service did not start: {self.error!r}") from self.error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to the starting thread
            self.error = error
        finally:
            self.ready.set()

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()

        def announce(endpoints: IndicatorsEndpoints) -> None:
            self._endpoints = endpoints
            self.ready.set()

        await serve(self.service, self._stop, on_ready=announce)


@contextmanager
def running_indicators(settings: IndicatorsSettings) -> Iterator[RunningIndicators]:
    """A started indicators service; stopped (and its store closed) on exit."""
    running = RunningIndicators(settings)
    running.start()
    try:
        yield running
    finally:
        running.stop()
    if running.error is not None:
        raise RuntimeError(f"indicators service failed: {running.error!r}") from running.error
