"""The one pass over a pool's dossiers: every dossier-based numerator and denominator (index-766 §1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from tthc.indicators.domain.counting_config import CountingConfig
from tthc.indicators.domain.counting_figures import PassFigures, members, shared_codes
from tthc.indicators.domain.counting_tally import Subject, Tally
from tthc.indicators.domain.facts import Channel, DossierFacts
from tthc.indicators.domain.facts_catalogue import OnlineLevel, ProcedureFacts
from tthc.indicators.domain.facts_known import as_known_at
from tthc.indicators.domain.ontime import LegalDue, ended_before, judge, processing_duration
from tthc.indicators.domain.ontime_config import Verdict
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import MetricCode

# Denominator = dossiers in the 2.1 scope ("totalReceived"): 2.1, 4.1–4.5b, 5.4 (§1.5 "Denominators [H]").
IN_SCOPE_METRICS = (
    MetricCode.PROCESSED_ON_TIME,
    MetricCode.DOSSIER_RECEIVING_SATISFACTION,
    MetricCode.ORIGINAL_RESULT_AVAILABLE,
    MetricCode.SO_HOA_GIAY_TO_GIAI_QUYET,
    MetricCode.REUSED_DIGITIZED_DATA,
    MetricCode.SYNCED_WITH_DVCQG_PERSONAL_STORAGE,
    MetricCode.CITIZEN_DATA_CONNECTED_DOSSIER,
)
# Denominator = dossiers received (NgayTiepNhan) in the period: 1.4, 3.3, 3.6, the 2026 alternative.
RECEIVED_METRICS = (
    MetricCode.DOSSIER_SYNC,
    MetricCode.ONLINE_DOSSIER_SUBMISSION,
    MetricCode.FULL_PROCESS_ONLINE_DOSSIERS,
    MetricCode.ONLINE_PAYMENT_DOSSIERS,
)
_NO_PROCEDURE = ProcedureFacts(code="")


class DossierPass:
    """Accumulates one pool's dossiers for one period as of `now`; feed it with `add`, once per dossier.

    `legal_due` gives the deadline of a dossier without a due date (default: reception + legal time of the
    dossier, else of its procedure). Besides the tally it collects what the catalogue metrics need
    (procedures and online services that had dossiers) and the unscored figures: 2.2 processing time, intake
    by channel, overdue dossiers with an apology.
    """

    def __init__(
        self,
        tally: Tally,
        procedures: Mapping[str, ProcedureFacts],
        period: Period,
        now: datetime,
        *,
        config: CountingConfig,
        legal_due: LegalDue | None = None,
    ) -> None:
        self._tally, self._procedures, self._period, self._now, self._config = (
            tally, procedures, period, now, config,
        )  # fmt: skip
        self._legal_due = legal_due
        self._legal_due_by_procedure: dict[str, LegalDue] = {}
        for code in IN_SCOPE_METRICS + RECEIVED_METRICS:
            tally.open(code, Subject.DOSSIER)
        self.procedures_with_fee_data: set[str] = set()
        self.procedures_paid_online: set[str] = set()
        self.procedures_with_population_data: set[str] = set()
        self.services_with_online_dossiers: set[str] = set()
        self.processing_time = timedelta(0)
        self.completed = 0
        self.received_by_channel: Counter[Channel] = Counter()
        self.overdue = 0
        self.overdue_with_apology = 0

    def figures(self) -> PassFigures:
        """What this undetailed pass counted, as a compact value to merge into other passes later (the
        per-procedure deadline rules, which only counting needs, are left behind).

        Raises:
            ValueError: the pass keeps ids (a detailed tally).
        """
        codes, numerators, denominators = self._tally.totals()
        return PassFigures(
            codes=shared_codes(codes),
            numerators=numerators,
            denominators=denominators,
            procedures_with_fee_data=members(self.procedures_with_fee_data),
            procedures_paid_online=members(self.procedures_paid_online),
            procedures_with_population_data=members(self.procedures_with_population_data),
            services_with_online_dossiers=members(self.services_with_online_dossiers),
            processing_time=self.processing_time,
            completed=self.completed,
            received_by_channel=tuple(sorted(self.received_by_channel.items())),
            overdue=self.overdue,
            overdue_with_apology=self.overdue_with_apology,
        )

    def merge(self, other: PassFigures) -> None:
        """Adds what another pass counted (other dossiers, same period, instant and configuration) to this
        one: counting a pool in parts and merging them gives the same figures as counting it in one pass.

        Raises:
            ValueError: this pass keeps ids (a detailed tally).
        """
        self._tally.add_totals(Subject.DOSSIER, other.codes, other.numerators, other.denominators)
        self.procedures_with_fee_data.update(other.procedures_with_fee_data)
        self.procedures_paid_online.update(other.procedures_paid_online)
        self.procedures_with_population_data.update(other.procedures_with_population_data)
        self.services_with_online_dossiers.update(other.services_with_online_dossiers)
        self.processing_time += other.processing_time
        self.completed += other.completed
        self.received_by_channel.update(dict(other.received_by_channel))
        self.overdue += other.overdue
        self.overdue_with_apology += other.overdue_with_apology

    def add(self, dossier: DossierFacts) -> None:
        """Counts one dossier in every metric it belongs to."""
        received = dossier.received_at
        unreceived = received is None or received >= self._period.end or received > self._now
        if unreceived and not self._received_in_period(dossier.intake_at):
            return  # not received by the cut-off, no intake in the period: in no metric (cheap exit)
        if ended_before(dossier, self._period.start, self._now):
            return  # closed out before the period (so received and taken in before it): in no metric
        dossier = as_known_at(dossier, self._now)  # a closed period never sees a flag raised after it
        procedure = self._procedures.get(dossier.procedure_code, _NO_PROCEDURE)
        if self._config.portal_view and not dossier.is_synced:
            if self._received_in_period(dossier.received_at):
                self._tally.add(MetricCode.DOSSIER_SYNC, dossier.dossier_id, False)
            return
        paper = dossier.requires_paper_result
        paper = procedure.requires_paper_result if paper is None else paper
        self._count_in_scope(dossier, procedure, paper)
        if self._received_in_period(dossier.received_at):
            self._count_received(dossier, procedure, paper)
        if self._received_in_period(dossier.intake_at):
            self._collect_intake(dossier)

    def _received_in_period(self, at: datetime | None) -> bool:
        return at is not None and at <= self._now and self._period.contains(at)

    def _count_in_scope(self, dossier: DossierFacts, procedure: ProcedureFacts, paper: bool) -> None:
        legal_due = self._legal_due or self._procedure_legal_due(procedure)
        judgement = judge(dossier, self._period, self._now, self._config.ontime, legal_due)
        if not judgement.in_scope:
            return
        add, item = self._tally.add, dossier.dossier_id
        on_time = judgement.is_on_time
        add(MetricCode.PROCESSED_ON_TIME, item, on_time)
        add(MetricCode.DOSSIER_RECEIVING_SATISFACTION, item, on_time and not dossier.has_petition_or_dislike)
        add(MetricCode.ORIGINAL_RESULT_AVAILABLE, item, paper and dossier.has_e_result)
        digitised = dossier.has_digitised_document and (not paper or dossier.has_e_result)
        add(MetricCode.SO_HOA_GIAY_TO_GIAI_QUYET, item, digitised)
        add(MetricCode.REUSED_DIGITIZED_DATA, item, dossier.reuses_digitised_data)
        add(MetricCode.SYNCED_WITH_DVCQG_PERSONAL_STORAGE, item, dossier.uses_citizen_store)
        add(MetricCode.CITIZEN_DATA_CONNECTED_DOSSIER, item, dossier.uses_population_data)
        if dossier.uses_population_data:
            self.procedures_with_population_data.add(dossier.procedure_code)
        if judgement.verdict is Verdict.OVERDUE:
            self.overdue += 1
            self.overdue_with_apology += dossier.apology_issued_at is not None

    def _procedure_legal_due(self, procedure: ProcedureFacts) -> LegalDue:
        found = self._legal_due_by_procedure.get(procedure.code)
        if found is None:
            found = self._legal_due_by_procedure[procedure.code] = _LegalDueFromProcedure(
                procedure.legal_time
            )
        return found

    def _count_received(self, dossier: DossierFacts, procedure: ProcedureFacts, paper: bool) -> None:
        add, item = self._tally.add, dossier.dossier_id
        add(MetricCode.DOSSIER_SYNC, item, dossier.is_synced)
        online = dossier.is_online and (not paper or dossier.has_coded_e_result)
        add(MetricCode.ONLINE_DOSSIER_SUBMISSION, item, online)
        if procedure.online_level is OnlineLevel.FULL:
            add(MetricCode.FULL_PROCESS_ONLINE_DOSSIERS, item, online)
        if procedure.has_fee_info and not dossier.all_fees_zero:
            add(MetricCode.ONLINE_PAYMENT_DOSSIERS, item, dossier.is_paid_online)
        self.received_by_channel[dossier.effective_channel] += 1
        duration = processing_duration(dossier, self._now, self._config.ontime)
        if duration is not None:
            self.processing_time += duration
            self.completed += 1

    def _collect_intake(self, dossier: DossierFacts) -> None:
        if dossier.is_online:
            self.services_with_online_dossiers.add(service_id(dossier.unit_code, dossier.procedure_code))
        if dossier.has_fee:
            self.procedures_with_fee_data.add(dossier.procedure_code)
        if dossier.is_paid_online:
            self.procedures_paid_online.add(dossier.procedure_code)


def service_id(unit_code: str, procedure_code: str) -> str:
    """The id of one online service: a procedure as offered by one unit."""
    return f"{unit_code}/{procedure_code}"


class _LegalDueFromProcedure:
    """Reception + the dossier's legal time, else the procedure's (for dossiers without a due date)."""

    __slots__ = ("_fallback",)

    def __init__(self, fallback: timedelta | None) -> None:
        self._fallback = fallback

    def __call__(self, dossier: DossierFacts) -> datetime | None:
        legal_time = dossier.legal_time if dossier.legal_time is not None else self._fallback
        if legal_time is None or dossier.received_at is None:
            return None
        return dossier.received_at + legal_time
