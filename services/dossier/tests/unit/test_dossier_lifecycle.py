from __future__ import annotations

from datetime import datetime, timedelta

from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.values import (
    Channel,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    ReturnMethod,
)
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
DUE = datetime(2024, 3, 7, 8, 0, tzinfo=VIETNAM)
HOUR = timedelta(hours=1)


def event_names(dossier: Dossier) -> list[str]:
    return [type(event).__name__ for event in dossier.collect_events()]


def statuses(dossier: Dossier) -> list[DossierStatus]:
    return [entry.status for entry in dossier.timeline]


def test_the_id_is_derived_from_the_national_code(new_dossier):
    dossier = new_dossier("H48.40.01-240304-0007")

    assert dossier.id == Dossier.id_for("H48.40.01-240304-0007")
    assert Dossier.id_for("H48.40.01-240304-0007") != Dossier.id_for("H48.40.01-240304-0008")


def test_events_are_stored_under_explicit_stable_topics(new_dossier):
    dossier = new_dossier()
    dossier.receive(T0, DUE, Channel.ONLINE, dossier.procedure_code, dossier.unit_code)

    topics = [type(event).TOPIC for event in dossier.collect_events()]

    assert topics == ["tthc.dossier:Dossier.Opened", "tthc.dossier:Dossier.Received"]


def test_an_online_registration_waits_registered_until_received(new_dossier):
    dossier = new_dossier(registered=True)
    assert dossier.status is S.REGISTERED

    dossier.receive(T0, DUE, Channel.ONLINE, dossier.procedure_code, dossier.unit_code)

    assert event_names(dossier) == ["Opened", "Received"]
    assert dossier.status is S.RECEIVED
    assert statuses(dossier) == [S.REGISTERED, S.RECEIVED]
    assert (dossier.received_at, dossier.original_due_at, dossier.due_at) == (T0, DUE, DUE)


def test_a_dossier_received_at_the_counter_has_no_registration_step(new_dossier):
    dossier = new_dossier(registered=False)
    dossier.receive(T0, DUE, Channel.DIRECT, dossier.procedure_code, dossier.unit_code)

    assert statuses(dossier) == [S.RECEIVED]
    assert dossier.channel is Channel.DIRECT


def test_the_usual_path_ends_resolved_then_returned(dossier_in):
    dossier = dossier_in(S.RECEIVED)
    documents = (ResultDocument(name="Giấy xác nhận", link="https://kq.example/9"),)

    dossier.start_step(T0 + HOUR, "Công chức tư pháp", T0 + 5 * HOUR, "thẩm định")
    dossier.start_step(T0 + 2 * HOUR, "Lãnh đạo UBND", None, "ký duyệt")
    dossier.resolve(T0 + 3 * HOUR, documents, requires_paper_result=True)
    dossier.return_result(T0 + 4 * HOUR, ReturnMethod.POST)

    assert event_names(dossier) == ["StepStarted", "StepStarted", "Resolved", "ResultReturned"]
    assert statuses(dossier) == [
        S.REGISTERED,
        S.RECEIVED,
        S.PROCESSING,
        S.PROCESSING,
        S.RESOLVED,
        S.RESULT_RETURNED,
    ]
    assert dossier.handler_unit == "Lãnh đạo UBND"
    assert dossier.finished_at == T0 + 3 * HOUR  # the resolution ends processing, not the return
    assert dossier.returned_at == T0 + 4 * HOUR
    assert dossier.result_documents == documents
    assert dossier.requires_paper_result is True
    assert dossier.return_method is ReturnMethod.POST


def test_a_supplement_pauses_and_the_explicit_new_due_date_replaces_the_current_one(dossier_in):
    dossier = dossier_in(S.PROCESSING)
    new_due = DUE + timedelta(days=2)

    dossier.request_supplement(T0 + 2 * HOUR, "thiếu bản sao")
    assert dossier.status is S.SUPPLEMENT_REQUESTED
    assert dossier.pending_supplement is not None
    dossier.supply_supplement(T0 + 26 * HOUR, new_due)

    assert dossier.status is S.PROCESSING
    assert dossier.pending_supplement is None
    assert (dossier.original_due_at, dossier.due_at) == (DUE, new_due)
    [round_] = dossier.supplements
    assert (round_.requested_at, round_.supplied_at) == (T0 + 2 * HOUR, T0 + 26 * HOUR)
    assert (round_.previous_due_at, round_.new_due_at) == (DUE, new_due)
    assert round_.reason == "thiếu bản sao"


def test_a_supplement_without_a_new_due_date_keeps_the_current_one(dossier_in):
    dossier = dossier_in(S.SUPPLEMENT_REQUESTED)

    dossier.supply_supplement(T0 + 5 * HOUR, None)

    assert dossier.due_at == DUE


def test_successive_supplement_rounds_are_kept_in_order(dossier_in):
    dossier = dossier_in(S.SUPPLEMENT_REQUESTED)
    dossier.supply_supplement(T0 + 5 * HOUR, DUE + timedelta(days=1))
    dossier.request_supplement(T0 + 6 * HOUR, "lần hai")
    dossier.supply_supplement(T0 + 7 * HOUR, DUE + timedelta(days=2))

    assert [r.reason for r in dossier.supplements] == ["request_supplement reason", "lần hai"]
    assert dossier.supplements[1].previous_due_at == DUE + timedelta(days=1)
    assert dossier.due_at == DUE + timedelta(days=2)
    assert dossier.original_due_at == DUE


