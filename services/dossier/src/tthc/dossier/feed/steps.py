"""The lifecycle steps a dossier snapshot implies beyond what is recorded, in time order (pure).

A snapshot (HoSoDongBoDVC) carries dates, not events, so some times are inferred, and documented here:

- processing (4) reached straight from reception starts at ``NgayTiepNhan``;
- a financial obligation (6) is requested at the latest time the snapshot states (the format has no date
  for it);
- an online payment (DuocThanhToanTrucTuyen 1/2) is recorded at reception, or, when the dossier waits in 6,
  when processing resumes (at the next step's time). A payment flag first seen when the dossier is no longer
  in 2, 4 or 6 cannot be placed in the lifecycle and is left out;
- a returned dossier (10) never stated as resolved is resolved at ``NgayKetThucXuLy``, else at ``NgayTra``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tthc.dossier.domain.commands import (
    Command,
    PayFees,
    RefuseDossier,
    RequestFinancialObligation,
    RequestSupplement,
    ResolveDossier,
    ReturnResult,
    StartProcessingStep,
    StopProcessing,
    SupplySupplement,
    WithdrawDossier,
)
from tthc.dossier.domain.errors import InconsistentDossierError
from tthc.dossier.domain.values import DossierStatus, OnlinePayment
from tthc.dossier.domain.views import DossierView, SupplementRound
from tthc.dossier.feed.mapping import fee_lines, result_documents
from tthc.dossier.feed.payload import DossierRecord, SupplementItem

S = DossierStatus
ROUNDS_FIELD = "DanhSachHoSoBoSung"


@dataclass
class StepPlan:
    """Steps collected with their times; ``ordered()`` sorts them by time, keeping insertion order on ties."""

    status: DossierStatus
    steps: list[tuple[datetime, int, Command]] = field(default_factory=list)

    def add(self, at: datetime, command: Command, reaches: DossierStatus | None = None) -> None:
        self.steps.append((at, len(self.steps), command))
        if reaches is not None:
            self.status = reaches

    def ordered(self) -> list[Command]:
        return [command for _, _, command in sorted(self.steps, key=lambda step: (step[0], step[1]))]


def lifecycle_steps(
    record: DossierRecord, current: DossierView | None, start: DossierStatus
) -> list[Command]:
    """Steps from ``start`` (the status once opened or received) to the record's status, in time order."""
    plan = StepPlan(start)
    _supplement_steps(record, current, plan)
    _target_steps(record, plan)
    commands = plan.ordered()
    payment = _payment(record, current, start, commands)
    return commands if payment is None else [payment, *commands]


def _supplement_steps(record: DossierRecord, current: DossierView | None, plan: StepPlan) -> None:
    rounds = sorted_rounds(record)
    known = current.supplements if current is not None else ()
    if len(known) > len(rounds):
        raise InconsistentDossierError(
            record.code,
            ROUNDS_FIELD,
            f"{len(known)} supplement rounds are recorded, the record lists {len(rounds)}",
        )
    for index, item in enumerate(rounds):
        recorded = known[index] if index < len(known) else None
        _check_round(record.code, index, item, recorded)
        if recorded is None:
            at = _requested_at(item)
            plan.add(
                at, RequestSupplement(code=record.code, at=at, reason=item.content), S.SUPPLEMENT_REQUESTED
            )
        if item.supplied_at is not None and (recorded is None or recorded.supplied_at is None):
            supply = SupplySupplement(code=record.code, at=item.supplied_at, new_due_at=item.new_due_at)
            plan.add(item.supplied_at, supply, S.PROCESSING)


def _check_round(code: str, index: int, item: SupplementItem, recorded: SupplementRound | None) -> None:
    if recorded is None:
        return
    if recorded.requested_at != item.requested_at:
        reason = f"round {index + 1} is recorded as requested at {recorded.requested_at.isoformat()}"
        raise InconsistentDossierError(code, f"{ROUNDS_FIELD}[{index}].NgayBoSung", reason)
    if recorded.supplied_at is not None and item.supplied_at != recorded.supplied_at:
        reason = f"round {index + 1} is recorded as supplied at {recorded.supplied_at.isoformat()}"
        raise InconsistentDossierError(code, f"{ROUNDS_FIELD}[{index}].NgayTiepNhanBoSung", reason)


