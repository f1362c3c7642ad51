"""Metric-shaped responses (`transparency`, `dossier-digitized`, `handling-satisfaction`).

Layout: `data.overview` (root unit) and `data.evaluation[]` (children); each unit has `metrics[]` of
`{code, numerator, denominator, ratio, score, maxScore, dataQualityStatus?}`. No unit code: units are
identified by `departmentId`.
"""

from __future__ import annotations

from decimal import Decimal

from tthc.indicators.domain.scoring import MetricInput
from tthc.indicators.portal.endpoints import Endpoint, group_of_metric, known_metric
from tthc.indicators.portal.errors import PortalResponseError
from tthc.indicators.portal.model import PortalMetric
from tthc.indicators.portal.values import JsonObject, as_list, as_object, count_or_none, decimal_or_none

HUNDRED = Decimal(100)


def metric_codes(units: list[JsonObject]) -> set[str]:
    """Returns every metric code listed by the units."""
    return {
        str(as_object(m, "metric").get("code"))
        for unit in units
        for m in as_list(unit.get("metrics"), "metrics")
    }


def detect_endpoint(units: list[JsonObject]) -> Endpoint:
    """Returns the endpoint whose group owns the listed metric codes."""
    codes = metric_codes(units)
    groups = {group for code in codes if (group := group_of_metric(code)) is not None}
    if len(groups) != 1:
        raise PortalResponseError(
            f"cannot tell the endpoint from the metric codes ({', '.join(sorted(codes))})"
        )
    return Endpoint.of_group(next(iter(groups)))


def unit_metrics(unit: JsonObject, where: str) -> tuple[PortalMetric, ...]:
    """Returns a unit's listed metrics with their published score and counts."""
    items = as_list(unit.get("metrics"), f"{where}.metrics")
    return tuple(_metric(as_object(item, where), f"{where}.metrics[{i}]") for i, item in enumerate(items))


def _metric(item: JsonObject, where: str) -> PortalMetric:
    code = item.get("code")
    if not isinstance(code, str):
        raise PortalResponseError(f"{where}: metric without a code")
    return PortalMetric(
        code=code,
        metric=known_metric(code),
        portal_score=decimal_or_none(item.get("score"), f"{where}.score"),
        published=True,
        input=_input(item, where),
    )


def _input(item: JsonObject, where: str) -> MetricInput:
    numerator = count_or_none(item.get("numerator"), f"{where}.numerator")
    denominator = count_or_none(item.get("denominator"), f"{where}.denominator")
    status = item.get("dataQualityStatus")
    flags = frozenset({status}) if isinstance(status, str) and status else frozenset()
    ratio = decimal_or_none(item.get("ratio"), f"{where}.ratio")
    if numerator is None and denominator is None and ratio is not None:
        # A ratio-only metric (ELECTRONIC_CERTIFIED_COPY): no counts exist, so its given ratio is the input.
        return MetricInput.of_share(ratio / HUNDRED, flags)
    return MetricInput(numerator, denominator, flags=flags)
