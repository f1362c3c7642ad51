"""Where `tthc index show / explain / reconcile` read the index from: the running service, or a facts store.

Both sources answer with the service's own response messages, so the output is the same whichever is used:
`GrpcSource` calls `IndicatorService` on a running instance; `StoreSource` opens the facts store (offline,
e.g. after a replay) and answers with the same queries the service runs (`IndicatorQueries`).
A request the index rejects (unknown unit, bad period, ...) raises `SourceError` with exit code 2; a service
that cannot be reached, exit code 1.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import grpc

from tthc.indicators.application import Indicators
from tthc.indicators.domain.scoring import MetricCode, Scorecard
from tthc.indicators.entrypoints import grpc_mapping as mapping
from tthc.indicators.entrypoints.grpc_queries import IndicatorQueries
from tthc.indicators.portal import OursLookup
from tthc.indicators.projection.backends import StoreUrlError
from tthc.indicators.v1 import indicator_service_pb2 as pb
from tthc.indicators.v1 import indicator_service_pb2_grpc as pb_grpc
from tthc.kit.clock import SystemClock

GRPC_ADDRESS_ENV = "TTHC_INDICATORS_GRPC"
UNITS_FILE_ENV = "TTHC_INDICATORS_UNITS_FILE"
DEFAULT_GRPC_ADDRESS = "127.0.0.1:50052"
CALL_TIMEOUT_S = 30.0
_REJECTED = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}
T = TypeVar("T")


class SourceError(Exception):
    """A query that failed, with the message to print and the exit code (2 = rejected request)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class IndexSource(Protocol):
    """Answers the index queries with `IndicatorService` response messages."""

    def scorecard(self, request: pb.GetScorecardRequest) -> pb.GetScorecardResponse: ...

    def explain(self, request: pb.ExplainMetricRequest) -> pb.ExplainMetricResponse: ...

    def close(self) -> None: ...


class GrpcSource:
    """The running indicators service at `address` (host:port)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._channel = grpc.insecure_channel(address)
        self._stub = pb_grpc.IndicatorServiceStub(self._channel)  # type: ignore[no-untyped-call]

    def scorecard(self, request: pb.GetScorecardRequest) -> pb.GetScorecardResponse:
        """GetScorecard. Raises: SourceError."""
        return self._call(self._stub.GetScorecard, request, pb.GetScorecardResponse)

    def explain(self, request: pb.ExplainMetricRequest) -> pb.ExplainMetricResponse:
        """ExplainMetric. Raises: SourceError."""
        return self._call(self._stub.ExplainMetric, request, pb.ExplainMetricResponse)

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def _call(self, method: Callable[..., object], request: object, answer: type[T]) -> T:
        try:
            response = method(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as error:
            code = error.code()
            if code in _REJECTED:
                raise SourceError(error.details() or code.name, 2) from None
            hint = " (is it running? --store URL reads a facts store directly)"
            unreachable = code in {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
            reason = f"{code.name}: {error.details()}"
            raise SourceError(
                f"indicators service at {self.address}: {reason}{hint if unreachable else ''}", 1
            ) from None
        if not isinstance(response, answer):
            raise SourceError(f"indicators service at {self.address}: unexpected answer", 1)
        return response


class StoreSource:
    """The facts store at `url`, read in this process with the registry `units_file` (None = sample)."""

    def __init__(self, url: str, units_file: Path | None = None) -> None:
        # the registry loader is the dossier service's (see `projection.units`); so is its error
        from tthc.dossier.domain.units import UnitRegistryError

        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
            raise SourceError(f"no facts store at {url}", 2)
        if units_file is not None and not units_file.is_file():
            raise SourceError(f"no units file at {units_file}", 2)
        clock = SystemClock()
        try:
            self._model = Indicators.open(url, clock, units_file=units_file)
        except (StoreUrlError, UnitRegistryError) as error:
            raise SourceError(str(error), 2) from None
        self._queries = IndicatorQueries(self._model, clock)

    def scorecard(self, request: pb.GetScorecardRequest) -> pb.GetScorecardResponse:
        """GetScorecard on the store. Raises: SourceError."""
        return _checked(lambda: self._queries.get_scorecard(request))

    def explain(self, request: pb.ExplainMetricRequest) -> pb.ExplainMetricResponse:
        """ExplainMetric on the store. Raises: SourceError."""
        return _checked(lambda: self._queries.explain_metric(request))

    def close(self) -> None:
        """Closes the store."""
        self._model.close()


def _checked(query: Callable[[], T]) -> T:
    try:
        return query()
    except Exception as error:
        code, message = mapping.status_of(error)
        if code in _REJECTED:
            raise SourceError(message, 2) from None
        raise


def open_source(grpc_address: str | None, store_url: str | None, units_file: Path | None) -> IndexSource:
    """The source the options choose: the store when given, else the service (option, env, default).

    Raises:
        SourceError: both were given, or the store cannot be opened.
    """
    if grpc_address and store_url:
        raise SourceError("give either --grpc or --store, not both", 2)
    if store_url:
        units = units_file or _env_path(UNITS_FILE_ENV)
        return StoreSource(store_url, units)
    return GrpcSource(grpc_address or os.environ.get(GRPC_ADDRESS_ENV) or DEFAULT_GRPC_ADDRESS)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def ours_lookup(source: IndexSource) -> OursLookup:
    """Our own figures for `reconcile`: the unit's scorecard from `source` where the suite holds data.

    None when no period is known, the unit is not in our registry, or the suite holds no dossier of the
    unit's pool for the period (progress denominator 0: the catalogue metrics a unit inherits from its
    province alone are not "our figures" for it). Portal unit codes (H44, H44.100, ...) are our unit codes.
    """

    def lookup(unit_code: str, period: str | None) -> Scorecard | None:
        if not period:
            return None
        try:
            answer = source.scorecard(pb.GetScorecardRequest(unit_code=unit_code, period=period))
        except SourceError as error:
            if error.exit_code == 2:  # not our unit, or not a period we understand
                return None
            raise
        card = mapping.scorecard_from_message(answer.scorecard)
        return card if card.metric(MetricCode.PROCESSED_ON_TIME).denominator else None

    return lookup
