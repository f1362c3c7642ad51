"""`DossierFacts` ⇄ compact JSON for the facts store (only non-default fields are written).

Instants are ISO 8601 with their offset; codes are the national integer codes. Reading interns the unit and
procedure codes so the in-memory cache shares one string per code.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, tzinfo
from typing import Any, overload

from tthc.indicators.domain.facts import (
    Channel,
    DossierFacts,
    DossierStatus,
    FeeLine,
    OnlinePayment,
    ResultDocument,
    StatusChange,
    SubmittedDocument,
    SupplementRound,
)

_INSTANTS = ("submitted_at", "received_at", "original_due", "current_due", "synced_at", "apology_issued_at")
_FLAGS = (
    "results_in_citizen_store",
    "vneid_authenticated",
    "population_data_used",
    "has_petition_or_dislike",
)


def _at(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


_ZONES: dict[timedelta | None, tzinfo | None] = {}


def _instant(value: str | None) -> datetime | None:
    return None if value is None else _required_instant(value)


def _required_instant(value: str) -> datetime:
    return _shared(datetime.fromisoformat(value))


@overload
def shared_zone(at: datetime) -> datetime: ...
@overload
def shared_zone(at: None) -> None: ...
@overload
def shared_zone(at: datetime | None) -> datetime | None: ...
def shared_zone(at: datetime | None) -> datetime | None:
    """The same instant with the process's one tzinfo object for its UTC offset (None stays None)."""
    return None if at is None else _shared(at)


def _shared(at: datetime) -> datetime:
    # one shared tzinfo per offset: parsers make a new one per instant (~40-60 bytes each)
    zone = _ZONES.setdefault(at.utcoffset(), at.tzinfo)
    return at if zone is at.tzinfo else at.replace(tzinfo=zone)


def dossier_to_json(facts: DossierFacts) -> str:
    """The facts as compact JSON."""
    doc: dict[str, Any] = {
        "id": facts.dossier_id,
        "code": facts.code,
        "unit": facts.unit_code,
        "proc": facts.procedure_code,
    }
    if facts.channel is not None:
        doc["channel"] = int(facts.channel)
    for name in _INSTANTS:
        value = getattr(facts, name)
        if value is not None:
            doc[name] = _at(value)
    if facts.statuses:
        doc["statuses"] = [[int(change.status), _at(change.at)] for change in facts.statuses]
    if facts.supplements:
        doc["supplements"] = [[_at(r.requested_at), _at(r.supplied_at)] for r in facts.supplements]
    if facts.fees:
        doc["fees"] = [[line.code, line.amount] for line in facts.fees]
    if facts.paid_online is not OnlinePayment.NONE:
        doc["paid_online"] = int(facts.paid_online)
    if facts.documents:
        doc["documents"] = [
            [d.component_code, d.digitised, d.reused, d.from_citizen_store] for d in facts.documents
        ]
    if facts.results:
        doc["results"] = [[r.result_code, r.file_link] for r in facts.results]
    if facts.requires_paper_result is not None:
        doc["paper"] = facts.requires_paper_result
    doc.update({name: True for name in _FLAGS if getattr(facts, name)})
    if facts.legal_time is not None:
        doc["legal_s"] = facts.legal_time.total_seconds()
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def dossier_from_json(text: str) -> DossierFacts:
    """Facts written by `dossier_to_json`."""
    doc = json.loads(text)
    channel = doc.get("channel")
    legal = doc.get("legal_s")
    statuses, rounds = doc.get("statuses", ()), doc.get("supplements", ())
    return DossierFacts(
        dossier_id=doc["id"],
        code=doc["code"],
        unit_code=sys.intern(doc["unit"]),
        procedure_code=sys.intern(doc["proc"]),
        channel=None if channel is None else Channel(channel),
        submitted_at=_instant(doc.get("submitted_at")),
        received_at=_instant(doc.get("received_at")),
        original_due=_instant(doc.get("original_due")),
        current_due=_instant(doc.get("current_due")),
        synced_at=_instant(doc.get("synced_at")),
        apology_issued_at=_instant(doc.get("apology_issued_at")),
        statuses=tuple(StatusChange(DossierStatus(code), _required_instant(at)) for code, at in statuses),
        supplements=tuple(SupplementRound(_required_instant(ask), _instant(got)) for ask, got in rounds),
        fees=tuple(FeeLine(code, amount) for code, amount in doc.get("fees", ())),
        paid_online=OnlinePayment(doc.get("paid_online", 0)),
        documents=tuple(SubmittedDocument(*item) for item in doc.get("documents", ())),
        results=tuple(ResultDocument(code, link) for code, link in doc.get("results", ())),
        requires_paper_result=doc.get("paper"),
        results_in_citizen_store=bool(doc.get("results_in_citizen_store")),
        vneid_authenticated=bool(doc.get("vneid_authenticated")),
        population_data_used=bool(doc.get("population_data_used")),
        has_petition_or_dislike=bool(doc.get("has_petition_or_dislike")),
        legal_time=None if legal is None else timedelta(seconds=legal),
    )
