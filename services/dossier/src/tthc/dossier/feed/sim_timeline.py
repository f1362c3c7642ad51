"""Generation of one simulated dossier's true timeline, deterministic from its random generator.

Reception happens in working hours on working days; due dates come from the procedure's legal time through
the working calendar; supplements pause the clock and move the due date; some dossiers pay online, some owe a
financial obligation, some are late, withdrawn, stopped or refused. Every step is strictly later than the one
before, so each step yields a distinct snapshot.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from tthc.dossier.domain.catalogue import ProcedureSpec
from tthc.dossier.domain.procedure_values import OnlineLevel
from tthc.dossier.domain.values import Channel, DossierStatus, OnlinePayment, ReturnMethod
from tthc.dossier.feed.sim_mix import ENDING_NOTES, WORKING_DAY, Mix, budget, documents
from tthc.dossier.feed.sim_people import fake_applicant
from tthc.dossier.feed.sim_truth import DossierTruth, TrueFee, TrueStep, TrueSupplement
from tthc.kit.worktime import LegalTime, WorkingCalendar

S = DossierStatus
FRONT_DESK = "Bộ phận Tiếp nhận và Trả kết quả"
SPECIALIST = "Công chức chuyên môn"


class TimelineBuilder:
    """Builds dossier timelines with one calendar and one mix."""

    def __init__(self, calendar: WorkingCalendar, mix: Mix) -> None:
        self.calendar, self.mix = calendar, mix

    def build(
        self, rng: random.Random, code: str, unit: str, procedure: ProcedureSpec, day: date
    ) -> DossierTruth:
        """The timeline of dossier ``code`` received (or submitted) on working day ``day``."""
        channel = self._channel(rng, procedure)
        arrival = self._working_instant(rng, day)
        online = channel is Channel.ONLINE
        submitted = arrival - timedelta(minutes=rng.randint(5, 1800)) if online else arrival
        steps = [TrueStep(submitted, S.REGISTERED, "Nộp hồ sơ trực tuyến", "")] if online else []
        legal = self._legal_time(procedure, channel)
        state = _State(rng=rng, steps=steps)
        if online and rng.random() < self.mix.refused_before_reception:
            state.step(arrival, S.REFUSED, "Từ chối tiếp nhận hồ sơ", FRONT_DESK)
            return self._truth(
                state,
                code=code,
                unit=unit,
                procedure=procedure,
                channel=channel,
                submitted=submitted,
                received=None,
                due=None,
                legal=legal,
            )
        due = self.calendar.due_date(arrival, legal)
        state.step(arrival, S.RECEIVED, "Tiếp nhận hồ sơ", FRONT_DESK)
        self._process(state, arrival, due, budget(legal), procedure)
        return self._truth(
            state,
            code=code,
            unit=unit,
            procedure=procedure,
            channel=channel,
            submitted=submitted,
            received=arrival,
            due=due,
            legal=legal,
        )

    def _process(
        self, state: _State, received: datetime, due: datetime, budget: timedelta, procedure: ProcedureSpec
    ) -> None:
        rng, mix = state.rng, self.mix
        now = self._later(received, budget * rng.uniform(0.02, 0.1))
        state.step(now, S.PROCESSING, "Chuyển xử lý", SPECIALIST)
        fate = rng.random()
        if fate < mix.refused + mix.withdrawn + mix.stopped:
            status = (
                S.REFUSED
                if fate < mix.refused
                else S.WITHDRAWN
                if fate < mix.refused + mix.withdrawn
                else S.STOPPED
            )
            state.step(
                self._later(now, budget * rng.uniform(0.1, 0.5)), status, ENDING_NOTES[status], SPECIALIST
            )
            return
        now, due = self._supplements(state, now, due, budget)
        if state.closed:
            return
        if any(fee.amount_vnd for fee in procedure.fees) and rng.random() < mix.obligation:
            now = self._obligation(state, now, budget)
        finish = self._finish(rng, now, due)
        state.step(finish, S.RESOLVED, "Hoàn thành xử lý", SPECIALIST)
        if rng.random() < mix.returned:
            state.step(
                self._later(finish, WORKING_DAY * rng.uniform(0.05, 2)),
                S.RESULT_RETURNED,
                "Trả kết quả",
                FRONT_DESK,
            )

    def _supplements(
        self, state: _State, now: datetime, due: datetime, budget: timedelta
    ) -> tuple[datetime, datetime]:
        rng, mix = state.rng, self.mix
        rounds = 0
        while rng.random() < (mix.supplement if rounds == 0 else mix.second_supplement) and rounds < 2:
            rounds += 1
            requested = self._later(now, budget * rng.uniform(0.1, 0.4))
            state.step(requested, S.SUPPLEMENT_REQUESTED, "Yêu cầu bổ sung hồ sơ", SPECIALIST)
            if rng.random() < mix.never_supplied:
                state.rounds.append(TrueSupplement(requested, None, due, None, "Bổ sung giấy tờ còn thiếu"))
                if rng.random() < 0.5:
                    withdrawn = self._later(requested, WORKING_DAY * rng.uniform(3, 10))
                    state.step(withdrawn, S.WITHDRAWN, "Công dân rút hồ sơ", FRONT_DESK)
                return now, due
            supplied = self._later(requested, WORKING_DAY * rng.uniform(0.5, 5))
            new_due = max(due, self.calendar.shift_for_pause(due, requested, supplied))
            state.rounds.append(
                TrueSupplement(requested, supplied, due, new_due, "Bổ sung giấy tờ còn thiếu")
            )
            state.step(supplied, S.PROCESSING, "Đã bổ sung hồ sơ", FRONT_DESK)
            now, due = supplied, new_due
        return now, due

    def _obligation(self, state: _State, now: datetime, budget: timedelta) -> datetime:
        rng = state.rng
        requested = self._later(now, budget * rng.uniform(0.1, 0.4))
        state.step(requested, S.FINANCIAL_OBLIGATION, "Yêu cầu thực hiện nghĩa vụ tài chính", SPECIALIST)
        paid = self._later(requested, WORKING_DAY * rng.uniform(0.2, 2))
        if rng.random() < 0.5:
            state.online_payment = (
                OnlinePayment.NATIONAL_PORTAL if rng.random() < 0.7 else OnlinePayment.LOCAL_GATEWAY
            )
        state.paid_at = paid
        state.step(paid, S.PROCESSING, "Đã thực hiện nghĩa vụ tài chính", SPECIALIST)
        return paid

    def _finish(self, rng: random.Random, now: datetime, due: datetime) -> datetime:
        if rng.random() < self.mix.late or now >= due:
            return self._later(max(now, due), WORKING_DAY * rng.uniform(0.1, 3))
        left = self.calendar.working_time_between(now, due)
        return self._later(now, max(timedelta(minutes=5), left * rng.uniform(0.1, 0.95)))

    def _truth(
        self,
        state: _State,
        *,
        code: str,
        unit: str,
        procedure: ProcedureSpec,
        channel: Channel,
        submitted: datetime,
        received: datetime | None,
        due: datetime | None,
        legal: LegalTime,
    ) -> DossierTruth:
        rng = state.rng
        fees = tuple(
            TrueFee(fee.name, fee.amount_vnd * rng.randint(1, 3 if fee.per else 1)) for fee in procedure.fees
        )
        paid_online = channel is Channel.ONLINE and received is not None and sum(f.amount for f in fees) > 0
        if paid_online and state.paid_at is None and rng.random() < self.mix.paid_online:
            state.paid_at, state.online_payment = received, OnlinePayment.NATIONAL_PORTAL
        online = channel is Channel.ONLINE
        return DossierTruth(
            code=code,
            unit_code=unit,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            field_code=procedure.field.code,
            channel=channel,
            applicant=fake_applicant(rng),
            summary=f"{procedure.name} (hồ sơ mẫu, thời hạn {legal})",
            submitted_at=submitted,
            received_at=received,
            due_at=due,
            supplements=tuple(state.rounds),
            fees=fees,
            paid_at=state.paid_at,
            online_payment=state.online_payment,
            documents=documents(rng, online),
            vneid_authenticated=online and rng.random() < 0.8,
            population_db_used=rng.random() < 0.6,
            electronic_result=rng.random() < self.mix.electronic_result,
            return_method=ReturnMethod.POST if channel is Channel.POSTAL else ReturnMethod.IN_PERSON,
            steps=tuple(state.steps),
        )

    def _channel(self, rng: random.Random, procedure: ProcedureSpec) -> Channel:
        draw = rng.random()
        if procedure.online_level is not OnlineLevel.NONE and draw < self.mix.online / 0.75:
            return Channel.ONLINE
        return Channel.POSTAL if draw > 1 - self.mix.postal else Channel.DIRECT

    def _legal_time(self, procedure: ProcedureSpec, channel: Channel) -> LegalTime:
        if channel is Channel.ONLINE and procedure.online_legal_time is not None:
            return procedure.online_legal_time
        return procedure.legal_time

    def _working_instant(self, rng: random.Random, day: date) -> datetime:
        opening = self.calendar.hours.opening(day)
        at = self.calendar.add_working_time(opening, WORKING_DAY * rng.uniform(0.01, 0.98))
        return at.replace(second=0, microsecond=0)

    def _later(self, at: datetime, work: timedelta) -> datetime:
        return self.calendar.add_working_time(at, max(work, timedelta(minutes=10))).replace(
            second=0, microsecond=0
        )


class _State:
    def __init__(self, rng: random.Random, steps: list[TrueStep]) -> None:
        self.rng, self.steps = rng, steps
        self.rounds: list[TrueSupplement] = []
        self.paid_at: datetime | None = None
        self.online_payment = OnlinePayment.NONE

    @property
    def closed(self) -> bool:
        return self.steps[-1].status in (S.WITHDRAWN, S.SUPPLEMENT_REQUESTED)

    def step(self, at: datetime, status: DossierStatus, note: str, department: str) -> None:
        if self.steps and at <= self.steps[-1].at:
            at = self.steps[-1].at + timedelta(minutes=1)
        self.steps.append(TrueStep(at, status, note, department))
