"""Parameter-shaped responses (`dvc-progress-tree`, `provide-online-tree`, `formality-online-payment-tree`).

Layout: `data.parent` (root unit) and `data.children[]`, each with `departmentCode` and the group's raw
counts. The portal publishes only the unit total (`totalScore`, or `score` on some children); the metrics
below are the ones computable from the raw counts. A unit lacking some counts simply yields fewer metrics.
"""

from __future__ import annotations

from tthc.indicators.domain.scoring import MetricCode, MetricInput
from tthc.indicators.portal.endpoints import RAW_PARAMETERS, Endpoint
from tthc.indicators.portal.errors import PortalResponseError
from tthc.indicators.portal.model import PortalMetric
from tthc.indicators.portal.values import JsonObject, count_or_none, decimal_or_none

M = MetricCode
# metric → (numerator parameters summed, denominator parameter)
_RECIPES: dict[Endpoint, tuple[tuple[MetricCode, tuple[str, ...], str], ...]] = {
    Endpoint.PROGRESS: ((M.PROCESSED_ON_TIME, ("totalOnTime",), "totalReceived"),),
    Endpoint.ONLINE_SERVICES: (
        (M.ONLINE_SERVICE_PROVISION, ("partialCount", "fullCount"), "authorityCount"),
        (M.ONLINE_SERVICE_WITH_DOSSIERS, ("onlineDossierCount",), "onlineServiceTotal"),
        (M.ONLINE_DOSSIER_SUBMISSION, ("channelOnlineSum",), "channelTotalSum"),
    ),
    Endpoint.ONLINE_PAYMENT: (
        (M.ONLINE_PAYMENT_DOSSIERS, ("totalDossierOnlinePaymentSuccess",), "totalDossierFinancialObligation"),
        # §1.8: B's denominator is totalFeeFormality (= totalFeeDossierFormalityDistinct in every sample).
        (M.ONLINE_PAYMENT_FORMALITY, ("totalDossierOnlineFormalityPaymentSuccess",), "totalFeeFormality"),
        (M.FEE_INTEGRATED_FORMALITY, ("totalFeeDossierFormality",), "totalFeeFormality"),
    ),
}


def detect_endpoint(units: list[JsonObject]) -> Endpoint:
    """Returns the endpoint whose raw parameter names the units carry."""
    names = {name for unit in units for name in unit}
    matches = [endpoint for endpoint, params in RAW_PARAMETERS.items() if names & params]
    if len(matches) != 1:
        raise PortalResponseError(
            "cannot tell the endpoint from the raw parameters of a parent/children response"
        )
    return matches[0]


def published_total(unit: JsonObject) -> object:
    """Returns the raw published unit total: `totalScore`, else `score`."""
    return unit["totalScore"] if "totalScore" in unit else unit.get("score")


def unit_metrics(endpoint: Endpoint, unit: JsonObject, where: str) -> tuple[PortalMetric, ...]:
    """Returns the metrics computable from the unit's raw counts."""
    total = decimal_or_none(published_total(unit), f"{where}.totalScore")
    single_metric = len(_RECIPES[endpoint]) == 1  # progress: the metric score is the unit total
    metrics = []
    for code, numerator_names, denominator_name in _RECIPES[endpoint]:
        numerators = _counts(unit, numerator_names, where)
        denominator = count_or_none(unit.get(denominator_name), f"{where}.{denominator_name}")
        if numerators is None or denominator is None:
            continue
        score = total if single_metric else None
        metrics.append(
            PortalMetric(code.value, code, score, single_metric, MetricInput(sum(numerators), denominator))
        )
    return tuple(metrics)


def _counts(unit: JsonObject, names: tuple[str, ...], where: str) -> list[int] | None:
    counts = [count_or_none(unit.get(name), f"{where}.{name}") for name in names]
    return [count for count in counts if count is not None] if None not in counts else None
