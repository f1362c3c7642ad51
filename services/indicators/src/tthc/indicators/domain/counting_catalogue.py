"""Catalogue-level metrics of a pool: transparency 1.1–1.3, 3.1, 3.2, 3.5a, 3.5b, 4.5a, 4.6 (index-766 §1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tthc.indicators.domain.counting_dossiers import DossierPass, service_id
from tthc.indicators.domain.counting_tally import Subject, Tally
from tthc.indicators.domain.facts_catalogue import ProcedureFacts, PublicationDecision, UnitFacts, UnitLevel
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import MetricCode, MetricInput


def pool_catalogue(units: Sequence[UnitFacts], procedures: Mapping[str, ProcedureFacts]) -> frozenset[str]:
    """The procedures under the pool's authority: the union of its units' catalogues (all, without units)."""
    if not units:
        return frozenset(procedures)
    return frozenset().union(*(unit.catalogue(procedures) for unit in units))


def count_catalogue(
    tally: Tally,
    dossiers: DossierPass,
    procedures: Mapping[str, ProcedureFacts],
    units: Sequence[UnitFacts],
    period: Period,
) -> None:
    """Counts every catalogue-level metric of the pool into `tally`."""
    catalogue = [procedures[code] for code in sorted(pool_catalogue(units, procedures))]
    _count_transparency(tally, catalogue, period)
    offered = {proc.code for proc in catalogue if proc.offered_online}
    tally.add_sets(
        MetricCode.ONLINE_SERVICE_PROVISION, Subject.PROCEDURE, offered, [p.code for p in catalogue]
    )
    with_fee = {proc.code for proc in catalogue if proc.has_fee_info}
    tally.add_sets(
        MetricCode.FEE_INTEGRATED_FORMALITY, Subject.PROCEDURE, dossiers.procedures_with_fee_data, with_fee
    )
    tally.add_sets(
        MetricCode.ONLINE_PAYMENT_FORMALITY, Subject.PROCEDURE, dossiers.procedures_paid_online, with_fee
    )
    citizen = {proc.code for proc in catalogue if proc.citizen_subject}
    tally.add_sets(
        MetricCode.CITIZEN_DATA_CONNECTED_FORMALITY, Subject.PROCEDURE,
        dossiers.procedures_with_population_data, citizen,
    )  # fmt: skip
    if not units:
        tally.override(MetricCode.ONLINE_SERVICE_WITH_DOSSIERS, MetricInput.unavailable())
        tally.override(MetricCode.ELECTRONIC_CERTIFIED_COPY, MetricInput.unavailable())
        return
    services = set(_online_services(units, procedures))
    tally.add_sets(
        MetricCode.ONLINE_SERVICE_WITH_DOSSIERS,
        Subject.SERVICE,
        dossiers.services_with_online_dossiers,
        services,
    )
    communes = [unit for unit in units if unit.level is UnitLevel.COMMUNE]
    offering = {unit.code for unit in communes if unit.offers_electronic_certified_copy}
    tally.add_sets(
        MetricCode.ELECTRONIC_CERTIFIED_COPY, Subject.UNIT, offering, [unit.code for unit in communes]
    )


def _online_services(units: Iterable[UnitFacts], procedures: Mapping[str, ProcedureFacts]) -> Iterable[str]:
    """One online service per (unit, procedure the unit carries out that is offered online)."""
    for unit in units:
        for code in unit.catalogue(procedures):
            if procedures[code].offered_online:
                yield service_id(unit.code, code)


def _count_transparency(tally: Tally, catalogue: Sequence[ProcedureFacts], period: Period) -> None:
    published, published_on_time = set(), set()
    to_make_public, made_public_on_time = set(), set()
    for proc in catalogue:
        decided = [d for d in proc.publications if period.first_day <= d.decided_on <= period.last_day]
        if decided:
            published.add(proc.code)
            if all(d.decided_on_time for d in decided):
                published_on_time.add(proc.code)
        due_public = [d for d in proc.publications if _public_due_in(d, period)]
        if due_public:
            to_make_public.add(proc.code)
            if all(_made_public_on_time_in(d, period) for d in due_public):
                made_public_on_time.add(proc.code)
    tally.add_sets(MetricCode.PUBLISH_ON_TIME, Subject.PROCEDURE, published_on_time, published)
    tally.add_sets(MetricCode.PUBLIC_UPDATE_ON_TIME, Subject.PROCEDURE, made_public_on_time, to_make_public)
    public = {proc.code for proc in catalogue if proc.currently_public}
    complete = {proc.code for proc in catalogue if proc.currently_public and proc.content_complete}
    tally.add_sets(MetricCode.PUBLIC_CONTENT_FULL, Subject.PROCEDURE, complete, public)


def _public_due_in(decision: PublicationDecision, period: Period) -> bool:
    """Made public in the period, or still not public at its end although its deadline has passed (1.2)."""
    made = decision.made_public_on
    if made is not None and made <= period.last_day:
        return made >= period.first_day
    return decision.public_due is not None and decision.public_due <= period.last_day


def _made_public_on_time_in(decision: PublicationDecision, period: Period) -> bool:
    made = decision.made_public_on
    return made is not None and made <= period.last_day and decision.made_public_on_time
