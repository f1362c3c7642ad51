"""A finished period is fixed (index-766 §4): what happens after its end never changes its scorecard.

A dossier received in March and still pending at the end of March gets its payment, VNeID login, population
data look-up and e-result in April. The March scorecard read in April is the same before and after those
events; the year's changes. A late-delivered fact dated inside March is a correction and does change March.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tthc.indicators.application import Indicators
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, Scorecard
from tthc.indicators.projection.decoding import from_envelope
from tthc.indicators.projection.scenarios import DossierScenario, Step, procedure_changed
from tthc.indicators.projection.store import FactsStore
from tthc.indicators.projection.units import UnitInfo, UnitTree
from tthc.kit.clock import FixedClock

from .conftest import inbound

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH, YEAR = Period.month(2024, 3), Period.whole_year(2024)
RECEIVED = datetime(2024, 3, 27, 9, tzinfo=VN)
APRIL = datetime(2024, 4, 2, 9, tzinfo=VN)
TREE = UnitTree([UnitInfo("H", "Tỉnh", "PROVINCE"), UnitInfo("H.01", "Xã", "COMMUNE", "H")])
PAYMENT_AND_DIGITISATION = (
    MetricCode.ONLINE_PAYMENT_DOSSIERS,
    MetricCode.SO_HOA_GIAY_TO_GIAI_QUYET,
    MetricCode.REUSED_DIGITIZED_DATA,
    MetricCode.CITIZEN_DATA_CONNECTED_DOSSIER,
    MetricCode.ORIGINAL_RESULT_AVAILABLE,
)


def _dossier(code: str, steps: tuple[Step, ...]) -> DossierScenario:
    return DossierScenario(
        dossier_id=uuid.uuid5(uuid.NAMESPACE_URL, code),
        code=code,
        unit_code="H.01",
        procedure_code="P1",
        received_at=RECEIVED,
        due_at=RECEIVED + timedelta(days=10),
        channel=2,
        steps=steps,
    )


def _numerators(card: Scorecard) -> dict[MetricCode, int | None]:
    return {m.code: m.numerator for m in card.metrics if m.code in PAYMENT_AND_DIGITISATION}


def _model(tmp_path: Path, name: str) -> Indicators:
    model = Indicators(
        FactsStore.open(f"sqlite:///{tmp_path / name}"), TREE, FixedClock(APRIL + timedelta(days=20))
    )
    model.apply_batch([from_envelope(procedure_changed("P1", 1, online_level="full_process", has_fee=True))])
    return model


def test_what_happens_after_march_never_changes_march(tmp_path: Path) -> None:
    april_steps = (
        Step("fees", RECEIVED + timedelta(hours=1), number=50_000),
        Step("documents", RECEIVED + timedelta(hours=1), number=1),
        Step("vneid", APRIL + timedelta(hours=1)),
        Step("population", APRIL + timedelta(hours=1)),
        Step("paid", APRIL + timedelta(hours=2), number=1),
        Step("start", APRIL + timedelta(hours=3)),
        Step("resolve", APRIL + timedelta(days=1), number=1),
    )
    model = _model(tmp_path, "facts.db")
    events = inbound(_dossier("LATE-1", april_steps))
    model.apply_batch(events[:3])  # the reception, the fee line and the documents, all in March
    march_before, year_before = model.scorecard("H.01", MARCH), model.scorecard("H.01", YEAR)

    model.apply_batch(events[3:])  # everything dated April

    assert model.scorecard("H.01", MARCH) == march_before
    assert model.scorecard("H", MARCH) == model.scorecard("H", MARCH, as_of=datetime(2024, 4, 1, tzinfo=VN))
    year_after = _numerators(model.scorecard("H.01", YEAR))
    assert year_after != _numerators(year_before)
    assert year_after[MetricCode.ONLINE_PAYMENT_DOSSIERS] == 1
    assert year_after[MetricCode.CITIZEN_DATA_CONNECTED_DOSSIER] == 1
    assert _numerators(march_before)[MetricCode.CITIZEN_DATA_CONNECTED_DOSSIER] == 0


def test_a_late_delivered_fact_dated_inside_march_corrects_march(tmp_path: Path) -> None:
    march_steps = (
        Step("fees", RECEIVED + timedelta(hours=1), number=50_000),
        Step("paid", RECEIVED + timedelta(hours=2), number=1),
    )
    model = _model(tmp_path, "facts.db")
    events = inbound(_dossier("CORRECTED-1", march_steps))
    model.apply_batch(events[:2])
    before = _numerators(model.scorecard("H.01", MARCH))[MetricCode.ONLINE_PAYMENT_DOSSIERS]
    model.apply_batch(events[2:])  # delivered in April, dated March 27
    after = _numerators(model.scorecard("H.01", MARCH))[MetricCode.ONLINE_PAYMENT_DOSSIERS]
    assert (before, after) == (0, 1)
