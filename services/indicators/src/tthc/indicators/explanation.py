"""Explaining a metric: one page of the ids behind its numerator and denominator, with stable page tokens.

A page token carries the offset and the instant the first page was counted at, so later pages read the same
count (`Indicators.explain` pins it).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from tthc.indicators.domain.counting import MetricIds
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring import MetricCode

UNSOURCED_METRICS = frozenset({MetricCode.ELECTRONIC_CERTIFIED_COPY})
"""Metrics no event feeds yet: reported as not available rather than as a zero (and nothing to explain)."""


class InvalidPageTokenError(ValueError):
    """A page token this service did not issue (or for another query)."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """One page of the ids behind a metric: the denominator's ids, and which of them are in the numerator.

    `subject` says what the ids are (dossier, procedure, service = "<unit>/<procedure>", unit, petition);
    `as_of` is the instant counted (the same on every page of one query); `next_page_token` is empty on the
    last page.
    """

    unit_code: str
    period: Period
    metric: MetricCode
    subject: str
    as_of: datetime
    numerator_count: int
    denominator_count: int
    numerator_ids: tuple[str, ...]
    denominator_ids: tuple[str, ...]
    next_page_token: str


def explanation_page(  # noqa: PLR0917 - the page's coordinates
    unit_code: str,
    period: Period,
    metric: MetricCode,
    ids: MetricIds | None,
    instant: datetime,
    offset: int,
    page_size: int,
) -> Explanation:
    """The page of `ids` from `offset`: the denominator's ids, and which of them are in the numerator."""
    subject = "" if ids is None else str(ids.subject)
    numerator, denominator = _ids(ids, metric)
    page = denominator[offset : offset + page_size]
    in_numerator = set(numerator)
    more = offset + page_size < len(denominator)
    return Explanation(
        unit_code=unit_code,
        period=period,
        metric=metric,
        subject=subject,
        as_of=instant,
        numerator_count=len(numerator),
        denominator_count=len(denominator),
        numerator_ids=tuple(item for item in page if item in in_numerator),
        denominator_ids=page,
        next_page_token=_write_token(offset + page_size, instant) if more else "",
    )


def _ids(ids: MetricIds | None, metric: MetricCode) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if ids is None or metric in UNSOURCED_METRICS:
        return (), ()
    return ids.numerator, ids.denominator


def _write_token(offset: int, as_of: datetime) -> str:
    raw = json.dumps({"o": offset, "t": as_of.isoformat()}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_page_token(token: str) -> tuple[int, datetime | None]:
    """(offset, pinned instant) of a page token; (0, None) for the first page.

    Raises:
        InvalidPageTokenError: not a token `explanation_page` wrote.
    """
    if not token:
        return 0, None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, as_of = int(raw["o"]), datetime.fromisoformat(raw["t"])
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise InvalidPageTokenError(f"not a page token: {token!r}") from error
    if offset < 0 or as_of.tzinfo is None:
        raise InvalidPageTokenError(f"not a page token: {token!r}")
    return offset, as_of
