"""Petition metrics 5.1–5.3 of a pool (index-766 §1.6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tthc.indicators.domain.counting_tally import Subject, Tally
from tthc.indicators.domain.facts_petition import PetitionFacts, PetitionTopic
from tthc.indicators.domain.periods import Period
from tthc.indicators.domain.scoring.metrics import MetricCode

PETITION_METRICS = (
    MetricCode.PETITION_CLASSIFICATION_TTHC,
    MetricCode.PETITION_CLASSIFICATION_STAFF,
    MetricCode.PETITION_PROCESSING_ON_TIME,
    MetricCode.PETITION_HANDLING_SATISFACTION,
)


def count_petitions(tally: Tally, petitions: Iterable[PetitionFacts], period: Period, now: datetime) -> None:
    """Counts the petitions first received in the period (as of `now`); none gives 0 / 0 everywhere."""
    for code in PETITION_METRICS:
        tally.open(code, Subject.PETITION)
    as_of = min(period.last_instant, now)
    for petition in petitions:
        if petition.received_at > now or not period.contains(petition.received_at):
            continue
        item, on_time = petition.petition_id, petition.handled_on_time(as_of)
        tally.add(MetricCode.PETITION_CLASSIFICATION_TTHC, item, petition.topic is PetitionTopic.PROCEDURE)
        tally.add(MetricCode.PETITION_CLASSIFICATION_STAFF, item, petition.topic is PetitionTopic.STAFF)
        tally.add(MetricCode.PETITION_PROCESSING_ON_TIME, item, on_time)
        satisfied = on_time and not petition.not_satisfied and not petition.repeat_complaint
        tally.add(MetricCode.PETITION_HANDLING_SATISFACTION, item, satisfied)
