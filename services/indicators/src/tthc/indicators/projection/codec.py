"""`DossierFacts` ⇄ compact JSON for the facts store (only non-default fields are written), and the sharing
that keeps the facts of millions of dossiers compact in memory.

Instants are ISO 8601 with their offset (UTC written "Z"); codes are the national integer codes. Reading
shares what repeats: the unit and procedure codes (interned), one tzinfo per UTC offset (the civil zone's for
+07:00), one object per instant within a dossier (the reception instant is also the "received" status
change's), one object per whole-minute instant in the process, and the small value objects and tuples that
many dossiers have alike (`shared_value`: documents, fee lines, results).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, tzinfo
from operator import attrgetter
from typing import Any, Final, TypeVar, overload

from pydantic_core import from_json, to_json

from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    SubmittedDocument,
    SupplementRound,
    shared_timeline,
)
from tthc.indicators.domain.sharing import shared
from tthc.kit.clock import VIETNAM

_INSTANTS = (
    "submitted_at",
    "received_at",
    "original_due",
    "current_due",
    "synced_at",
    "apology_issued_at",
    "paid_online_at",
    "vneid_authenticated_at",
    "population_data_used_at",
)
_instants = attrgetter(*_INSTANTS)
_FLAGS = (
    "results_in_citizen_store",
    "vneid_authenticated",
    "population_data_used",
    "has_petition_or_dislike",
)
_flags = attrgetter(*_FLAGS)


_ZONES: dict[timedelta | None, tzinfo] = {}
_CIVIL_OFFSET: Final = timedelta(hours=7)

SHARED_VALUES_KEPT: Final = 65_536
"""At most this many distinct values are shared (then new ones are kept as they are: memory stays bounded)."""

_VALUES: dict[Any, Any] = {}
_Value = TypeVar("_Value")


def shared_value(value: _Value) -> _Value:
    """The process's one object equal to `value` (an immutable, hashable value many dossiers have alike),
    or `value` itself once `SHARED_VALUES_KEPT` distinct values are shared."""
    return shared(_VALUES, value, SHARED_VALUES_KEPT)  # type: ignore[type-var]


def shared_values(items: tuple[_Value, ...]) -> tuple[_Value, ...]:
    """`shared_value` of the tuple of the shared items (the empty tuple is a singleton already)."""
    if not items:
        return ()
    found = _VALUES.get(items)
    if found is not None:
        return found  # type: ignore[no-any-return]
    return shared_value(tuple(shared_value(item) for item in items))


def _result(code: str | None, link: str | None) -> ResultDocument:
    return ResultDocument(code, None if link is None else shared_value(link))


class _Instants:
    """Parses one dossier's instants: equal texts give one object, with the shared tzinfo of its offset."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, datetime] = {}

    def optional(self, value: str | None) -> datetime | None:
        return None if value is None else self.required(value)

    def required(self, value: str) -> datetime:
        found = self._seen.get(value)
        if found is None:
            found = self._seen[value] = _shared(datetime.fromisoformat(value))
        return found


@overload
def shared_zone(at: datetime) -> datetime: ...
@overload
def shared_zone(at: None) -> None: ...
@overload
def shared_zone(at: datetime | None) -> datetime | None: ...
def shared_zone(at: datetime | None) -> datetime | None:
    """The same instant with the process's one tzinfo object for its UTC offset: the civil zone
    (Asia/Ho_Chi_Minh, the zone of the period bounds) where it gives that offset (None stays None)."""
    return None if at is None else _shared(at)


SHARED_MINUTES_KEPT: Final = 1_100_000
"""At most this many whole-minute instants are shared (about two years of minutes; then new ones are kept
as they are)."""

_MINUTES: dict[datetime, datetime] = {}


def _shared(at: datetime) -> datetime:
    zoned = _zoned(at)
    if zoned.second or zoned.microsecond:
        return zoned
    # due dates and scheduled times fall on whole minutes and repeat across thousands of dossiers (at
    # province scale half the instants held): one object per whole minute and offset
    found = shared(_MINUTES, zoned, SHARED_MINUTES_KEPT)
    return found if found.tzinfo is zoned.tzinfo else zoned  # the same instant written with another offset


def _zoned(at: datetime) -> datetime:
    zone = at.tzinfo
    if zone is VIETNAM:
        return at
    offset = at.utcoffset()
    if offset == _CIVIL_OFFSET:
        # the civil zone's own object when it names the same offset: comparing two instants of one tzinfo
        # object skips the offset lookups, so counting (instants against period bounds) is ~30 % faster
        civil = at.astimezone(VIETNAM)  # same wall time where the zone has this offset; 2× `replace`'s speed
        if civil.utcoffset() == offset:
            return civil
    if zone is None or zone.utcoffset(None) is None:
        return at  # a zone with rules (not a fixed offset) is kept as given
    # one shared tzinfo per fixed offset: parsers make a new one per instant (~40-60 bytes each)
    shared = _ZONES.setdefault(offset, zone)
    return at if shared is zone else at.replace(tzinfo=shared)


