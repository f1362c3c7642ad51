"""The in-process listing index of dossiers: views ordered by (reception time, code), with keyset paging.

The application keeps it by following its notification log (``DossierIndex.catch_up``): at start, after
each save, and on demand for writes by other processes. Dossiers not yet received sort last.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from tthc.dossier.domain.errors import DossierError
from tthc.dossier.domain.views import DossierFilter, DossierPage, DossierView

DOSSIER_TOPIC_PREFIX = "tthc.dossier:Dossier."
_CATCH_UP_BATCH = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SortKey = tuple[bool, datetime, str]
Notice = tuple[int, UUID, int, str]  # notification id, originator id, originator version, topic
Descendants = Callable[[str], Iterable[object]]  # unit codes, or objects with a ``code``


class InvalidPageTokenError(DossierError, ValueError):
    """The page token was not issued by this listing."""

    def __init__(self, token: str) -> None:
        super().__init__(f"invalid page token {token!r}")
        self.token = token


class NotificationSource(Protocol):
    """Reads the application's notification log and current dossier views."""

    def notifications_after(self, position: int, limit: int) -> list[Notice]: ...

    def view_of(self, dossier_id: UUID) -> DossierView: ...


class DossierIndex:
    """Dossier views by code, kept sorted for listing; safe to read from several threads."""

    def __init__(self) -> None:
        self._views: dict[str, DossierView] = {}
        self._keys: list[SortKey] = []
        self._position = 0
        self._lock = threading.RLock()

    @property
    def position(self) -> int:
        """The last notification id folded into the index."""
        return self._position

    def catch_up(self, source: NotificationSource, known: dict[UUID, DossierView] | None = None) -> int:
        """Folds in every notification after the current position; returns how many dossiers changed."""
        with self._lock:
            latest: dict[UUID, int] = {}  # dossier id -> highest version seen
            while batch := source.notifications_after(self._position, _CATCH_UP_BATCH):
                for _, dossier_id, version, topic in batch:
                    if topic.startswith(DOSSIER_TOPIC_PREFIX):
                        latest[dossier_id] = max(version, latest.get(dossier_id, 0))
                self._position = batch[-1][0]
            for dossier_id, version in latest.items():
                view = (known or {}).get(dossier_id)
                fresh = view is not None and view.version >= version
                self.put(view if view is not None and fresh else source.view_of(dossier_id))
            return len(latest)

    def put(self, view: DossierView) -> None:
        """Adds or replaces the view of one dossier."""
        with self._lock:
            previous = self._views.get(view.code)
            if previous is not None and previous.version > view.version:
                return
            if previous is not None:
                self._keys.pop(bisect_right(self._keys, sort_key(previous)) - 1)
            self._views[view.code] = view
            insort(self._keys, sort_key(view))

    def page(
        self, criteria: DossierFilter, page_size: int, page_token: str, descendants: Descendants | None
    ) -> DossierPage:
        """One page of the dossiers matching ``criteria``, after the position in ``page_token``."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        after = decode_token(page_token) if page_token else None
        matches = _Matcher(criteria, descendants)
        with self._lock:
            start = bisect_right(self._keys, after) if after is not None else 0
            hits = [view for view in self._iter_from(start) if matches(view)]
            total = sum(1 for view in self._iter_from(0) if matches(view))
        items = tuple(hits[:page_size])
        more = len(hits) > page_size
        return DossierPage(items=items, next_page_token=encode_token(items[-1]) if more else "", total=total)

    def _iter_from(self, start: int) -> Iterator[DossierView]:
        for _, _, code in self._keys[start:]:
            yield self._views[code]


class _Matcher:
    """The predicate of a ``DossierFilter``."""

    def __init__(self, criteria: DossierFilter, descendants: Descendants | None) -> None:
        self._criteria = criteria
        self._units = _units_in_scope(criteria, descendants)

    def __call__(self, view: DossierView) -> bool:
        criteria = self._criteria
        if self._units is not None and view.unit_code not in self._units:
            return False
        if criteria.status is not None and view.status is not criteria.status:
            return False
        if criteria.received_from is None and criteria.received_to is None:
            return True
        received = view.received_at
        if received is None:
            return False
        after_start = criteria.received_from is None or received >= criteria.received_from
        return after_start and (criteria.received_to is None or received < criteria.received_to)


def _units_in_scope(criteria: DossierFilter, descendants: Descendants | None) -> frozenset[str] | None:
    if criteria.unit_code is None:
        return None
    if not criteria.include_descendants:
        return frozenset({criteria.unit_code})
    if descendants is None:
        raise ValueError("listing with descendants needs a unit registry")
    below = descendants(criteria.unit_code)
    return frozenset({criteria.unit_code, *(_unit_code(item) for item in below)})


def _unit_code(item: object) -> str:
    """A unit code from a registry answer: the code itself or an object with a ``code``."""
    code = item if isinstance(item, str) else getattr(item, "code", None)
    if not isinstance(code, str):
        raise TypeError(f"descendants() gave {item!r}, neither a unit code nor a unit")
    return code


def sort_key(view: DossierView) -> SortKey:
    """Listing order: received dossiers by (reception time, code), then the others by code."""
    if view.received_at is None:
        return (True, _EPOCH, view.code)
    return (False, view.received_at, view.code)


def encode_token(view: DossierView) -> str:
    """An opaque token meaning "after this dossier"."""
    unreceived, received_at, code = sort_key(view)
    raw = json.dumps([unreceived, received_at.isoformat(), code]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> SortKey:
    """The position a token stands for. Raises: InvalidPageTokenError."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        unreceived, received_at, code = json.loads(raw)
        at = datetime.fromisoformat(received_at)
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidPageTokenError(token) from error
    if not (isinstance(unreceived, bool) and isinstance(code, str)) or at.tzinfo is None:
        raise InvalidPageTokenError(token)
    return (unreceived, at, code)
