from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tthc.dossier.domain.errors import IllegalTransitionError, InconsistentDossierError
from tthc.dossier.domain.values import Channel, DossierStatus
from tthc.kit.clock import VIETNAM

S = DossierStatus
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=VIETNAM)
DUE = datetime(2024, 3, 7, 8, 0, tzinfo=VIETNAM)
LATER = T0 + timedelta(hours=12)  # after every step of the conftest paths

# What the national rules allow (1→2,3; 2→3..9; 4→4,3,5..9; 5→4 supplied,7,8; 6→4 paid,7,8,9; 9→10), plus
# paying fees in 2/4/6 and an apology once received and not closed. Written out independently of the code.
ALLOWED: dict[DossierStatus, dict[str, DossierStatus]] = {
    S.REGISTERED: {"refuse": S.REFUSED},
    S.RECEIVED: {
        "refuse": S.REFUSED,
        "start_step": S.PROCESSING,
        "request_supplement": S.SUPPLEMENT_REQUESTED,
        "request_financial_obligation": S.FINANCIAL_OBLIGATION,
        "withdraw": S.WITHDRAWN,
        "stop": S.STOPPED,
        "resolve": S.RESOLVED,
        "pay_fees": S.RECEIVED,
        "issue_apology": S.RECEIVED,
    },
    S.PROCESSING: {
        "start_step": S.PROCESSING,
        "refuse": S.REFUSED,
        "request_supplement": S.SUPPLEMENT_REQUESTED,
        "request_financial_obligation": S.FINANCIAL_OBLIGATION,
        "withdraw": S.WITHDRAWN,
        "stop": S.STOPPED,
        "resolve": S.RESOLVED,
        "pay_fees": S.PROCESSING,
        "issue_apology": S.PROCESSING,
    },
    S.SUPPLEMENT_REQUESTED: {
        "supply_supplement": S.PROCESSING,
        "withdraw": S.WITHDRAWN,
        "stop": S.STOPPED,
        "issue_apology": S.SUPPLEMENT_REQUESTED,
    },
    S.FINANCIAL_OBLIGATION: {
        "pay_fees": S.PROCESSING,
        "withdraw": S.WITHDRAWN,
        "stop": S.STOPPED,
        "resolve": S.RESOLVED,
        "issue_apology": S.FINANCIAL_OBLIGATION,
    },
    S.RESOLVED: {"return_result": S.RESULT_RETURNED, "issue_apology": S.RESOLVED},
    S.REFUSED: {},
    S.WITHDRAWN: {},
    S.STOPPED: {},
    S.RESULT_RETURNED: {},
}
STEPS = (
    "refuse",
    "start_step",
    "request_supplement",
    "supply_supplement",
    "request_financial_obligation",
    "pay_fees",
    "withdraw",
    "stop",
    "resolve",
    "return_result",
    "issue_apology",
)
CASES = [(status, step) for status in S for step in STEPS]
# One-time steps the conftest path already took (at another instant): repeating them contradicts the record.
ALREADY_TAKEN = {
    (S.REFUSED, "refuse"),
    (S.WITHDRAWN, "withdraw"),
    (S.STOPPED, "stop"),
    (S.RESOLVED, "resolve"),
    (S.RESULT_RETURNED, "resolve"),
    (S.RESULT_RETURNED, "return_result"),
}


@pytest.mark.parametrize(("status", "step"), CASES, ids=[f"{s.name}-{step}" for s, step in CASES])
def test_each_step_is_allowed_exactly_where_the_rules_say(dossier_in, take_step, status, step):
    dossier = dossier_in(status)
    expected = ALLOWED[status].get(step)

    if (status, step) in ALREADY_TAKEN:
        with pytest.raises(InconsistentDossierError, match="is recorded at"):
            take_step(dossier, step, LATER)
    elif expected is None:
        with pytest.raises(IllegalTransitionError) as refused:
            take_step(dossier, step, LATER)
        assert refused.value.status == status.name
        assert f"cannot {step} while {status.name}: " in str(refused.value)
        assert dossier.collect_events() == []
    else:
        take_step(dossier, step, LATER)
        assert dossier.status is expected
        assert len(dossier.collect_events()) == 1


