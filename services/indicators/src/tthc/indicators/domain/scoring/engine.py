"""Scores one unit for one period from its metric inputs (docs/index-766.md §1.7–§1.8)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from tthc.indicators.domain.scoring.catalogue import GROUPS, GroupDefinition, MetricDefinition, metrics_for
from tthc.indicators.domain.scoring.config import (
    DEFAULT,
    CommuneNotApplicable,
    PaymentRounding,
    ScoringConfig,
)
from tthc.indicators.domain.scoring.metrics import (
    DataQualityFlag,
    GroupCode,
    MetricCode,
    MetricInput,
    MetricInputs,
)
from tthc.indicators.domain.scoring.payment import portal_part_score
from tthc.indicators.domain.scoring.rules import OnZero, half_up, percent
from tthc.indicators.domain.scoring.scorecard import GroupScore, MetricScore, Scorecard

_PETITION_METRICS = (MetricCode.PETITION_PROCESSING_ON_TIME, MetricCode.PETITION_HANDLING_SATISFACTION)


class UnitLevel(StrEnum):
    """The administrative level of the scored unit, where a rule depends on it."""

    MINISTRY = "MINISTRY"
    PROVINCE = "PROVINCE"
    COMMUNE = "COMMUNE"


@dataclass(frozen=True, slots=True)
class _Scored:
    score: MetricScore
    exact: Fraction | None  # the unrounded score
    available: bool


def score_unit(
    inputs: MetricInputs, config: ScoringConfig = DEFAULT, *, level: UnitLevel | None = None
) -> Scorecard:
    """Scores one unit's inputs: metric scores rounded once, group = Σ rounded non-null metric scores.

    A metric missing from `inputs` is "not available": null score, flagged NOT_AVAILABLE. `level` matters only
    under `CommuneNotApplicable.FULL_MARKS`.
    """
    definitions = metrics_for(config, no_petitions=_has_no_petitions(inputs))
    commune_full = (
        config.commune_not_applicable is CommuneNotApplicable.FULL_MARKS and level is UnitLevel.COMMUNE
    )
    scored = [
        _score_metric(d, inputs.get(d.code, MetricInput.unavailable()), config, commune_full)
        for d in definitions
    ]
    groups = tuple(_group_score(group, definitions, scored, config) for group in GROUPS)
    total = sum((group.score for group in groups if group.score is not None), Decimal("0.00"))
    return Scorecard(groups=groups, metrics=tuple(item.score for item in scored), total=total)


def _has_no_petitions(inputs: MetricInputs) -> bool:
    given = [inputs.get(code) for code in _PETITION_METRICS]
    return all(item is not None and item.has_counts and item.denominator == 0 for item in given)


def _score_metric(
    definition: MetricDefinition, given: MetricInput, config: ScoringConfig, commune_full: bool
) -> _Scored:
    if commune_full and definition.code in config.commune_not_applicable_metrics:
        full = Fraction(definition.max_score)
        return _result(
            definition, given, ratio=None, exact=full, notes={DataQualityFlag.COMMUNE_NOT_APPLICABLE}
        )
    if not given.is_available:
        missing = {DataQualityFlag.NOT_AVAILABLE}
        return _result(definition, given, ratio=None, exact=None, notes=missing, available=False)
    share, notes = _share(given)
    if share is None:
        return _zero_denominator(definition, given)
    exact = definition.rule.points(definition.max_score, share) if definition.max_score else None
    scored = _result(definition, given, ratio=percent(share), exact=exact, notes=notes)
    if exact is not None and _uses_portal_payment_rounding(definition, config):
        rounded = portal_part_score(definition.max_score, definition.rule.threshold, share)
        return _Scored(replace(scored.score, score=rounded), exact, available=True)
    return scored


def _share(given: MetricInput) -> tuple[Fraction | None, AbstractSet[str]]:
    numerator, denominator = given.numerator, given.denominator
    if numerator is not None and denominator is not None:
        return (Fraction(numerator, denominator) if denominator else None), set()
    if given.share is not None:
        return Fraction(given.share), {DataQualityFlag.RATIO_ONLY}
    return None, set()


def _zero_denominator(definition: MetricDefinition, given: MetricInput) -> _Scored:
    on_zero = definition.rule.on_zero
    if on_zero is OnZero.NULL:
        return _result(definition, given, ratio=None, exact=None, notes=set())
    exact = Fraction(definition.max_score if on_zero is OnZero.FULL else 0) if definition.max_score else None
    return _result(definition, given, ratio=Decimal("0.00"), exact=exact, notes=set())


def _result(
    definition: MetricDefinition,
    given: MetricInput,
    *,
    ratio: Decimal | None,
    exact: Fraction | None,
    notes: AbstractSet[str],
    available: bool = True,
) -> _Scored:
    score = MetricScore(
        code=definition.code,
        name=definition.name,
        name_vi=definition.name_vi,
        group=definition.group,
        numerator=given.numerator,
        denominator=given.denominator,
        ratio=ratio,
        score=half_up(exact) if exact is not None else None,
        max_score=definition.max_score,
        rule=definition.rule.describe() if definition.max_score else "tracked only (max 0)",
        flags=frozenset(given.flags | notes),
    )
    return _Scored(score, exact, available)


def _uses_portal_payment_rounding(definition: MetricDefinition, config: ScoringConfig) -> bool:
    return definition.group is GroupCode.ONLINE_PAYMENT and config.payment_rounding is PaymentRounding.PORTAL


def _group_score(
    group: GroupDefinition,
    definitions: tuple[MetricDefinition, ...],
    scored: list[_Scored],
    config: ScoringConfig,
) -> GroupScore:
    members = [item for item in scored if item.score.group is group.code and item.score.max_score > 0]
    maximum = sum(d.max_score for d in definitions if d.group is group.code)
    if not any(item.available for item in members):
        return GroupScore(group.code, group.name, group.name_vi, maximum, None)
    if group.code is GroupCode.ONLINE_PAYMENT and config.payment_rounding is PaymentRounding.GROUP_SUM:
        total = half_up(sum((item.exact for item in members if item.exact is not None), Fraction(0)))
    else:
        total = sum((item.score.score for item in members if item.score.score is not None), Decimal("0.00"))
    return GroupScore(group.code, group.name, group.name_vi, maximum, total)