def _target_steps(record: DossierRecord, plan: StepPlan) -> None:
    code, target = record.code, record.status
    if target is plan.status or target in (S.REGISTERED, S.RECEIVED, S.SUPPLEMENT_REQUESTED):
        return
    if target is S.REFUSED:
        plan.add(
            _required(record.refused_at), RefuseDossier(code=code, at=_required(record.refused_at)), target
        )
    elif target is S.PROCESSING:
        if plan.status is S.FINANCIAL_OBLIGATION:
            return  # the payment resumes processing
        at = record.received_at if plan.status is S.RECEIVED else latest_time(record)
        plan.add(
            _required(at), StartProcessingStep(code=code, at=_required(at), handler_unit=record.unit), target
        )
    elif target is S.FINANCIAL_OBLIGATION:
        at = latest_time(record)
        plan.add(at, RequestFinancialObligation(code=code, at=at, fees=fee_lines(record)), target)
    elif target is S.WITHDRAWN:
        plan.add(
            _required(record.finished_at),
            WithdrawDossier(code=code, at=_required(record.finished_at)),
            target,
        )
    elif target is S.STOPPED:
        plan.add(
            _required(record.finished_at), StopProcessing(code=code, at=_required(record.finished_at)), target
        )
    else:
        _resolution_steps(record, plan)


def _resolution_steps(record: DossierRecord, plan: StepPlan) -> None:
    if plan.status is not S.RESOLVED:
        at = _required(record.finished_at or record.returned_at)
        plan.add(
            at, ResolveDossier(code=record.code, at=at, result_documents=result_documents(record)), S.RESOLVED
        )
    if record.status is S.RESULT_RETURNED:
        at = _required(record.returned_at)
        returned = ReturnResult(code=record.code, at=at, method=record.return_method_or_default)
        plan.add(at, returned, S.RESULT_RETURNED)


def _payment(
    record: DossierRecord, current: DossierView | None, start: DossierStatus, commands: list[Command]
) -> PayFees | None:
    """The payment to record first, if the record states one the service does not know yet."""
    flagged = record.online_payment is not OnlinePayment.NONE and (
        current is None or current.online_payment is not record.online_payment
    )
    amount = sum(fee.amount for fee in record.fees)
    if start is S.FINANCIAL_OBLIGATION and record.status is not S.FINANCIAL_OBLIGATION:
        leaves_by_payment = flagged or record.status in (S.PROCESSING, S.SUPPLEMENT_REQUESTED)
        if not leaves_by_payment:
            return None
        at = min((step_time for step_time in map(_time_of, commands) if step_time is not None), default=None)
        method = record.online_payment if flagged else OnlinePayment.NONE
        return PayFees(code=record.code, at=at or latest_time(record), amount=amount, online_payment=method)
    if flagged and start in (S.RECEIVED, S.PROCESSING) and record.received_at is not None:
        return PayFees(
            code=record.code, at=record.received_at, amount=amount, online_payment=record.online_payment
        )
    return None


def _time_of(command: Command) -> datetime | None:
    at = getattr(command, "at", None)
    return at if isinstance(at, datetime) else None


def sorted_rounds(record: DossierRecord) -> list[SupplementItem]:
    """The record's supplement rounds that state a request time, in request order."""
    return sorted((item for item in record.supplements if item.requested_at), key=_requested_at)


def latest_time(record: DossierRecord) -> datetime:
    """The latest time a snapshot of an unfinished dossier states (reception and supplement dates)."""
    times = [record.received_at, record.submitted_at]
    times += [at for item in record.supplements for at in (item.requested_at, item.supplied_at)]
    return max(at for at in times if at is not None)


def _requested_at(item: SupplementItem) -> datetime:
    return _required(item.requested_at)


def _required(at: datetime | None) -> datetime:
    if at is None:  # validation guarantees the date for the status; this is a programming error
        raise ValueError("a date the record's status requires is missing")
    return at
