from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.errors import InconsistentDossierError
from tthc.dossier.domain.values import (
    Channel,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    ReturnMethod,
    SubmittedDocument,
)
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
DUE = datetime(2024, 3, 7, 8, 0, tzinfo=VIETNAM)
HOUR = timedelta(hours=1)


def event_names(dossier: Dossier) -> list[str]:
    return [type(event).__name__ for event in dossier.collect_events()]


def test_repeating_the_reception_changes_nothing(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    dossier.receive(T0, DUE, Channel.ONLINE, dossier.procedure_code, dossier.unit_code)
    dossier.receive(T0, None, Channel.ONLINE, dossier.procedure_code, dossier.unit_code)

    assert event_names(dossier) == []
    assert dossier.status is S.PROCESSING


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("received_at", {"received_at": T0 + HOUR}),
        ("procedure_code", {"procedure_code": "1.000001"}),
        ("unit_code", {"unit_code": "H48.40.02"}),
        ("channel", {"channel": Channel.DIRECT}),
        ("due_at", {"due_at": DUE + HOUR}),
    ],
)
def test_a_reception_contradicting_the_recorded_one_is_inconsistent(dossier_in, field, change):
    dossier = dossier_in(S.RECEIVED)
    stated = {
        "received_at": T0,
        "due_at": DUE,
        "channel": Channel.ONLINE,
        "procedure_code": dossier.procedure_code,
        "unit_code": dossier.unit_code,
    } | change

    with pytest.raises(InconsistentDossierError) as error:
        dossier.receive(**stated)
    assert error.value.field == field
    assert event_names(dossier) == []


def test_the_same_instant_in_another_time_zone_is_the_same_fact(dossier_in):
    dossier = dossier_in(S.RECEIVED)

    dossier.receive(
        T0.astimezone(UTC), DUE.astimezone(UTC), Channel.ONLINE, dossier.procedure_code, dossier.unit_code
    )

    assert event_names(dossier) == []


def test_repeating_a_registration_with_the_same_facts_changes_nothing(dossier_in):
    dossier = dossier_in(S.RECEIVED)

    dossier.check_registration(dossier.procedure_code, dossier.unit_code, T0 - HOUR)

    assert event_names(dossier) == []


def test_a_registration_for_another_procedure_is_inconsistent(dossier_in):
    dossier = dossier_in(S.REGISTERED)

    with pytest.raises(InconsistentDossierError) as error:
        dossier.check_registration("1.000001", dossier.unit_code, T0 - HOUR)
    assert error.value.field == "procedure_code"


@pytest.mark.parametrize(
    ("status", "step", "at_hours"),
    [
        (S.REFUSED, "refuse", 0),
        (S.WITHDRAWN, "withdraw", 1),
        (S.STOPPED, "stop", 2),
        (S.RESOLVED, "resolve", 2),
        (S.RESULT_RETURNED, "resolve", 2),
        (S.RESULT_RETURNED, "return_result", 3),
        (S.PROCESSING, "start_step", 1),
        (S.RESOLVED, "start_step", 1),
        (S.SUPPLEMENT_REQUESTED, "request_supplement", 2),
        (S.FINANCIAL_OBLIGATION, "request_financial_obligation", 2),
    ],
)
def test_replaying_a_recorded_step_at_its_instant_changes_nothing(
    dossier_in, take_step, status, step, at_hours
):
    dossier = dossier_in(status)
    version = dossier.version

    take_step(dossier, step, T0 + at_hours * HOUR)

    assert event_names(dossier) == []
    assert (dossier.status, dossier.version) == (status, version)


def test_a_resolution_replayed_with_other_result_documents_is_inconsistent(dossier_in):
    dossier = dossier_in(S.RESOLVED)

    with pytest.raises(InconsistentDossierError) as error:
        dossier.resolve(T0 + 2 * HOUR, (ResultDocument(name="Khác"),), requires_paper_result=False)
    assert error.value.field == "result_documents"