def shared_instants(facts: DossierFacts) -> DossierFacts:
    """The facts with their instants shared as `dossier_from_json` shares them: one tzinfo per offset (the
    civil zone's for +07:00), one object per instant within the dossier and per whole minute.

    For facts evolved live and kept in memory (the read model): the projection leaves instants as the
    events' parser made them (a tzinfo object each), as a replay writes them to the store and drops them.
    """
    seen: dict[datetime, datetime] = {}

    def one(at: datetime) -> datetime:
        zoned = _shared(at)
        found = seen.setdefault(zoned, zoned)
        # an equal instant written with another offset keeps its own object (the offset is part of the fact)
        return found if found.tzinfo is zoned.tzinfo else zoned

    changes: dict[str, Any] = {
        name: one(value) for name, value in zip(_INSTANTS, _instants(facts), strict=True) if value is not None
    }
    changes["status_times"] = tuple(one(at) for at in facts.status_times)
    if facts.supplements:
        changes["supplements"] = tuple(
            SupplementRound(one(r.requested_at), None if r.supplied_at is None else one(r.supplied_at))
            for r in facts.supplements
        )
    return facts.evolve(**changes)


def dossier_to_json(facts: DossierFacts) -> str:
    """The facts as compact JSON."""
    doc: dict[str, Any] = {
        "id": facts.dossier_id,
        "code": facts.code,
        "unit": facts.unit_code,
        "proc": facts.procedure_code,
    }
    if facts.channel is not None:
        doc["channel"] = int(facts.channel)  # the encoder writes an enum member ≈ 1 µs slower than its int
    # instants go to the encoder as they are: it writes them as `isoformat` does (UTC as "Z"), ≈ 4× faster
    # than formatting each one here, and a facts row holds ≈ 8 of them
    for name, value in zip(_INSTANTS, _instants(facts), strict=True):
        if value is not None:
            doc[name] = value
    if facts.status_codes:
        doc["statuses"] = tuple(zip(facts.status_codes, facts.status_times, strict=True))
    if facts.supplements:
        doc["supplements"] = [(r.requested_at, r.supplied_at) for r in facts.supplements]
    if facts.fees:
        doc["fees"] = [(line.code, line.amount) for line in facts.fees]
    if facts.paid_online is not OnlinePayment.NONE:
        doc["paid_online"] = int(facts.paid_online)
    if facts.documents:
        doc["documents"] = [
            (d.component_code, d.digitised, d.reused, d.from_citizen_store) for d in facts.documents
        ]
    if facts.results:
        doc["results"] = [(r.result_code, r.file_link) for r in facts.results]
    if facts.requires_paper_result is not None:
        doc["paper"] = facts.requires_paper_result
    flags = _flags(facts)
    if True in flags:
        doc.update({name: True for name, on in zip(_FLAGS, flags, strict=True) if on})
    if facts.legal_time is not None:
        doc["legal_s"] = facts.legal_time.total_seconds()
    # pydantic-core's encoder writes the same compact JSON (UTF-8 kept) as the standard library's about 4×
    # faster: a replay writes millions of facts rows
    return to_json(doc).decode()


def dossier_from_json(text: str) -> DossierFacts:
    """Facts written by `dossier_to_json`, sharing what repeats (see the module docstring)."""
    # pydantic-core's parser: twice the standard library's speed (start-up reads every facts row); values
    # are not put in its string cache, which would keep up to 16,384 of them alive
    doc = from_json(text, cache_strings="keys")
    channel = doc.get("channel")
    legal = doc.get("legal_s")
    statuses, rounds = doc.get("statuses", ()), doc.get("supplements", ())
    instant = _Instants()
    return DossierFacts(
        dossier_id=doc["id"],
        code=doc["code"],
        unit_code=sys.intern(doc["unit"]),
        procedure_code=sys.intern(doc["proc"]),
        channel=None if channel is None else Channel(channel),
        submitted_at=instant.optional(doc.get("submitted_at")),
        received_at=instant.optional(doc.get("received_at")),
        original_due=instant.optional(doc.get("original_due")),
        current_due=instant.optional(doc.get("current_due")),
        synced_at=instant.optional(doc.get("synced_at")),
        apology_issued_at=instant.optional(doc.get("apology_issued_at")),
        paid_online_at=instant.optional(doc.get("paid_online_at")),
        vneid_authenticated_at=instant.optional(doc.get("vneid_authenticated_at")),
        population_data_used_at=instant.optional(doc.get("population_data_used_at")),
        status_codes=shared_timeline(bytes(DossierStatus(code) for code, _ in statuses)),
        status_times=tuple(instant.required(at) for _, at in statuses),
        supplements=tuple(
            SupplementRound(instant.required(ask), instant.optional(got)) for ask, got in rounds
        ),
        fees=shared_values(tuple(FeeLine(code, amount) for code, amount in doc.get("fees", ()))),
        paid_online=OnlinePayment(doc.get("paid_online", 0)),
        documents=shared_values(tuple(SubmittedDocument(*item) for item in doc.get("documents", ()))),
        results=shared_values(tuple(_result(code, link) for code, link in doc.get("results", ()))),
        requires_paper_result=doc.get("paper"),
        results_in_citizen_store=bool(doc.get("results_in_citizen_store")),
        vneid_authenticated=bool(doc.get("vneid_authenticated")),
        population_data_used=bool(doc.get("population_data_used")),
        has_petition_or_dislike=bool(doc.get("has_petition_or_dislike")),
        legal_time=None if legal is None else shared_value(timedelta(seconds=legal)),
    )
