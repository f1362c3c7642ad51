"""On-time verdicts (index-766 §3.1) on hand-worked timelines: March 2024, civil time Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tthc.indicators.domain.facts import DossierFacts, DossierStatus
from tthc.indicators.domain.ontime import (
    Granularity,
    OnTimeConfig,
    OnTimeConfigError,
    PauseRule,
    Verdict,
    judge,
    processing_duration,
)
from tthc.indicators.domain.periods import Period

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period.month(2024, 3)
AFTER_MARCH = datetime(2024, 4, 20, 12, tzinfo=VN)
TIMESTAMP = OnTimeConfig(granularity=Granularity.TIMESTAMP)


def vn(day: int, hour: int = 9, month: int = 3, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=VN)


def received(day: int = 1, due: datetime | None = None, month: int = 3) -> DossierFacts:
    """A dossier received on `day` at 09:00, due on `due` (default: 10 March 17:00)."""
    facts = DossierFacts(
        dossier_id="d1", code="H44.100-240301-0001", unit_code="H44.100", procedure_code="P1"
    )
    return facts.with_reception(vn(day, month=month), vn(10, 17) if due is None else due)


def verdict(
    dossier: DossierFacts, now: datetime = AFTER_MARCH, config: OnTimeConfig | None = None
) -> Verdict:
    return judge(dossier, MARCH, now, config or OnTimeConfig()).verdict


class TestFinishedDossiers:
    def test_resolved_on_an_earlier_day_is_early(self) -> None:
        assert verdict(received().with_status(DossierStatus.RESOLVED, vn(8))) is Verdict.EARLY

    def test_resolved_on_the_due_day_is_on_time(self) -> None:
        assert verdict(received().with_status(DossierStatus.RESOLVED, vn(10, 10))) is Verdict.ON_TIME

    def test_resolved_on_the_due_day_after_the_due_hour_is_on_time_by_date_but_late_by_timestamp(
        self,
    ) -> None:
        dossier = received().with_status(DossierStatus.RESOLVED, vn(10, 18))
        assert verdict(dossier) is Verdict.ON_TIME
        assert verdict(dossier, config=TIMESTAMP) is Verdict.OVERDUE

    def test_resolved_after_the_due_day_is_overdue(self) -> None:
        assert verdict(received().with_status(DossierStatus.RESOLVED, vn(12))) is Verdict.OVERDUE

    def test_dates_are_compared_in_vietnam_not_utc(self) -> None:
        # due 10 Mar 23:30 (+07) = 16:30 UTC; resolved 11 Mar 00:30 (+07) = 17:30 UTC on 10 Mar
        dossier = received(due=vn(10, 23, minute=30)).with_status(
            DossierStatus.RESOLVED, datetime(2024, 3, 10, 17, 30, tzinfo=UTC)
        )
        assert verdict(dossier) is Verdict.OVERDUE

    def test_resolution_wins_over_a_later_result_return(self) -> None:
        dossier = (
            received()
            .with_status(DossierStatus.RESOLVED, vn(9))
            .with_status(DossierStatus.RESULT_RETURNED, vn(12))
        )
        judgement = judge(dossier, MARCH, AFTER_MARCH)
        assert judgement.verdict is Verdict.EARLY
        assert judgement.end_status is DossierStatus.RESOLVED

    def test_result_return_alone_ends_processing(self) -> None:
        assert verdict(received().with_status(DossierStatus.RESULT_RETURNED, vn(12))) is Verdict.OVERDUE

    def test_resolution_wins_over_an_earlier_stop(self) -> None:
        dossier = (
            received()
            .with_status(DossierStatus.STOPPED, vn(3))
            .with_status(DossierStatus.PROCESSING, vn(4))
            .with_status(DossierStatus.RESOLVED, vn(12))
        )
        assert verdict(dossier) is Verdict.OVERDUE

    def test_withdrawal_is_judged_by_date_unless_configured_on_time(self) -> None:
        dossier = received().with_status(DossierStatus.WITHDRAWN, vn(12))
        assert verdict(dossier) is Verdict.OVERDUE
        assert verdict(dossier, config=OnTimeConfig(withdrawn_on_time=True)) is Verdict.ON_TIME


class TestScope:
    def test_never_received_dossier_is_out_of_scope(self) -> None:
        registered = DossierFacts("d1", "c", "U", "P", submitted_at=vn(2)).with_status(
            DossierStatus.REGISTERED, vn(2)
        )
        assert verdict(registered) is Verdict.OUT_OF_SCOPE

    def test_refused_without_reception_is_out_of_scope(self) -> None:
        refused = DossierFacts("d1", "c", "U", "P", submitted_at=vn(2)).with_status(
            DossierStatus.REFUSED, vn(3)
        )
        assert verdict(refused) is Verdict.OUT_OF_SCOPE

    def test_refused_after_reception_counts(self) -> None:
        assert verdict(received().with_status(DossierStatus.REFUSED, vn(2))) is Verdict.EARLY

    def test_received_earlier_and_finished_in_the_period_counts(self) -> None:
        dossier = received(day=20, month=2, due=vn(28, 17, month=2)).with_status(
            DossierStatus.RESOLVED, vn(5)
        )
        assert verdict(dossier) is Verdict.OVERDUE

    def test_received_earlier_and_still_open_counts(self) -> None:
        dossier = received(day=20, month=2, due=vn(15, 17))
        assert verdict(dossier) is Verdict.OVERDUE

    def test_finished_before_the_period_is_out_of_scope(self) -> None:
        dossier = received(day=20, month=2).with_status(DossierStatus.RESOLVED, vn(25, month=2))
        assert verdict(dossier) is Verdict.OUT_OF_SCOPE

    def test_received_after_the_period_is_out_of_scope(self) -> None:
        assert verdict(received(day=1, month=4)) is Verdict.OUT_OF_SCOPE

    def test_events_after_the_period_are_ignored_for_a_closed_period(self) -> None:
        # resolved on 2 April, due 5 April: at the end of March it was still open and within its deadline
        dossier = received(due=vn(5, 17, month=4)).with_status(DossierStatus.RESOLVED, vn(2, month=4))
        judgement = judge(dossier, MARCH, AFTER_MARCH)
        assert judgement.verdict is Verdict.ON_TIME
        assert not judgement.finished


class TestPendingDossiers:
    def test_pending_dossier_turns_overdue_as_the_clock_passes_the_due_date(self) -> None:
        dossier = received()
        assert verdict(dossier, now=vn(5)) is Verdict.ON_TIME
        assert verdict(dossier, now=vn(10, 20)) is Verdict.ON_TIME
        assert verdict(dossier, now=vn(10, 20), config=TIMESTAMP) is Verdict.OVERDUE
        assert verdict(dossier, now=vn(11, 8)) is Verdict.OVERDUE

    def test_pending_dossier_of_a_closed_period_is_judged_at_the_period_end(self) -> None:
        due_after_march = received(due=vn(3, 17, month=4))
        assert verdict(due_after_march, now=vn(20, month=4)) is Verdict.ON_TIME
        due_on_last_day = received(due=vn(31, 8))
        assert verdict(due_on_last_day, now=vn(20, month=4)) is Verdict.ON_TIME
        assert verdict(due_on_last_day, now=vn(20, month=4), config=TIMESTAMP) is Verdict.OVERDUE

    def test_a_pending_dossier_is_never_early(self) -> None:
        assert verdict(received(), now=vn(2)) is Verdict.ON_TIME


class TestSupplements:
    def test_single_unanswered_supplement_ends_processing_at_the_request(self) -> None:
        judgement = judge(received().with_supplement_requested(vn(5)), MARCH, AFTER_MARCH)
        assert judgement.verdict is Verdict.EARLY
        assert judgement.end == vn(5)
        assert judgement.end_status is DossierStatus.SUPPLEMENT_REQUESTED

    def test_single_unanswered_supplement_requested_after_the_due_date_is_overdue(self) -> None:
        assert verdict(received().with_supplement_requested(vn(12))) is Verdict.OVERDUE

    def test_second_unanswered_supplement_is_overdue_even_before_the_due_date(self) -> None:
        dossier = received().with_supplement_requested(vn(3)).with_supplement_supplied(vn(4))
        assert verdict(dossier.with_supplement_requested(vn(6))) is Verdict.OVERDUE

    def test_answered_supplement_resumes_the_clock(self) -> None:
        dossier = received().with_supplement_requested(vn(3)).with_supplement_supplied(vn(4))
        assert verdict(dossier, now=vn(5)) is Verdict.ON_TIME
        assert verdict(dossier, now=vn(11)) is Verdict.OVERDUE

    def test_supplement_unanswered_before_the_period_is_out_of_scope(self) -> None:
        dossier = received(day=10, month=2, due=vn(28, 17, month=2)).with_supplement_requested(
            vn(15, month=2)
        )
        assert verdict(dossier) is Verdict.OUT_OF_SCOPE

    def test_default_compares_with_the_extended_due_date_without_subtracting_the_pause(self) -> None:
        # original due 10 Mar, 3-day pause (5→8 Mar), due extended to 13 Mar, resolved 13 Mar.
        # Counting the pause twice would give 10 Mar against 13 Mar = early; the rule gives on time.
        dossier = (
            received()
            .with_supplement_requested(vn(5))
            .with_supplement_supplied(vn(8), new_due=vn(13, 17))
            .with_status(DossierStatus.RESOLVED, vn(13))
        )
        assert verdict(dossier) is Verdict.ON_TIME
        assert verdict(dossier, config=OnTimeConfig(pause_rule="subtract-pauses")) is Verdict.ON_TIME  # type: ignore[arg-type]

    def test_subtracting_pauses_compares_with_the_original_due_date(self) -> None:
        # the due date was not extended: 13 Mar is late against 10 Mar, but 13 Mar − 3 days pause is on time
        dossier = (
            received()
            .with_supplement_requested(vn(5))
            .with_supplement_supplied(vn(8))
            .with_status(DossierStatus.RESOLVED, vn(13))
        )
        assert verdict(dossier) is Verdict.OVERDUE
        subtract = OnTimeConfig(pause_rule=PauseRule.SUBTRACT_PAUSES)
        judgement = judge(dossier, MARCH, AFTER_MARCH, subtract)
        assert judgement.verdict is Verdict.ON_TIME
        assert judgement.paused == timedelta(days=3)


class TestNoDueDate:
    def no_due(self) -> DossierFacts:
        return DossierFacts("d1", "c", "U", "P", legal_time=timedelta(days=5)).with_reception(vn(1), None)

    def test_legal_time_gives_the_deadline(self) -> None:
        assert verdict(self.no_due().with_status(DossierStatus.RESOLVED, vn(3))) is Verdict.EARLY
        assert verdict(self.no_due().with_status(DossierStatus.RESOLVED, vn(6, 15))) is Verdict.ON_TIME
        assert verdict(self.no_due().with_status(DossierStatus.RESOLVED, vn(8))) is Verdict.OVERDUE

    def test_supplement_time_is_subtracted_from_the_elapsed_time(self) -> None:
        dossier = (
            self.no_due()
            .with_supplement_requested(vn(2))
            .with_supplement_supplied(vn(4))
            .with_status(DossierStatus.RESOLVED, vn(8))
        )
        assert verdict(dossier) is Verdict.ON_TIME

    def test_a_legal_due_callable_overrides_the_legal_time(self) -> None:
        dossier = self.no_due().with_status(DossierStatus.RESOLVED, vn(8))
        judgement = judge(dossier, MARCH, AFTER_MARCH, legal_due=lambda d: vn(20))
        assert judgement.verdict is Verdict.EARLY
        assert judgement.due == vn(20)

    def test_without_any_deadline_the_configured_verdict_applies(self) -> None:
        dossier = DossierFacts("d1", "c", "U", "P").with_reception(vn(1), None)
        assert verdict(dossier) is Verdict.ON_TIME
        assert verdict(dossier, config=OnTimeConfig(no_deadline_verdict=Verdict.OVERDUE)) is Verdict.OVERDUE

    def test_out_of_scope_cannot_be_the_no_deadline_verdict(self) -> None:
        with pytest.raises(OnTimeConfigError):
            OnTimeConfig(no_deadline_verdict=Verdict.OUT_OF_SCOPE)


class TestApologyAndFinancialObligation:
    def test_an_apology_never_moves_the_due_date(self) -> None:
        late = received().with_apology(vn(11)).with_status(DossierStatus.RESOLVED, vn(14))
        assert (late.original_due, late.current_due) == (vn(10, 17), vn(10, 17))
        assert verdict(late) is Verdict.OVERDUE

    def test_status_6_keeps_the_clock_running_by_default(self) -> None:
        dossier = (
            received()
            .with_status(DossierStatus.FINANCIAL_OBLIGATION, vn(5))
            .with_status(DossierStatus.PROCESSING, vn(9))
            .with_status(DossierStatus.RESOLVED, vn(12))
        )
        assert verdict(dossier) is Verdict.OVERDUE
        pausing = OnTimeConfig(financial_obligation_pauses=True)
        judgement = judge(dossier, MARCH, AFTER_MARCH, pausing)
        assert judgement.verdict is Verdict.EARLY  # 12 Mar − 4 days = 8 Mar
        assert judgement.paused == timedelta(days=4)

    def test_pending_in_status_6_is_paused_only_when_configured(self) -> None:
        dossier = received().with_status(DossierStatus.FINANCIAL_OBLIGATION, vn(5))
        assert verdict(dossier, now=vn(20)) is Verdict.OVERDUE
        assert (
            verdict(dossier, now=vn(20), config=OnTimeConfig(financial_obligation_pauses=True))
            is Verdict.ON_TIME
        )


class TestProcessingDuration:
    def test_duration_excludes_supplement_pauses(self) -> None:
        dossier = (
            received()
            .with_supplement_requested(vn(2))
            .with_supplement_supplied(vn(4))
            .with_status(DossierStatus.RESOLVED, vn(6))
            .with_status(DossierStatus.RESULT_RETURNED, vn(9))
        )
        assert processing_duration(dossier, AFTER_MARCH) == timedelta(days=3)

    def test_only_completed_dossiers_have_a_duration(self) -> None:
        assert processing_duration(received(), AFTER_MARCH) is None
        assert processing_duration(received().with_status(DossierStatus.STOPPED, vn(4)), AFTER_MARCH) is None
        resolved_later = received().with_status(DossierStatus.RESOLVED, vn(6))
        assert processing_duration(resolved_later, vn(5)) is None