def test_a_return_replayed_with_another_method_is_inconsistent(dossier_in):
    dossier = dossier_in(S.RESULT_RETURNED)

    with pytest.raises(InconsistentDossierError) as error:
        dossier.return_result(T0 + 3 * HOUR, ReturnMethod.POST)
    assert error.value.field == "method"


def test_an_old_supplement_round_replayed_after_processing_resumed_changes_nothing(dossier_in):
    dossier = dossier_in(S.SUPPLEMENT_REQUESTED)
    dossier.supply_supplement(T0 + 5 * HOUR, DUE + timedelta(days=1))
    dossier.collect_events()

    dossier.request_supplement(T0 + 2 * HOUR, "again")
    dossier.supply_supplement(T0 + 5 * HOUR, None)

    assert event_names(dossier) == []
    assert len(dossier.supplements) == 1


def test_the_same_payment_twice_is_recorded_once(dossier_in):
    dossier = dossier_in(S.FINANCIAL_OBLIGATION)

    dossier.pay_fees(T0 + 5 * HOUR, 30_000, OnlinePayment.NATIONAL_PORTAL)
    dossier.pay_fees(T0 + 5 * HOUR, 30_000, OnlinePayment.NATIONAL_PORTAL)

    assert event_names(dossier) == ["FeesPaid"]
    assert dossier.fees_paid_amount == 30_000


def test_the_same_fee_lines_declared_again_change_nothing(dossier_in):
    dossier = dossier_in(S.RECEIVED)
    fees = (FeeLine(name="Lệ phí", amount=10_000),)

    dossier.declare_fees(fees)
    dossier.declare_fees(fees)

    assert event_names(dossier) == ["FeesDeclared"]


def test_the_same_apology_twice_is_recorded_once(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    dossier.issue_apology(DUE + HOUR, DUE + 48 * HOUR, "quá hạn")
    dossier.issue_apology(DUE + HOUR, DUE + 48 * HOUR, "quá hạn")

    assert event_names(dossier) == ["ApologyIssued"]


def test_attaching_known_documents_changes_nothing_and_changed_flags_are_recorded(dossier_in):
    dossier = dossier_in(S.RECEIVED)
    form = SubmittedDocument(code="TP1", name="Tờ khai", has_file=True)
    copy = SubmittedDocument(code="TP2", name="Bản sao CCCD", has_file=True)
    digitised_form = form.model_copy(update={"digitised": True})

    dossier.attach_documents((form, copy))
    dossier.attach_documents((copy, form))
    dossier.attach_documents((digitised_form, copy))

    events = dossier.collect_events()
    assert [type(event).__name__ for event in events] == ["DocumentsAttached", "DocumentsAttached"]
    assert events[1].documents == (digitised_form,)  # type: ignore[attr-defined]
    assert dossier.documents == (digitised_form, copy)


def test_flags_already_set_are_not_recorded_again(dossier_in):
    dossier = dossier_in(S.RECEIVED)

    dossier.mark_vneid_authenticated(T0)
    dossier.mark_vneid_authenticated(T0 + HOUR)
    dossier.mark_population_database_used(T0, ("7",))
    dossier.mark_population_database_used(T0 + HOUR, ("7",))
    dossier.mark_population_database_used(T0 + HOUR, ())
    dossier.mark_population_database_used(T0 + HOUR, ("7", "9"))

    assert event_names(dossier) == ["VneidAuthenticated", "PopulationDatabaseUsed", "PopulationDatabaseUsed"]
    assert dossier.connected_databases == ("7", "9")


def test_only_a_later_sync_mark_is_recorded(dossier_in):
    dossier = dossier_in(S.RECEIVED)

    dossier.mark_synced(T0 + 2 * HOUR)
    dossier.mark_synced(T0 + 2 * HOUR)
    dossier.mark_synced(T0 + HOUR)
    dossier.mark_synced(T0 + 3 * HOUR)

    assert event_names(dossier) == ["Synced", "Synced"]
    assert dossier.synced_at == T0 + 3 * HOUR
