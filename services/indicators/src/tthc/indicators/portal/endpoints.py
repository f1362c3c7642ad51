"""The six scoring endpoints of the national portal (DVCQG) and how to recognise their responses."""

from __future__ import annotations

from enum import StrEnum

from tthc.indicators.domain.scoring import METRICS, GroupCode, MetricCode


class Endpoint(StrEnum):
    """A DVCQG scoring endpoint (`/api/v1/reporting/evaluation/<value>`)."""

    TRANSPARENCY = "transparency"
    PROGRESS = "dvc-progress-tree"
    ONLINE_SERVICES = "provide-online-tree"
    ONLINE_PAYMENT = "formality-online-payment-tree"
    DIGITISATION = "dossier-digitized"
    SATISFACTION = "handling-satisfaction"

    @property
    def group(self) -> GroupCode:
        """Returns the index group this endpoint scores."""
        return _GROUP_OF[self]

    @classmethod
    def of_group(cls, group: GroupCode) -> Endpoint:
        """Returns the endpoint that scores a group."""
        return next(endpoint for endpoint, code in _GROUP_OF.items() if code is group)


_GROUP_OF: dict[Endpoint, GroupCode] = {
    Endpoint.TRANSPARENCY: GroupCode.TRANSPARENCY,
    Endpoint.PROGRESS: GroupCode.PROGRESS,
    Endpoint.ONLINE_SERVICES: GroupCode.ONLINE_SERVICES,
    Endpoint.ONLINE_PAYMENT: GroupCode.ONLINE_PAYMENT,
    Endpoint.DIGITISATION: GroupCode.DIGITISATION,
    Endpoint.SATISFACTION: GroupCode.SATISFACTION,
}

RAW_PARAMETERS: dict[Endpoint, frozenset[str]] = {
    Endpoint.PROGRESS: frozenset({"totalReceived", "totalOnTime", "totalOverdue", "avgProcessingDays"}),
    Endpoint.ONLINE_SERVICES: frozenset(
        {
            "authorityCount",
            "partialCount",
            "fullCount",
            "onlineDossierCount",
            "onlineServiceTotal",
            "channelOnlineSum",
            "channelTotalSum",
            "channelDirectSum",
            "channelPostalSum",
        }
    ),
    Endpoint.ONLINE_PAYMENT: frozenset(
        {
            "totalDossierOnlinePaymentSuccess",
            "totalDossierFinancialObligation",
            "totalDossierOnlineFormalityPaymentSuccess",
            "totalFeeDossierFormality",
            "totalFeeDossierFormalityDistinct",
            "totalFeeFormality",
        }
    ),
}
"""Raw parameter names that identify a parameter-shaped response."""

_GROUP_OF_METRIC: dict[str, GroupCode] = {definition.code.value: definition.group for definition in METRICS}


def group_of_metric(code: str) -> GroupCode | None:
    """Returns the group of a portal metric code, None for a code the engine does not know."""
    return _GROUP_OF_METRIC.get(code)


def known_metric(code: str) -> MetricCode | None:
    """Returns the engine's code for a portal metric code, None when unknown."""
    return MetricCode(code) if code in _GROUP_OF_METRIC else None
