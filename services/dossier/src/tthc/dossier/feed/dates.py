"""Feed dates: ``yyyyMMddHHmmss`` strings in civil time (Asia/Ho_Chi_Minh); an empty string means unknown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

from tthc.kit.clock import VIETNAM, local

FEED_DATE_FORMAT = "%Y%m%d%H%M%S"
BAD_DATE = "bad_date"


def parse_feed_date(value: Any) -> datetime | None:
    """Reads ``"20240304081500"`` as 2024-03-04 08:15:00 in Vietnam; ``""`` and None give None.

    Raises:
        PydanticCustomError(bad_date): anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=VIETNAM)
    text = str(value).strip()
    if len(text) == 14 and text.isdigit():
        try:
            return datetime.strptime(text, FEED_DATE_FORMAT).replace(tzinfo=VIETNAM)
        except ValueError:
            pass
    raise PydanticCustomError(BAD_DATE, "not a date in yyyyMMddHHmmss: {value}", {"value": repr(value)})


def format_feed_date(at: datetime | None) -> str:
    """The feed form of an instant (civil time in Vietnam); None gives ``""``."""
    return "" if at is None else local(at).strftime(FEED_DATE_FORMAT)


FeedDate = Annotated[
    datetime | None,
    BeforeValidator(parse_feed_date),
    PlainSerializer(format_feed_date, return_type=str),
]


def _required_feed_date(value: Any) -> datetime:
    at = parse_feed_date(value)
    if at is None:
        raise PydanticCustomError("empty_required", "required field is empty")
    return at


RequiredFeedDate = Annotated[
    datetime,
    BeforeValidator(_required_feed_date),
    PlainSerializer(format_feed_date, return_type=str),
]
