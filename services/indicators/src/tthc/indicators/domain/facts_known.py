"""Dossier facts as they stood at an instant: what a closed period is judged on (index-766 §4: "finished
periods are fixed").

The status timeline, the supplement rounds and the due dates are dated already, and the on-time rules read
them as of the period's cut-off. The flags that record something done for the dossier at a known instant (an
online payment, a VNeID login, a look-up in the population database, the results with their resolution, an
apology letter) are left out when that instant is after the cut-off, so a payment made in April does not
change March. A flag whose instant is unknown (facts stored before the instants were kept) counts whatever
the cut-off. A fact dated inside the period but delivered late is a correction and does change it.

Not filtered, on purpose:
- the submitted documents and the fee lines: they are components of the submission, and their events carry
  no instant of their own (the envelope's is when the dossier service recorded them, which for a province
  syncing its history is years later);
- the portal sync: its instant is when the feed reached the suite (transport, not the dossier's life); a
  history synced today would otherwise count as never synced in every past period;
- the petition flag (no petition events yet).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tthc.indicators.domain.facts import DossierFacts
from tthc.indicators.domain.facts_parts import DossierStatus, OnlinePayment


def as_known_at(facts: DossierFacts, cut_off: datetime) -> DossierFacts:
    """`facts` without the flags that became true after `cut_off`; `facts` itself when nothing is later
    (the usual case: no copy)."""
    changes: dict[str, Any] = {}
    if _later(facts.paid_online_at, cut_off) and facts.paid_online is not OnlinePayment.NONE:
        changes.update(paid_online=OnlinePayment.NONE, paid_online_at=None)
    if _later(facts.vneid_authenticated_at, cut_off):
        changes.update(vneid_authenticated=False, vneid_authenticated_at=None)
    if _later(facts.population_data_used_at, cut_off):
        changes.update(population_data_used=False, population_data_used_at=None)
    if facts.results and not _resolved_by(facts, cut_off):
        changes.update(results=(), requires_paper_result=None, results_in_citizen_store=False)
    if _later(facts.apology_issued_at, cut_off):
        changes.update(apology_issued_at=None)
    return facts.evolve(**changes) if changes else facts


def _later(at: datetime | None, cut_off: datetime) -> bool:
    return at is not None and at > cut_off


def _resolved_by(facts: DossierFacts, cut_off: datetime) -> bool:
    """The results came with the resolution (status 9): known by `cut_off` when that status was entered by
    then, or when the timeline has no resolution to date them."""
    codes = facts.status_codes
    if DossierStatus.RESOLVED not in codes:
        return True
    return facts.status_times[codes.index(DossierStatus.RESOLVED)] <= cut_off
