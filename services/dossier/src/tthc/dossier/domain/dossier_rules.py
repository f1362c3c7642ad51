"""Lifecycle rules of a dossier: which status may follow which, and why a step is refused.

Legal transitions (codes of TrangThaiHoSo; "→ 4 (supplied)" means only that command leads back to 4):

| from                      | to                                                             |
|---------------------------|----------------------------------------------------------------|
| 1 REGISTERED              | 2 received, 3 refused                                          |
| 2 RECEIVED                | 3, 4, 5, 6, 7, 8, 9                                            |
| 4 PROCESSING              | 4 (next step), 3, 5, 6, 7, 8, 9                                |
| 5 SUPPLEMENT_REQUESTED    | 4 (supplement supplied), 7, 8                                  |
| 6 FINANCIAL_OBLIGATION    | 4 (fees paid), 7, 8, 9                                         |
| 9 RESOLVED                | 10 result returned                                             |
| 3, 7, 8, 10               | final: nothing follows                                         |

Paying fees is allowed in 2, 4 and 6; in 6 it leads back to 4. Data-only facts (documents, fee lines,
VNeID, population database, sync mark, history items) are allowed in every state. An apology letter is
allowed once the dossier is received and while it is not closed (2, 4, 5, 6, 9).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tthc.dossier.domain.values import DossierStatus

S = DossierStatus

TRANSITIONS: Mapping[DossierStatus, frozenset[DossierStatus]] = {
    S.REGISTERED: frozenset({S.RECEIVED, S.REFUSED}),
    S.RECEIVED: frozenset({S.REFUSED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION}).union(
        {S.WITHDRAWN, S.STOPPED, S.RESOLVED}
    ),
    S.PROCESSING: frozenset({S.PROCESSING, S.REFUSED, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION}).union(
        {S.WITHDRAWN, S.STOPPED, S.RESOLVED}
    ),
    S.SUPPLEMENT_REQUESTED: frozenset({S.PROCESSING, S.WITHDRAWN, S.STOPPED}),
    S.FINANCIAL_OBLIGATION: frozenset({S.PROCESSING, S.WITHDRAWN, S.STOPPED, S.RESOLVED}),
    S.RESOLVED: frozenset({S.RESULT_RETURNED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.STOPPED: frozenset(),
    S.RESULT_RETURNED: frozenset(),
}

# The only commands that lead from a paused status back to processing.
RESUMING_COMMANDS: Mapping[DossierStatus, str] = {
    S.SUPPLEMENT_REQUESTED: "supply_supplement",
    S.FINANCIAL_OBLIGATION: "pay_fees",
}

FEES_PAYABLE_IN = frozenset({S.RECEIVED, S.PROCESSING, S.FINANCIAL_OBLIGATION})
APOLOGY_ALLOWED_IN = frozenset(
    {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION, S.RESOLVED}
)


def transition_refusal(status: DossierStatus, target: DossierStatus, command: str) -> str | None:
    """Why ``command`` may not move a dossier from ``status`` to ``target``; None when it may."""
    if target not in TRANSITIONS[status]:
        return _state_reason(status, target)
    if command == "supply_supplement" and status is not S.SUPPLEMENT_REQUESTED:
        return "no supplement round is open"
    resuming = RESUMING_COMMANDS.get(status)
    if target is S.PROCESSING and resuming is not None and command != resuming:
        return _paused_reason(status)
    return None


def fee_payment_refusal(status: DossierStatus) -> str | None:
    """Why fees may not be paid in ``status``; None when they may."""
    if status in FEES_PAYABLE_IN:
        return None
    return _state_reason(status, None)


def apology_refusal(status: DossierStatus) -> str | None:
    """Why an apology letter may not be issued in ``status``; None when it may."""
    if status in APOLOGY_ALLOWED_IN:
        return None
    return _state_reason(status, None)


def time_order_problem(
    at: datetime, received_at: datetime | None, last_step_at: datetime | None
) -> str | None:
    """Why a step at ``at`` would break the time order of the dossier; None when it keeps it."""
    if received_at is not None and at < received_at:
        return f"{at.isoformat()} is before the reception time {received_at.isoformat()}"
    if last_step_at is not None and at < last_step_at:
        return f"{at.isoformat()} is before the previous step at {last_step_at.isoformat()}"
    return None


def _state_reason(status: DossierStatus, target: DossierStatus | None) -> str:
    if status.is_final:
        return "the dossier is closed"
    if status is S.REGISTERED:
        return "the dossier has not been received yet"
    if status is S.RESOLVED:
        return "the dossier is resolved; only returning the result may follow"
    if status in RESUMING_COMMANDS:
        return _paused_reason(status)
    target_name = target.name if target is not None else "this step"
    return f"{target_name} may not follow {status.name}"


def _paused_reason(status: DossierStatus) -> str:
    if status is S.SUPPLEMENT_REQUESTED:
        return "a supplement round is open; record the supplied documents first"
    return "the financial obligation is pending; record the payment first"
