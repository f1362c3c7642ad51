"""The blocking side of `IndicatorService`: one method per query, request message in, response message out.

The gRPC servicer runs these in worker threads; the offline CLI (`tthc index show --store`) calls them
directly, so both give the same answer for the same facts. The clock must be the read model's own clock:
it decides the "as of" instant reported with each scorecard and whether the period is over.

Built scorecard responses are kept (`ResponseCache`): the read model remembers scorecards by their inputs and
returns the same immutable `Scorecard` object while nothing it was counted from changed, so a response built
for that very object (same unit, period and period state) is still the answer; only the "as of" instant is
stamped again when it moved. A new fact or a clock that expired a count gives another object, hence a build.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
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

RESPONSES_KEPT = 4096  # built responses kept, one per (unit, period, period state): ≈ 10 KB each, ≤ ≈ 42 MB


class ReadModel(Protocol):
    """What the queries need from `tthc.indicators.application.Indicators`."""

    def scorecard(self, unit_code: str, period: Period, as_of: datetime | None = None) -> Scorecard: ...

    def cached_scorecard(
        self, unit_code: str, period: Period, as_of: datetime | None = None
    ) -> Scorecard | None: ...

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
        self._responses = ResponseCache(RESPONSES_KEPT)

    def unit(self, code: str) -> UnitInfo:
        """The registry unit. Raises: UnknownUnitError."""
        found = self._units.get(code)
        if found is None:
            raise UnknownUnitError(code)
        return found

    def get_scorecard(self, request: pb.GetScorecardRequest) -> pb.GetScorecardResponse:
        """The scorecard as of the request's instant (unset: now).

        The response may be shared with other callers (it is cached): read it, do not change it.
        """
        return self._scorecard(request.unit_code, *_period_and_instant(request))[1]

    def cached_scorecard(self, request: pb.GetScorecardRequest) -> pb.GetScorecardResponse | None:
        """`get_scorecard` when the read model has the answer at hand (`Indicators.cached_scorecard`): never
        waits, counts or reads the store, so the event loop may call it. None: ask `get_scorecard`.

        Raises what `get_scorecard` raises for a bad request (period, as_of, unknown unit).
        """
        period, asked = _period_and_instant(request)
        unit, used, now = self._asked(request.unit_code, period, asked)
        card = self._model.cached_scorecard(unit.code, period, as_of=used)
        return None if card is None else self._response(card, unit, period, used, now)

    def scorecard(
        self, unit_code: str, period: Period, as_of: datetime | None = None
    ) -> tuple[Scorecard, pb.Scorecard]:
        """The domain scorecard and its message, counted as of min(period end, `as_of` or now).

        The message may be shared with other callers (it is cached): read it, do not change it.
        """
        card, response = self._scorecard(unit_code, period, as_of)
        return card, response.scorecard

    def _scorecard(
        self, unit_code: str, period: Period, as_of: datetime | None
    ) -> tuple[Scorecard, pb.GetScorecardResponse]:
        unit, used, now = self._asked(unit_code, period, as_of)
        card = self._model.scorecard(unit.code, period, as_of=used)
        return card, self._response(card, unit, period, used, now)

    def _asked(
        self, unit_code: str, period: Period, as_of: datetime | None
    ) -> tuple[UnitInfo, datetime, datetime]:
        """The unit, the instant the scorecard is counted at (min(period end, as_of or now)) and now."""
        unit = self.unit(unit_code)
        now = self._clock.now()
        return unit, period.as_of(now if as_of is None else as_of), now

    def _response(
        self, card: Scorecard, unit: UnitInfo, period: Period, used: datetime, now: datetime
    ) -> pb.GetScorecardResponse:
        """The response for `card`: the cached one when built for this very card, else a new one."""
        key = (unit.code, period, mapping.period_state(period, now))
        response = self._responses.get(key, card, used)
        if response is None:
            message = mapping.scorecard_message(card, unit, period, used, now)
            response = self._responses.put(key, card, used, pb.GetScorecardResponse(scorecard=message))
        return response

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


def _period_and_instant(request: pb.GetScorecardRequest) -> tuple[Period, datetime | None]:
    """The request's period and "as of" instant (None: now). Raises: the mapping's errors."""
    asked = mapping.instant_of(request.as_of, "as_of") if request.HasField("as_of") else None
    return mapping.period_of(request.period), asked


@dataclass(frozen=True, slots=True)
class _Built:
    card: Scorecard
    as_of: datetime
    response: pb.GetScorecardResponse


class ResponseCache:
    """Built `GetScorecardResponse`s by (unit, period, period state), each valid for one `Scorecard` object.

    Thread-safe (the servicer answers in worker threads); the least recently used entries go first.
    """

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._built: OrderedDict[tuple[str, Period, int], _Built] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, key: tuple[str, Period, int], card: Scorecard, as_of: datetime
    ) -> pb.GetScorecardResponse | None:
        """The response built for this very `card` (identity, not equality), stamped with `as_of`."""
        with self._lock:
            found = self._built.get(key)
            if found is None or found.card is not card:
                return None
            self._built.move_to_end(key)
        if found.as_of == as_of:
            return found.response
        response = pb.GetScorecardResponse()
        response.CopyFrom(found.response)  # a copy: the cached one stays as built
        response.scorecard.as_of.CopyFrom(mapping.timestamp(as_of))
        return response

    def put(
        self,
        key: tuple[str, Period, int],
        card: Scorecard,
        as_of: datetime,
        response: pb.GetScorecardResponse,
    ) -> pb.GetScorecardResponse:
        """Keeps `response` as the one built for `card` as of `as_of`; returns it."""
        with self._lock:
            self._built[key] = _Built(card, as_of, response)
            self._built.move_to_end(key)
            while len(self._built) > self._kept:
                self._built.popitem(last=False)
        return response