def test_paying_the_financial_obligation_resumes_processing(dossier_in):
    dossier = dossier_in(S.PROCESSING)
    fee = FeeLine(name="Lệ phí chứng thực", code="LP01", amount=20_000, collected_at=1)

    dossier.request_financial_obligation(T0 + 2 * HOUR, (fee,))
    assert dossier.status is S.FINANCIAL_OBLIGATION
    dossier.pay_fees(T0 + 3 * HOUR, 20_000, OnlinePayment.NATIONAL_PORTAL)

    assert dossier.status is S.PROCESSING
    assert dossier.fees == (fee,)
    assert dossier.fees_paid_amount == 20_000
    assert dossier.online_payment is OnlinePayment.NATIONAL_PORTAL
    assert statuses(dossier)[-2:] == [S.FINANCIAL_OBLIGATION, S.PROCESSING]


def test_paying_fees_while_processing_does_not_change_the_status(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    dossier.pay_fees(T0 + 2 * HOUR, 10_000, OnlinePayment.NONE)
    dossier.pay_fees(T0 + 3 * HOUR, 5_000, OnlinePayment.LOCAL_GATEWAY)
    dossier.pay_fees(T0 + 4 * HOUR, 1_000, OnlinePayment.NONE)

    assert dossier.status is S.PROCESSING
    assert dossier.fees_paid_amount == 16_000
    assert dossier.online_payment is OnlinePayment.LOCAL_GATEWAY  # a later cash payment keeps the online mark
    assert S.FINANCIAL_OBLIGATION not in statuses(dossier)


def test_a_dossier_may_be_resolved_while_the_financial_obligation_is_pending(dossier_in):
    dossier = dossier_in(S.FINANCIAL_OBLIGATION)

    dossier.resolve(T0 + 5 * HOUR, (), requires_paper_result=False)

    assert dossier.status is S.RESOLVED


def test_declared_fee_lines_replace_the_previous_ones(dossier_in):
    dossier = dossier_in(S.RECEIVED)
    first = (FeeLine(name="Phí A", amount=1_000),)
    second = (FeeLine(name="Phí B", amount=2_000), FeeLine(name="Phí C", amount=3_000))

    dossier.declare_fees(first)
    dossier.declare_fees(second)

    assert event_names(dossier) == ["FeesDeclared", "FeesDeclared"]
    assert dossier.fees == second


def test_the_endings_record_when_processing_ended(dossier_in):
    withdrawn = dossier_in(S.SUPPLEMENT_REQUESTED)
    withdrawn.withdraw(T0 + 9 * HOUR, "công dân rút")
    stopped = dossier_in(S.FINANCIAL_OBLIGATION)
    stopped.stop(T0 + 8 * HOUR, "không nộp phí")
    refused = dossier_in(S.PROCESSING)
    refused.refuse(T0 + 7 * HOUR, "không đủ điều kiện")

    assert (withdrawn.status, withdrawn.finished_at) == (S.WITHDRAWN, T0 + 9 * HOUR)
    assert (stopped.status, stopped.finished_at) == (S.STOPPED, T0 + 8 * HOUR)
    assert (refused.status, refused.finished_at) == (S.REFUSED, T0 + 7 * HOUR)
    assert refused.timeline[-1].note == "không đủ điều kiện"


def test_a_registered_dossier_may_be_refused_before_reception(dossier_in):
    dossier = dossier_in(S.REGISTERED)

    dossier.refuse(T0, "hồ sơ không hợp lệ")

    assert dossier.status is S.REFUSED
    assert dossier.received_at is None


def test_an_apology_never_moves_the_due_dates(dossier_in):
    dossier = dossier_in(S.SUPPLEMENT_REQUESTED)
    dossier.supply_supplement(T0 + 5 * HOUR, DUE + timedelta(days=1))
    appointment = DUE + timedelta(days=10)

    dossier.issue_apology(DUE + timedelta(days=2), appointment, "quá hạn")

    assert event_names(dossier) == ["SupplementSupplied", "ApologyIssued"]
    assert (dossier.original_due_at, dossier.due_at) == (DUE, DUE + timedelta(days=1))
    assert dossier.apology_issued_at == DUE + timedelta(days=2)
    assert dossier.apology_appointment_at == appointment
    assert dossier.status is S.PROCESSING


def test_an_apology_is_allowed_after_resolution(dossier_in):
    dossier = dossier_in(S.RESOLVED)

    dossier.issue_apology(DUE + HOUR, None, "trả kết quả muộn")

    assert dossier.apology_issued_at == DUE + HOUR


def test_data_facts_are_allowed_on_a_closed_dossier(dossier_in):
    dossier = dossier_in(S.RESULT_RETURNED)

    dossier.mark_synced(T0 + 9 * HOUR)
    dossier.mark_vneid_authenticated(T0 + 9 * HOUR)

    assert event_names(dossier) == ["Synced", "VneidAuthenticated"]
    assert dossier.synced_at == T0 + 9 * HOUR
    assert dossier.vneid_authenticated is True
