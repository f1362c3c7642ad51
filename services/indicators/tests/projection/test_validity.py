"""Until when a cached count stays the answer: the settled-dossier shortcut never changes the result."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tthc.indicators.domain.facts import DossierFacts, DossierStatus
from tthc.indicators.domain.facts_catalogue import ProcedureFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.projection import validity
from tthc.indicators.projection.scenarios import ScenarioSpace, expected_facts, random_scenarios

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURES = {"P1": ProcedureFacts("P1", legal_time=timedelta(days=3)), "P2": ProcedureFacts("P2")}
SPACE = ScenarioSpace(("U1", "U2"), tuple(PROCEDURES), date(2024, 2, 20), 40, VN)
PERIODS = (Period.month(2024, 3), Period.quarter(2024, 1), Period.whole_year(2024), Period.month(2024, 4))


def every_instant(dossiers: list[DossierFacts], period: Period, as_of: datetime) -> datetime | None:
    """The rule without the shortcut: the earliest instant of any dossier after `as_of`."""
    if as_of >= period.end:
        return None
    later = [
        at
        for dossier in dossiers
        for at in validity._instants(dossier, PROCEDURES.get(dossier.procedure_code))
        if as_of < at < period.end
    ]
    return min(later, default=period.end)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    count=st.integers(0, 40),
    period=st.sampled_from(PERIODS),
    hours=st.integers(0, 24 * 120),
)
def test_the_earliest_change_is_the_same_with_settled_dossiers_skipped(
    seed: int, count: int, period: Period, hours: int
) -> None:
    dossiers = [expected_facts(item) for item in random_scenarios(random.Random(seed), count, SPACE)]
    as_of = datetime(2024, 2, 15, tzinfo=VN) + timedelta(hours=hours)
    assert validity.valid_until(dossiers, PROCEDURES, period, as_of) == every_instant(dossiers, period, as_of)


def test_a_dossier_settled_long_before_is_skipped_and_a_pending_one_is_not() -> None:
    [dossier] = [expected_facts(item) for item in random_scenarios(random.Random(3), 1, SPACE)]
    latest = max(dossier.status_times)
    assert validity._may_change_after(dossier, None, latest - timedelta(seconds=1))
    assert not validity._may_change_after(dossier, None, latest + timedelta(days=400))


def test_a_pending_dossier_past_its_due_time_keeps_the_count_until_that_days_midnight() -> None:
    received = datetime(2024, 3, 4, 10, tzinfo=VN)
    dossier = DossierFacts(
        "d", "HS-1", "U1", "P2", received_at=received, original_due=received + timedelta(hours=1),
        current_due=received + timedelta(hours=1),
    ).with_status(DossierStatus.RECEIVED, received)  # fmt: skip
    as_of = received + timedelta(hours=2)
    expected = datetime(2024, 3, 5, tzinfo=VN)
    assert validity.valid_until([dossier], PROCEDURES, Period.month(2024, 3), as_of) == expected
    assert every_instant([dossier], Period.month(2024, 3), as_of) == expected
