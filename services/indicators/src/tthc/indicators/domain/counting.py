"""Counting one pool of dossiers into metric inputs for one period (index-766 §1, §1.8, §4 attribution).

The caller pools a unit's dossiers (a province = itself + every descendant: `pool_for`) and calls `count_unit`
once per unit and period; `count_unit_detailed` also returns, per metric, the ids in its numerator and
denominator (for drill-down) and the unscored figures. One pass over the dossiers, no quadratic work.
Rule choices: services/indicators/ONTIME.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TypeVar

from tthc.indicators.domain.counting_catalogue import count_catalogue
from tthc.indicators.domain.counting_config import CountingConfig, NationalReport
from tthc.indicators.domain.counting_dossiers import DossierPass
from tthc.indicators.domain.counting_figures import PassFigures
from tthc.indicators.domain.counting_petitions import count_petitions
from tthc.indicators.domain.counting_tally import MetricIds, Subject, Tally
from tthc.indicators.domain.facts import Channel, DossierFacts
from tthc.indicators.domain.facts_catalogue import ProcedureFacts, UnitFacts
from tthc.indicators.domain.facts_petition import PetitionFacts
from tthc.indicators.domain.ontime import LegalDue
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import DataQualityFlag, MetricCode, MetricInput

__all__ = [
    "CATALOGUE_METRICS",
    "CountingConfig",
    "MetricIds",
    "NationalReport",
    "ProcessingTime",
    "Subject",
    "UnitCount",
    "count_unit",
    "count_unit_detailed",
    "in_pool",
    "inherit_catalogue_metrics",
    "pool_for",
]

CATALOGUE_METRICS = frozenset(
    {
        MetricCode.PUBLISH_ON_TIME,
        MetricCode.PUBLIC_UPDATE_ON_TIME,
        MetricCode.PUBLIC_CONTENT_FULL,
        MetricCode.ONLINE_SERVICE_PROVISION,
        MetricCode.ELECTRONIC_CERTIFIED_COPY,
    }
)
"""Computed for the province (or ministry) and inherited unchanged by every child unit (§1.1, §1.5, §4)."""

_DEFAULT = CountingConfig()
_T = TypeVar("_T")
_HasUnit = TypeVar("_HasUnit", DossierFacts, PetitionFacts)


@dataclass(frozen=True, slots=True)
class ProcessingTime:
    """Unscored 2.2: total processing time of the dossiers received in the period and completed (9/10)."""

    total: timedelta = timedelta(0)
    completed: int = 0

    @property
    def average(self) -> timedelta | None:
        """Mean processing time (None when nothing was completed)."""
        return self.total / self.completed if self.completed else None


@dataclass(frozen=True, slots=True)
class UnitCount:
    """Everything counted for one pool and period: inputs, the ids behind them and unscored figures."""

    inputs: dict[MetricCode, MetricInput]
    breakdown: dict[MetricCode, MetricIds] = field(default_factory=dict)
    processing: ProcessingTime = ProcessingTime()
    received_by_channel: dict[Channel, int] = field(default_factory=dict)
    overdue: int = 0
    overdue_with_apology: int = 0


@dataclass(frozen=True, slots=True)
class _Extras:
    units: Sequence[UnitFacts]
    petitions: Iterable[PetitionFacts]
    national_report: NationalReport | None
    legal_due: LegalDue | None
    parts: tuple[PassFigures, ...] = ()


def count_unit(
    dossiers: Iterable[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
    period: Period,
    now: datetime,
    config: CountingConfig = _DEFAULT,
    *,
    units: Sequence[UnitFacts] = (),
    petitions: Iterable[PetitionFacts] = (),
    national_report: NationalReport | None = None,
    legal_due: LegalDue | None = None,
    parts: Iterable[PassFigures] = (),
) -> dict[MetricCode, MetricInput]:
    """The metric inputs of one pool for `period` as of `now` (arguments: see `count_unit_detailed`).

    `parts`: passes already counted over other dossiers of the pool (`counting_parts.count_part`, same
    period, instant, procedures, configuration and `legal_due`); they are merged in as if their dossiers
    were in `dossiers`.
    """
    extras = _Extras(units, petitions, national_report, legal_due, tuple(parts))
    return _count(dossiers, procedures, period, now, config, extras=extras, detailed=False).inputs


def count_unit_detailed(
    dossiers: Iterable[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
    period: Period,
    now: datetime,
    config: CountingConfig = _DEFAULT,
    *,
    units: Sequence[UnitFacts] = (),
    petitions: Iterable[PetitionFacts] = (),
    national_report: NationalReport | None = None,
    legal_due: LegalDue | None = None,
) -> UnitCount:
    """Counts one pool for `period` as of `now`, keeping the ids of every numerator and denominator.

    - `dossiers` / `petitions`: the pool's (already filtered to the pool's units, e.g. with `in_pool`).
    - `procedures`: the catalogue, by procedure code (dossiers of unknown procedures count with defaults).
    - `units`: the pool's units; they scope the catalogue metrics (without them: the whole `procedures`
      catalogue, and 3.2 and 4.6 are unavailable).
    - `national_report`: the national reporting system's figures for 1.4 (optional).
    - `legal_due`: the deadline of dossiers without a due date (default: reception + legal time).
    """
    extras = _Extras(units, petitions, national_report, legal_due)
    return _count(dossiers, procedures, period, now, config, extras=extras, detailed=True)


def _count(
    dossiers: Iterable[DossierFacts],
    procedures: Mapping[str, ProcedureFacts],
    period: Period,
    now: datetime,
    config: CountingConfig,
    *,
    extras: _Extras,
    detailed: bool,
) -> UnitCount:
    tally = Tally(detailed)
    counted = DossierPass(tally, procedures, period, now, config=config, legal_due=extras.legal_due)
    for dossier in dossiers:
        counted.add(dossier)
    for part in extras.parts:
        counted.merge(part)
    count_catalogue(tally, counted, procedures, extras.units, period)
    count_petitions(tally, extras.petitions, period, now)
    if extras.national_report is not None:
        _apply_national_report(tally, extras.national_report, period)
    return UnitCount(
        inputs=tally.inputs(),
        breakdown=tally.breakdown(),
        processing=ProcessingTime(counted.processing_time, counted.completed),
        received_by_channel=dict(counted.received_by_channel),
        overdue=counted.overdue,
        overdue_with_apology=counted.overdue_with_apology,
    )


def _apply_national_report(tally: Tally, report: NationalReport, period: Period) -> None:
    """1.4's denominator = the larger of the local and national counts; last year's share when both are 0."""
    synced, received = tally.count(MetricCode.DOSSIER_SYNC)
    flags: set[str] = set()
    if report.received is None:
        flags.add(DataQualityFlag.NO_NATIONAL_REPORT_DATA)
    denominator = max(received, report.received or 0)
    if denominator == 0 and report.previous_year_received:
        share = report.previous_year_received * period.share_of_year()
        denominator = int(share + Fraction(1, 2))  # nearest whole dossier, halves up
        flags.add(DataQualityFlag.TEMP_NATIONAL_REPORT_DENOMINATOR)
    tally.override(MetricCode.DOSSIER_SYNC, MetricInput(synced, denominator, flags=frozenset(flags)))


def pool_for(unit: str, children: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """The unit and all its descendants (a commune's pool is itself); safe against cycles in the registry."""
    pool, stack = {unit}, [unit]
    while stack:
        for child in children(stack.pop()):
            if child not in pool:
                pool.add(child)
                stack.append(child)
    return frozenset(pool)


def in_pool(items: Iterable[_HasUnit], pool: frozenset[str]) -> Iterator[_HasUnit]:
    """The dossiers (or petitions) of the pool's units."""
    return (item for item in items if item.unit_code in pool)


def inherit_catalogue_metrics(
    parent: Mapping[MetricCode, _T], child: Mapping[MetricCode, _T]
) -> dict[MetricCode, _T]:
    """The child's inputs (or breakdowns) with the catalogue metrics taken from its province or ministry."""
    inherited = {code: value for code, value in parent.items() if code in CATALOGUE_METRICS}
    return {**child, **inherited}
