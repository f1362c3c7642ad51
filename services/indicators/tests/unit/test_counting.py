"""Counting a small province pool by hand: every metric's numerator and denominator (index-766 §1).

Pool: province office H (catalogue P1), communes W1 (P2, P3; offers electronic certified copies), W2 (P2) and
W3 (P2, no dossiers). Period March 2024, judged after it closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tthc.indicators.domain.counting import (
    CATALOGUE_METRICS,
    CountingConfig,
    NationalReport,
    count_unit,
    count_unit_detailed,
    in_pool,
    inherit_catalogue_metrics,
    pool_for,
)
from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    SubmittedDocument,
)
from tthc.indicators.domain.facts_catalogue import (
    ChangeKind,
    OnlineLevel,
    ProcedureFacts,
    PublicationDecision,
    UnitFacts,
    UnitLevel,
)
from tthc.indicators.domain.facts_petition import PetitionFacts, PetitionTopic
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import DataQualityFlag, MetricCode, MetricInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period.month(2024, 3)
NOW = datetime(2024, 4, 20, 12, tzinfo=VN)
M = MetricCode


def vn(day: int, month: int = 3, hour: int = 9) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=VN)


PROCEDURES = {
    "P1": ProcedureFacts(
        "P1", OnlineLevel.FULL, has_fee_info=True, requires_paper_result=True, citizen_subject=True,
        currently_public=True, content_complete=True,
        publications=(
            PublicationDecision(date(2024, 3, 5), ChangeKind.NEW, True, date(2024, 3, 12), date(2024, 3, 10)),
        ),
    ),
    "P2": ProcedureFacts(
        "P2", OnlineLevel.PARTIAL, citizen_subject=True, currently_public=True,
        publications=(PublicationDecision(date(2024, 3, 20), ChangeKind.AMENDED, False, date(2024, 3, 27)),),
    ),
    "P3": ProcedureFacts("P3", has_fee_info=True, requires_paper_result=True),
}  # fmt: skip
UNITS = (
    UnitFacts("H", UnitLevel.PROVINCE, frozenset({"P1"})),
    UnitFacts("W1", UnitLevel.COMMUNE, frozenset({"P2", "P3"}), offers_electronic_certified_copy=True),
    UnitFacts("W2", UnitLevel.COMMUNE, frozenset({"P2"})),
    UnitFacts("W3", UnitLevel.COMMUNE, frozenset({"P2"})),
)


def base(dossier_id: str, unit: str, procedure: str, channel: Channel | None = None) -> DossierFacts:
    return DossierFacts(dossier_id, f"{unit}-{dossier_id}", unit, procedure, channel=channel)


def pool() -> list[DossierFacts]:
    d1 = (
        base("d1", "H", "P1", Channel.ONLINE)
        .with_reception(vn(1), vn(10, hour=17))
        .with_status(DossierStatus.RESOLVED, vn(8))
        .with_synced(vn(1))
        .with_result(ResultDocument("KQ1", "https://kq/d1.pdf"))
        .with_fee(FeeLine("L", 50_000))
        .with_payment(OnlinePayment.NATIONAL_PORTAL)
        .with_document(SubmittedDocument("TP1", digitised=True))
    )
    d1 = DossierFacts(**{**_fields(d1), "vneid_authenticated": True})
    d2 = (
        base("d2", "W1", "P2")
        .with_reception(vn(5), vn(8, hour=17))
        .with_status(DossierStatus.RESOLVED, vn(12))
        .with_document(SubmittedDocument("TP1", digitised=True, reused=True))
        .with_apology(vn(11))
        .with_petition_or_dislike()
    )
    d3 = (
        base("d3", "W1", "P3", Channel.POSTAL)
        .with_reception(vn(20, month=2), vn(28, month=2, hour=17))
        .with_synced(vn(20, month=2))
        .with_fee(FeeLine("L", 0))
    )
    d4 = (
        base("d4", "W2", "P2", Channel.ONLINE)
        .with_reception(vn(10), vn(20, month=4, hour=17))
        .with_synced(vn(10))
        .with_document(SubmittedDocument("TP1", from_citizen_store=True))
        .with_petition_or_dislike()
    )
    d5 = (
        base("d5", "W1", "P3")
        .with_reception(vn(15), vn(25, hour=17))
        .with_status(DossierStatus.RESOLVED, vn(20))
        .with_synced(vn(15))
        .with_fee(FeeLine("L", 0))
    )
    d6 = DossierFacts("d6", "W1-d6", "W1", "P2", channel=Channel.ONLINE, submitted_at=vn(31)).with_status(
        DossierStatus.REGISTERED, vn(31)
    )
    d7 = (
        base("d7", "H", "P1")
        .with_reception(vn(20, month=1), vn(30, month=1))
        .with_status(DossierStatus.RESOLVED, vn(25, month=2))
    )
    d8 = base("d8", "W1", "P3").with_reception(vn(1, month=4), vn(10, month=4))
    return [d1, d2, d3, d4, d5, d6, d7, d8]


def _fields(facts: DossierFacts) -> dict[str, object]:
    return {name: getattr(facts, name) for name in DossierFacts.__dataclass_fields__}


PETITIONS = (
    PetitionFacts("p1", "W1", vn(2), due_at=vn(20), handled_at=vn(15), topic=PetitionTopic.PROCEDURE),
    PetitionFacts("p2", "W2", vn(10), due_at=vn(25), topic=PetitionTopic.STAFF),
    PetitionFacts("p3", "H", vn(20), due_at=vn(10, month=4), likes=1, dislikes=3),
    PetitionFacts("p4", "H", vn(25, month=2), due_at=vn(10), handled_at=vn(5)),
)

EXPECTED = {
    M.PROCESSED_ON_TIME: (3, 5),  # in scope d1..d5; on time d1 (early), d4 (pending, not due), d5 (early)
    M.DOSSIER_RECEIVING_SATISFACTION: (2, 5),  # d4 is on time but has a petition
    M.ORIGINAL_RESULT_AVAILABLE: (1, 5),  # paper required: d1, d3, d5; only d1 has an e-result
    M.SO_HOA_GIAY_TO_GIAI_QUYET: (2, 5),  # d1 (digitised + e-result), d2 (digitised, no paper result needed)
    M.REUSED_DIGITIZED_DATA: (2, 5),  # d2 reused, d4 from the citizen store
    M.SYNCED_WITH_DVCQG_PERSONAL_STORAGE: (1, 5),  # d4
    M.CITIZEN_DATA_CONNECTED_DOSSIER: (2, 5),  # d1 VNeID, d4 citizen store
    M.DOSSIER_SYNC: (3, 4),  # received in March: d1, d2, d4, d5; d2 never synced
    M.ONLINE_DOSSIER_SUBMISSION: (2, 4),  # d1 (online + coded e-result), d4 (online, no paper result)
    M.FULL_PROCESS_ONLINE_DOSSIERS: (
        1,
        1,
    ),  # received, full-process procedure: d1 only (online, coded result)
    M.ONLINE_PAYMENT_DOSSIERS: (1, 1),  # fee procedures: d1 (paid online); d5's fees are all zero
    M.PUBLISH_ON_TIME: (1, 2),  # decisions in March: P1 on time, P2 late
    M.PUBLIC_UPDATE_ON_TIME: (1, 2),  # P1 public on 10 Mar (due 12); P2 due 27 Mar, still not public
    M.PUBLIC_CONTENT_FULL: (1, 2),  # public: P1 (complete), P2
    M.ONLINE_SERVICE_PROVISION: (2, 3),  # P1 full, P2 partial, P3 none
    M.FEE_INTEGRATED_FORMALITY: (1, 2),  # fee procedures P1, P3; only P1 had a dossier with a non-zero fee
    M.ONLINE_PAYMENT_FORMALITY: (1, 2),  # P1 (d1 paid online)
    M.CITIZEN_DATA_CONNECTED_FORMALITY: (2, 2),  # P1 via d1, P2 via d4
    M.ONLINE_SERVICE_WITH_DOSSIERS: (3, 4),  # H/P1 (d1), W1/P2 (d6 submitted), W2/P2 (d4); W3/P2 none
    M.ELECTRONIC_CERTIFIED_COPY: (1, 3),  # communes W1, W2, W3; W1 offers it
    M.PETITION_CLASSIFICATION_TTHC: (1, 3),  # March petitions p1, p2, p3
    M.PETITION_CLASSIFICATION_STAFF: (1, 3),
    M.PETITION_PROCESSING_ON_TIME: (2, 3),  # p1 handled in time, p3 within its deadline; p2 late
    M.PETITION_HANDLING_SATISFACTION: (1, 3),  # p3 has more dislikes than likes
}


def count(dossiers: Sequence[DossierFacts] | None = None, **options: object) -> dict[MetricCode, MetricInput]:
    arguments: dict[str, object] = {"units": UNITS, "petitions": PETITIONS} | options
    return count_unit(pool() if dossiers is None else dossiers, PROCEDURES, MARCH, NOW, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(("code", "expected"), list(EXPECTED.items()), ids=[str(code) for code in EXPECTED])
def test_each_metric_of_the_pool(code: MetricCode, expected: tuple[int, int]) -> None:
    counted = count()[code]
    assert (counted.numerator, counted.denominator) == expected


def test_every_metric_of_the_interface_is_counted() -> None:
    assert set(count()) == set(MetricCode) == set(EXPECTED)


def test_detailed_count_names_the_dossiers_behind_each_number() -> None:
    detailed = count_unit_detailed(pool(), PROCEDURES, MARCH, NOW, units=UNITS, petitions=PETITIONS)
    assert detailed.inputs == count()
    on_time = detailed.breakdown[M.PROCESSED_ON_TIME]
    assert (set(on_time.numerator), set(on_time.denominator)) == (
        {"d1", "d4", "d5"},
        {"d1", "d2", "d3", "d4", "d5"},
    )
    assert set(detailed.breakdown[M.DOSSIER_SYNC].numerator) == {"d1", "d4", "d5"}
    assert set(detailed.breakdown[M.ONLINE_SERVICE_WITH_DOSSIERS].denominator) == {
        "H/P1",
        "W1/P2",
        "W2/P2",
        "W3/P2",
    }
    assert detailed.breakdown[M.ELECTRONIC_CERTIFIED_COPY].numerator == ("W1",)
    assert set(detailed.breakdown[M.PETITION_PROCESSING_ON_TIME].numerator) == {"p1", "p3"}
    for code, ids in detailed.breakdown.items():
        assert (len(ids.numerator), len(ids.denominator)) == EXPECTED[code]


def test_unscored_figures() -> None:
    detailed = count_unit_detailed(pool(), PROCEDURES, MARCH, NOW, units=UNITS)
    # completed dossiers received in March: d1 (7 days), d2 (7 days), d5 (5 days)
    assert detailed.processing.completed == 3
    assert detailed.processing.total == timedelta(days=19)
    assert detailed.processing.average == timedelta(days=19) / 3
    assert detailed.received_by_channel == {Channel.ONLINE: 2, Channel.DIRECT: 2}
    assert (detailed.overdue, detailed.overdue_with_apology) == (2, 1)


def test_identity_received_equals_on_time_plus_overdue() -> None:
    detailed = count_unit_detailed(pool(), PROCEDURES, MARCH, NOW)
    on_time = detailed.inputs[M.PROCESSED_ON_TIME]
    assert on_time.denominator == on_time.numerator + detailed.overdue  # type: ignore[operator]


def test_the_open_period_moves_with_the_clock() -> None:
    # on 9 March only d1 (received 1 Mar) and d2 (received 5 Mar, due 8 Mar, still open) and d3 exist
    early = count_unit(pool(), PROCEDURES, MARCH, vn(9, hour=12))[M.PROCESSED_ON_TIME]
    assert (early.numerator, early.denominator) == (1, 3)
    before_due = count_unit(pool(), PROCEDURES, MARCH, vn(7, hour=12))[M.PROCESSED_ON_TIME]
    assert (before_due.numerator, before_due.denominator) == (2, 3)


class TestNationalReport:
    def test_the_larger_denominator_wins(self) -> None:
        synced = count(national_report=NationalReport(received=10))[M.DOSSIER_SYNC]
        assert (synced.numerator, synced.denominator, synced.flags) == (3, 10, frozenset())
        smaller = count(national_report=NationalReport(received=2))[M.DOSSIER_SYNC]
        assert smaller.denominator == 4

    def test_no_dossiers_falls_back_to_last_years_share(self) -> None:
        synced = count([], national_report=NationalReport(received=0, previous_year_received=1_206))[
            M.DOSSIER_SYNC
        ]
        assert (synced.numerator, synced.denominator) == (0, 101)  # 1206 / 12 = 100.5 → 101
        assert DataQualityFlag.TEMP_NATIONAL_REPORT_DENOMINATOR in synced.flags

    def test_missing_national_figures_are_flagged(self) -> None:
        synced = count(national_report=NationalReport())[M.DOSSIER_SYNC]
        assert (synced.numerator, synced.denominator) == (3, 4)
        assert synced.flags == {DataQualityFlag.NO_NATIONAL_REPORT_DATA}


def test_portal_view_ignores_unsynced_dossiers_except_for_sync() -> None:
    counted = count(config=CountingConfig(portal_view=True))
    assert (counted[M.DOSSIER_SYNC].numerator, counted[M.DOSSIER_SYNC].denominator) == (3, 4)
    # d2 (never synced) leaves every other dossier metric; d6 and d7 are unsynced too
    assert (counted[M.PROCESSED_ON_TIME].numerator, counted[M.PROCESSED_ON_TIME].denominator) == (3, 4)
    assert (counted[M.REUSED_DIGITIZED_DATA].numerator, counted[M.REUSED_DIGITIZED_DATA].denominator) == (
        1,
        4,
    )
    assert counted[M.ONLINE_SERVICE_WITH_DOSSIERS].numerator == 2


def test_without_units_the_whole_catalogue_counts_and_unit_metrics_are_unavailable() -> None:
    counted = count(units=())
    assert counted[M.ONLINE_SERVICE_WITH_DOSSIERS] == MetricInput.unavailable()
    assert counted[M.ELECTRONIC_CERTIFIED_COPY] == MetricInput.unavailable()
    assert counted[M.ONLINE_SERVICE_PROVISION].denominator == 3


def test_no_petitions_give_zero_denominators() -> None:
    counted = count(petitions=())
    for code in (
        M.PETITION_PROCESSING_ON_TIME,
        M.PETITION_HANDLING_SATISFACTION,
        M.PETITION_CLASSIFICATION_TTHC,
    ):
        assert (counted[code].numerator, counted[code].denominator) == (0, 0)


def test_dossier_without_due_date_uses_the_procedures_legal_time() -> None:
    procedures = {"P9": ProcedureFacts("P9", legal_time=timedelta(days=3))}
    late = base("x", "W1", "P9").with_reception(vn(1), None).with_status(DossierStatus.RESOLVED, vn(6))
    counted = count_unit([late], procedures, MARCH, NOW)[M.PROCESSED_ON_TIME]
    assert (counted.numerator, counted.denominator) == (0, 1)
    lenient = count_unit([late], procedures, MARCH, NOW, legal_due=lambda d: vn(7))[M.PROCESSED_ON_TIME]
    assert (lenient.numerator, lenient.denominator) == (1, 1)


def test_a_commune_inherits_the_catalogue_metrics_of_its_province() -> None:
    province = count()
    w1 = [unit for unit in UNITS if unit.code == "W1"]
    commune = count(list(in_pool(pool(), frozenset({"W1"}))), units=w1, petitions=())
    assert commune[M.PUBLISH_ON_TIME] != province[M.PUBLISH_ON_TIME]  # W1's own catalogue: P2 only published
    inherited = inherit_catalogue_metrics(province, commune)
    for code in MetricCode:
        if code in inherited:
            expected = province[code] if code in CATALOGUE_METRICS else commune[code]
            assert inherited[code] == expected
    assert inherited[M.PROCESSED_ON_TIME].denominator == 3  # d2, d3, d5 stay the commune's own


def test_pool_for_collects_every_descendant_once() -> None:
    tree = {"H": ["S1", "W1"], "S1": ["S1a"], "W1": [], "S1a": ["H"]}  # a cycle must not loop
    assert pool_for("H", lambda code: tree.get(code, [])) == {"H", "S1", "W1", "S1a"}
    assert pool_for("W1", lambda code: tree.get(code, [])) == {"W1"}
