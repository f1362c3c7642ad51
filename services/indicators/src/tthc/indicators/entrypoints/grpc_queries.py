"""The blocking side of `IndicatorService`: one method per query, request message in, response message out.

The gRPC servicer runs these in worker threads; the offline CLI (`tthc index show --store`) calls them
directly, so both give the same answer for the same facts. The clock must be the read model's own clock:
it decides the "as of" instant reported with each scorecard and whether the period is over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tthc.indicators.application import Explanation
from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode, Scorecard
from tthc.indicators.entrypoints import grpc_mapping as mapping
from tthc.indicators.entrypoints import grpc_targets as targets
from tthc.indicators.projection.units import UnitInfo, UnknownUnitError
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.kit.clock import Clock


class ReadModel(Protocol):
    """What the queries need from `tthc.indicators.application.Indicators`."""

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard: ...

    def explain(
        self, unit_code: str, period: Period, metric: MetricCode, page_size: int = ..., page_token: str = ...
    ) -> Explanation: ...

    def units(self) -> tuple[UnitInfo, ...]: ...

    def dossier(self, dossier_id: str) -> DossierFacts | None: ...


class IndicatorQueries:
    """Answers the `IndicatorService` queries from a read model (blocking; see the module docstring)."""

    def __init__(self, model: ReadModel, clock: Clock) -> None:
        self._model = model
        self._clock = clock
        self._units = {unit.code: unit for unit in model.units()}

    def unit(self, code: str) -> UnitInfo:
        """The registry unit. Raises: UnknownUnitError."""
        found = self._units.get(code)
        if found is None:
            raise UnknownUnitError(code)
        return found

    def get_scorecard(self, request: pb.GetScorecardRequest) -> pb.GetScorecardResponse:
        """The scorecard as of the request's instant (unset: now)."""
        asked = mapping.instant_of(request.as_of, "as_of") if request.HasField("as_of") else None
        _, message = self.scorecard(request.unit_code, mapping.period_of(request.period), asked)
        return pb.GetScorecardResponse(scorecard=message)

    def scorecard(
        self, unit_code: str, period: Period, as_of: datetime | None = None
    ) -> tuple[Scorecard, pb.Scorecard]:
        """The domain scorecard and its message, counted as of min(period end, `as_of` or now)."""
        unit = self.unit(unit_code)
        now = self._clock.now()
        used = period.as_of(now if as_of is None else as_of)
        card = self._model.scorecard(unit.code, period, as_of=used)
        return card, mapping.scorecard_message(card, unit, period, used, now)

    def explain_metric(self, request: pb.ExplainMetricRequest) -> pb.ExplainMetricResponse:
        """One page of the ids behind a metric, with the dossier codes of the page's dossier ids."""
        unit = self.unit(request.unit_code)
        period = mapping.period_of(request.period)
        metric = mapping.metric_of(request.metric)
        size = mapping.page_size_of(request.page_size)
        explanation = self._model.explain(unit.code, period, metric, size, request.page_token)
        return mapping.explanation_message(explanation, self._codes(explanation))

    def _codes(self, explanation: Explanation) -> dict[str, str]:
        if explanation.subject != "dossier":
            return {}
        codes = {}
        for dossier_id in explanation.denominator_ids:
            facts = self._model.dossier(dossier_id)
            if facts is not None and facts.code:
                codes[dossier_id] = facts.code
        return codes

    def list_units(self, request: pb.ListUnitsRequest) -> pb.ListUnitsResponse:  # noqa: ARG002
        """Every unit of the registry (the request has no fields yet)."""
        return pb.ListUnitsResponse(units=[mapping.unit_message(unit) for unit in self._model.units()])

    def get_targets(self, request: pb.GetTargetsRequest) -> pb.GetTargetsResponse:
        """The year's target rows; with a unit, its assigned targets and gaps (see `grpc_targets`)."""
        catalogue = targets.target_catalogue(request.year)
        previous = targets.previous_results(catalogue, request.previous_results)
        response = pb.GetTargetsResponse(year=catalogue.year, source=catalogue.source)
        unit = self.unit(request.unit_code) if request.HasField("unit_code") else None
        card = None
        if unit is not None:
            period = mapping.period_of(request.period or str(catalogue.year))
            card, message = self.scorecard(unit.code, period)
            response.unit_code = unit.code
            response.period = message.period
            response.as_of.CopyFrom(message.as_of)
        response.rows.extend(targets.target_rows(catalogue, unit, card, previous))
        return response
