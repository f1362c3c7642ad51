"""A parsed portal scoring response: units with the published scores and the inputs they carry."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tthc.indicators.domain.scoring import MetricCode, MetricInput
from tthc.indicators.portal.endpoints import Endpoint


@dataclass(frozen=True, slots=True)
class PortalMetric:
    """One metric of one unit as the portal lists it (or as computable from its raw parameters).

    `published` is False for parameter-shaped parts the portal does not score on their own (payment and
    online-service parts): then `portal_score` is None by construction, not a published null.
    """

    code: str
    metric: MetricCode | None
    portal_score: Decimal | None
    published: bool
    input: MetricInput


@dataclass(frozen=True, slots=True)
class PortalUnit:
    """One unit of a response: the root (overview/parent) or a child (evaluation/children)."""

    unit_code: str  # departmentCode, else departmentId
    department_id: str | None
    name: str
    level: str | None
    is_root: bool
    portal_total: Decimal | None
    metrics: tuple[PortalMetric, ...]

    def inputs(self) -> dict[MetricCode, MetricInput]:
        """Returns the engine inputs carried by this unit (known metrics with data only)."""
        return {m.metric: m.input for m in self.metrics if m.metric is not None and m.input.is_available}


@dataclass(frozen=True, slots=True)
class PortalResponse:
    """A whole response of one scoring endpoint."""

    endpoint: Endpoint
    units: tuple[PortalUnit, ...]
