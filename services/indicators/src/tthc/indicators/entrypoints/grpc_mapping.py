"""Conversion between `tthc.indicators.v1` and the indicators read model: requests in, scorecards out.

Decimals travel as strings ("15.68"); null figures leave their `optional` field unset, so null and 0 stay
distinct both ways (`scorecard_message` / `scorecard_from_message` are inverse on the figures). Instants are
``google.protobuf.Timestamp`` (UTC on the wire) ↔ aware ``datetime``.

Errors go out as a status code and a readable message (`status_of`, table `STATUS_BY_ERROR`).
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from decimal import Decimal

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from tthc.indicators.application import Explanation, InvalidPageTokenError
from tthc.indicators.domain.periods import Period, PeriodError
from tthc.indicators.domain.scoring import GroupCode, GroupScore, MetricCode, MetricScore, Scorecard
from tthc.indicators.domain.targets import TargetError
from tthc.indicators.projection.units import UnitInfo, UnknownUnitError
from tthc.indicators.v1 import indicator_service_pb2 as pb

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class RequestError(ValueError):
    """A request field that cannot be turned into a domain value (bad metric code, page size, as_of, ...)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class NoTargetsError(LookupError):
    """No target list is shipped for the requested year."""


# first match wins; the field prefix for errors that do not name their field themselves
STATUS_BY_ERROR: tuple[tuple[type[Exception], grpc.StatusCode, str], ...] = (
    (RequestError, grpc.StatusCode.INVALID_ARGUMENT, ""),
    (PeriodError, grpc.StatusCode.INVALID_ARGUMENT, "period"),
    (InvalidPageTokenError, grpc.StatusCode.INVALID_ARGUMENT, "page_token"),
    (TargetError, grpc.StatusCode.INVALID_ARGUMENT, "previous_results"),
    (UnknownUnitError, grpc.StatusCode.NOT_FOUND, "unit_code"),
    (NoTargetsError, grpc.StatusCode.NOT_FOUND, "year"),
)


def status_of(error: Exception) -> tuple[grpc.StatusCode, str]:
    """The status code and client-facing message for an error; unexpected errors are logged."""
    for error_type, code, field in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return code, f"{field}: {error}" if field else str(error)
    log.exception("unexpected error while serving an indicators RPC", exc_info=error)
    return grpc.StatusCode.INTERNAL, "internal error"


# -- requests ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)  # a handful of periods are asked over and over; errors are not kept
def period_of(text: str) -> Period:
    """The period a request names. Raises: PeriodError."""
    return Period.parse(text)


def metric_of(text: str) -> MetricCode:
    """The metric a request names. Raises: RequestError for an unknown code."""
    try:
        return MetricCode(text.strip())
    except ValueError:
        raise RequestError("metric", f"unknown metric code {text!r}") from None


def page_size_of(value: int) -> int:
    """The effective page size: 0 → default, capped at the maximum. Raises: RequestError if negative."""
    if value < 0:
        raise RequestError("page_size", "must not be negative")
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def instant_of(stamp: Timestamp, field: str) -> datetime:
    """An aware UTC datetime from a set timestamp. Raises: RequestError when out of range."""
    try:
        return stamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as error:
        raise RequestError(field, f"not a valid instant ({error})") from None


def timestamp(at: datetime) -> Timestamp:
    """A protobuf timestamp of an aware instant."""
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


# -- responses ---------------------------------------------------------------------------------------------


def period_state(period: Period, now: datetime) -> pb.PeriodState:
    """Where the period stands at `now`."""
    if period.is_closed(now):
        return pb.PERIOD_STATE_CLOSED
    if period.is_open(now):
        return pb.PERIOD_STATE_OPEN
    return pb.PERIOD_STATE_NOT_STARTED


def scorecard_message(
    card: Scorecard, unit: UnitInfo, period: Period, as_of: datetime, now: datetime
) -> pb.Scorecard:
    """The scorecard as a message: figures from `card`, identity and timing from the other arguments."""
    return pb.Scorecard(
        unit_code=unit.code,
        unit_name=unit.name,
        period=str(period),
        as_of=timestamp(as_of),
        period_state=period_state(period, now),
        total=str(card.total),
        max_total=card.max_total,
        groups=[_group_message(group) for group in card.groups],
        metrics=[_metric_message(metric) for metric in card.metrics],
    )


def _group_message(group: GroupScore) -> pb.GroupScore:
    return pb.GroupScore(
        code=group.code.value,
        name=group.name,
        name_vi=group.name_vi,
        max_score=group.max_score,
        score=_text(group.score),
        ratio=_text(group.ratio),
    )


def _metric_message(metric: MetricScore) -> pb.MetricScore:
    return pb.MetricScore(
        code=metric.code.value,
        group=metric.group.value,
        name=metric.name,
        name_vi=metric.name_vi,
        numerator=metric.numerator,
        denominator=metric.denominator,
        ratio=_text(metric.ratio),
        score=_text(metric.score),
        max_score=metric.max_score,
        rule=metric.rule,
        flags=sorted(metric.flags),
    )


def scorecard_from_message(message: pb.Scorecard) -> Scorecard:
    """The domain scorecard a message carries (the inverse of `scorecard_message` on the figures)."""
    groups = tuple(
        GroupScore(
            code=GroupCode(group.code),
            name=group.name,
            name_vi=group.name_vi,
            max_score=group.max_score,
            score=_decimal(group, "score"),
        )
        for group in message.groups
    )
    metrics = tuple(
        MetricScore(
            code=MetricCode(metric.code),
            name=metric.name,
            name_vi=metric.name_vi,
            group=GroupCode(metric.group),
            numerator=metric.numerator if metric.HasField("numerator") else None,
            denominator=metric.denominator if metric.HasField("denominator") else None,
            ratio=_decimal(metric, "ratio"),
            score=_decimal(metric, "score"),
            max_score=metric.max_score,
            rule=metric.rule,
            flags=frozenset(metric.flags),
        )
        for metric in message.metrics
    )
    return Scorecard(groups=groups, metrics=metrics, total=Decimal(message.total))


def explanation_message(explanation: Explanation, codes: dict[str, str]) -> pb.ExplainMetricResponse:
    """One explanation page as a message; `codes` maps the page's dossier ids to their codes."""
    return pb.ExplainMetricResponse(
        unit_code=explanation.unit_code,
        period=str(explanation.period),
        metric=explanation.metric.value,
        subject=explanation.subject,
        as_of=timestamp(explanation.as_of),
        numerator_count=explanation.numerator_count,
        denominator_count=explanation.denominator_count,
        denominator_ids=explanation.denominator_ids,
        numerator_ids=explanation.numerator_ids,
        codes=codes,
        next_page_token=explanation.next_page_token,
    )


def unit_message(unit: UnitInfo) -> pb.Unit:
    """A registry unit as a message (no parent for a root)."""
    return pb.Unit(code=unit.code, name=unit.name, level=unit.level, parent=unit.parent)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(message: pb.GroupScore | pb.MetricScore, field: str) -> Decimal | None:
    return Decimal(getattr(message, field)) if message.HasField(field) else None
