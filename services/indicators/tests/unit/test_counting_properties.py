"""Properties of counting over generated pools: the 2.1 identity and consistent numerators/denominators."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tthc.indicators.domain.counting import count_unit, count_unit_detailed
from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.facts import Channel, DossierFacts, DossierStatus, FeeLine, OnlinePayment
from tthc.indicators.domain.facts_catalogue import OnlineLevel, ProcedureFacts, UnitFacts, UnitLevel
from tthc.indicators.domain.ontime import OnTimeConfig, ended_before, judge
from tthc.indicators.domain.ontime_config import Granularity, PauseRule, Verdict
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import MetricCode

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period.month(2024, 3)
ORIGIN = datetime(2024, 1, 15, tzinfo=VN)
PROCEDURES = {
    "P1": ProcedureFacts(
        "P1", OnlineLevel.FULL, has_fee_info=True, requires_paper_result=True, citizen_subject=True
    ),
    "P2": ProcedureFacts("P2", legal_time=timedelta(days=4)),
}
UNITS = (UnitFacts("U1", UnitLevel.PROVINCE), UnitFacts("U2", UnitLevel.COMMUNE))
END_STATES = [
    DossierStatus.RESOLVED,
    DossierStatus.RESULT_RETURNED,
    DossierStatus.REFUSED,
    DossierStatus.STOPPED,
    DossierStatus.WITHDRAWN,
]

hours = st.integers(min_value=0, max_value=24 * 120)


@st.composite
def dossiers(draw: st.DrawFn, index: int = 0) -> DossierFacts:
    facts = DossierFacts(
        f"d{draw(st.integers(0, 10**9))}",
        "code",
        draw(st.sampled_from(["U1", "U2"])),
        draw(st.sampled_from(["P1", "P2"])),
        channel=draw(st.sampled_from([None, *Channel])),
        fees=tuple(
            FeeLine("L", amount) for amount in draw(st.lists(st.sampled_from([0, 10_000]), max_size=2))
        ),
        paid_online=draw(st.sampled_from(list(OnlinePayment))),
        vneid_authenticated=draw(st.booleans()),
        has_petition_or_dislike=draw(st.booleans()),
    )
    if not draw(st.booleans()):
        return facts.with_status(DossierStatus.REGISTERED, ORIGIN)
    received = ORIGIN + timedelta(hours=draw(hours))
    due = None if draw(st.integers(0, 5)) == 0 else received + timedelta(hours=draw(st.integers(0, 24 * 20)))
    facts = facts.with_reception(received, due)
    clock = received
    for _ in range(draw(st.integers(0, 2))):
        clock += timedelta(hours=draw(st.integers(1, 24 * 10)))
        facts = facts.with_supplement_requested(clock)
        if draw(st.booleans()):
            break
        clock += timedelta(hours=draw(st.integers(1, 24 * 10)))
        facts = facts.with_supplement_supplied(
            clock, facts.current_due and facts.current_due + timedelta(days=2)
        )
    if facts.supplements and facts.supplements[-1].supplied_at is None:
        return facts
    if draw(st.booleans()):
        clock += timedelta(hours=draw(st.integers(1, 24 * 30)))
        facts = facts.with_status(draw(st.sampled_from(END_STATES)), clock)
    if draw(st.booleans()):
        facts = facts.with_synced(received)
    return facts


configs = st.builds(
    OnTimeConfig,
    pause_rule=st.sampled_from(list(PauseRule)),
    granularity=st.sampled_from(list(Granularity)),
    financial_obligation_pauses=st.booleans(),
    withdrawn_on_time=st.booleans(),
)
nows = st.integers(0, 24 * 150).map(lambda h: ORIGIN + timedelta(hours=h))


@settings(max_examples=150, deadline=None)
@given(pool=st.lists(dossiers(), max_size=25, unique_by=lambda d: d.dossier_id), now=nows, ontime=configs)
def test_received_is_on_time_plus_overdue_and_ids_match_counts(
    pool: list[DossierFacts], now: datetime, ontime: OnTimeConfig
) -> None:
    config = CountingConfig(ontime=ontime)
    detailed = count_unit_detailed(pool, PROCEDURES, MARCH, now, config, units=UNITS)
    progress = detailed.inputs[MetricCode.PROCESSED_ON_TIME]
    assert progress.denominator == progress.numerator + detailed.overdue  # type: ignore[operator]
    verdicts = [judge(d, MARCH, now, ontime).verdict for d in pool]
    assert progress.denominator == sum(v is not Verdict.OUT_OF_SCOPE for v in verdicts)
    for code, ids in detailed.breakdown.items():
        counted = detailed.inputs[code]
        assert set(ids.numerator) <= set(ids.denominator)
        assert counted.numerator == len(ids.numerator)
        assert counted.denominator == len(ids.denominator)
    assert count_unit(pool, PROCEDURES, MARCH, now, config, units=UNITS) == detailed.inputs


@settings(max_examples=150, deadline=None)
@given(dossier=dossiers(), ontime=configs)
def test_a_closed_period_does_not_change_with_the_clock(dossier: DossierFacts, ontime: OnTimeConfig) -> None:
    closing = MARCH.end
    assert judge(dossier, MARCH, closing, ontime) == judge(
        dossier, MARCH, closing + timedelta(days=400), ontime
    )


@settings(max_examples=150, deadline=None)
@given(dossier=dossiers(), earlier=nows, later=nows)
def test_a_pending_dossier_never_recovers_from_overdue(
    dossier: DossierFacts, earlier: datetime, later: datetime
) -> None:
    earlier, later = min(earlier, later), max(earlier, later)
    before, after = judge(dossier, MARCH, earlier), judge(dossier, MARCH, later)
    if before.verdict is Verdict.OVERDUE and not before.finished and after.in_scope and not after.finished:
        assert after.verdict is Verdict.OVERDUE


later_periods = st.sampled_from(
    [Period.month(2024, month) for month in range(3, 10)] + [Period.quarter(2024, 2), Period.quarter(2024, 3)]
)
later_nows = st.integers(24 * 60, 24 * 300).map(lambda h: ORIGIN + timedelta(hours=h))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(dossier=dossiers(), period=later_periods, now=later_nows, ontime=configs)
def test_a_dossier_closed_out_before_the_period_counts_in_no_metric(
    dossier: DossierFacts, period: Period, now: datetime, ontime: OnTimeConfig
) -> None:
    """The cheap exit of counting (`ended_before`) is sound: such a dossier is out of the 2.1 scope and was
    neither received nor taken in during the period, the only other ways into a metric."""
    as_of = period.as_of(now)
    assume(ended_before(dossier, period.start, as_of))
    assert judge(dossier, period, as_of, ontime).verdict is Verdict.OUT_OF_SCOPE
    for instant in (dossier.received_at, dossier.intake_at):
        assert instant is None or not period.contains(instant)
