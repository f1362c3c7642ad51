"""`as_known_at`: the facts as they stood at a cut-off (what a closed period is judged on)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tthc.indicators.domain.facts import (
    DossierFacts,
    DossierStatus,
    OnlinePayment,
    ResultDocument,
    SubmittedDocument,
)
from tthc.indicators.domain.facts_known import as_known_at

VN = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVED = datetime(2024, 3, 25, 9, tzinfo=VN)
MARCH_END = datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=VN)
APRIL = datetime(2024, 4, 2, 10, tzinfo=VN)


def received() -> DossierFacts:
    facts = DossierFacts(dossier_id="d1", code="HS-1", unit_code="U1", procedure_code="P1")
    return facts.with_reception(RECEIVED, RECEIVED + timedelta(days=5))


def test_facts_with_nothing_later_than_the_cut_off_are_returned_as_they_are() -> None:
    facts = received().with_payment(OnlinePayment.NATIONAL_PORTAL, RECEIVED).with_synced(RECEIVED)
    assert as_known_at(facts, MARCH_END) is facts


def test_flags_raised_after_the_cut_off_are_left_out_and_those_before_kept() -> None:
    facts = (
        received()
        .with_payment(OnlinePayment.NATIONAL_PORTAL, APRIL)
        .with_vneid(RECEIVED)
        .with_population_data(APRIL)
        .with_apology(APRIL)
    )
    known = as_known_at(facts, MARCH_END)
    assert (known.paid_online, known.is_paid_online) == (OnlinePayment.NONE, False)
    assert known.vneid_authenticated
    assert not known.population_data_used
    assert known.apology_issued_at is None
    assert as_known_at(facts, APRIL) == facts


def test_documents_and_the_sync_count_whatever_their_instant() -> None:
    facts = received().with_document(SubmittedDocument("TP1", digitised=True)).with_synced(APRIL)
    assert as_known_at(facts, MARCH_END) is facts


def test_results_are_known_from_the_resolution_that_brought_them() -> None:
    result = ResultDocument("KQ-1", "electronic")
    resolved = received().with_status(DossierStatus.RESOLVED, APRIL).with_result(result)
    known = as_known_at(resolved, MARCH_END)
    assert resolved.has_e_result
    assert not known.has_e_result
    assert known.statuses == resolved.statuses  # the timeline is dated: the on-time rules read it as of


def test_a_flag_of_unknown_instant_counts_whatever_the_cut_off() -> None:
    facts = (
        received()
        .with_payment(OnlinePayment.LOCAL_GATEWAY)
        .with_vneid()
        .with_document(SubmittedDocument("TP1", digitised=True))
    )
    assert as_known_at(facts, RECEIVED - timedelta(days=30)) is facts


def test_a_second_online_payment_keeps_the_first_instant() -> None:
    facts = received().with_payment(OnlinePayment.NATIONAL_PORTAL, RECEIVED)
    again = facts.with_payment(OnlinePayment.LOCAL_GATEWAY, APRIL)
    assert again.paid_online_at == RECEIVED
    assert as_known_at(again, MARCH_END).is_paid_online