@pytest.mark.parametrize("status", [S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RESULT_RETURNED])
def test_a_closed_dossier_says_it_is_closed(dossier_in, take_step, status):
    dossier = dossier_in(status)

    with pytest.raises(
        IllegalTransitionError, match=f"cannot start_step while {status.name}: the dossier is closed"
    ):
        take_step(dossier, "start_step", LATER)


@pytest.mark.parametrize(
    ("status", "step", "reason"),
    [
        (S.SUPPLEMENT_REQUESTED, "start_step", "a supplement round is open"),
        (S.FINANCIAL_OBLIGATION, "start_step", "the financial obligation is pending"),
        (S.PROCESSING, "supply_supplement", "no supplement round is open"),
        (S.REGISTERED, "start_step", "the dossier has not been received yet"),
        (S.RESOLVED, "stop", "only returning the result may follow"),
        (S.PROCESSING, "return_result", "RESULT_RETURNED may not follow PROCESSING"),
    ],
)
def test_refusals_explain_why(dossier_in, take_step, status, step, reason):
    dossier = dossier_in(status)

    with pytest.raises(IllegalTransitionError, match=reason):
        take_step(dossier, step, LATER)


def test_a_refused_registration_cannot_be_received(dossier_in):
    dossier = dossier_in(S.REFUSED)

    with pytest.raises(IllegalTransitionError, match="cannot receive while REFUSED: the dossier is closed"):
        dossier.receive(T0, DUE, Channel.ONLINE, dossier.procedure_code, dossier.unit_code)


def test_a_step_before_the_reception_time_is_inconsistent(dossier_in):
    dossier = dossier_in(S.RECEIVED)

    with pytest.raises(InconsistentDossierError, match="before the reception time") as error:
        dossier.start_step(T0 - timedelta(minutes=1), "Một cửa", None, "")
    assert error.value.field == "at"


def test_a_step_before_the_previous_step_is_inconsistent(dossier_in):
    dossier = dossier_in(S.SUPPLEMENT_REQUESTED)  # requested at T0 + 2h

    with pytest.raises(InconsistentDossierError, match="before the previous step"):
        dossier.supply_supplement(T0 + timedelta(hours=1), None)


def test_a_step_at_the_same_instant_as_the_previous_one_is_allowed(dossier_in):
    dossier = dossier_in(S.PROCESSING)  # step at T0 + 1h

    dossier.resolve(T0 + timedelta(hours=1), (), requires_paper_result=False)

    assert dossier.status is S.RESOLVED


def test_a_reception_before_the_submission_is_inconsistent(new_dossier):
    dossier = new_dossier()  # submitted at T0 - 1h

    with pytest.raises(InconsistentDossierError) as error:
        dossier.receive(
            T0 - timedelta(hours=2), DUE, Channel.ONLINE, dossier.procedure_code, dossier.unit_code
        )
    assert error.value.field == "received_at"


def test_a_due_date_before_the_reception_is_inconsistent(new_dossier):
    dossier = new_dossier()

    with pytest.raises(InconsistentDossierError) as error:
        dossier.receive(
            T0, T0 - timedelta(hours=1), Channel.ONLINE, dossier.procedure_code, dossier.unit_code
        )
    assert error.value.field == "due_at"


def test_a_supplement_cannot_bring_the_due_date_forward(dossier_in):
    dossier = dossier_in(S.SUPPLEMENT_REQUESTED)

    with pytest.raises(InconsistentDossierError) as error:
        dossier.supply_supplement(T0 + timedelta(hours=5), DUE - timedelta(days=1))
    assert error.value.field == "new_due_at"


def test_an_apology_before_the_reception_is_inconsistent(dossier_in):
    dossier = dossier_in(S.PROCESSING)

    with pytest.raises(InconsistentDossierError, match="before the reception time"):
        dossier.issue_apology(T0 - timedelta(days=1), None, "")
