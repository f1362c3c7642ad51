"""Stored event topics are part of the store format: moving or renaming a class must not change them."""

import inspect

from eventsourcing.utils import resolve_topic

from tthc.dossier.domain.dossier import Dossier
from tthc.dossier.domain.procedure import Procedure

STORED_TOPICS = {
    "tthc.dossier:Dossier.Opened",
    "tthc.dossier:Dossier.Received",
    "tthc.dossier:Dossier.Refused",
    "tthc.dossier:Dossier.StepStarted",
    "tthc.dossier:Dossier.SupplementRequested",
    "tthc.dossier:Dossier.SupplementSupplied",
    "tthc.dossier:Dossier.FinancialObligationRequested",
    "tthc.dossier:Dossier.FeesPaid",
    "tthc.dossier:Dossier.FeesDeclared",
    "tthc.dossier:Dossier.Withdrawn",
    "tthc.dossier:Dossier.Stopped",
    "tthc.dossier:Dossier.Resolved",
    "tthc.dossier:Dossier.ResultReturned",
    "tthc.dossier:Dossier.ApologyIssued",
    "tthc.dossier:Dossier.DocumentsAttached",
    "tthc.dossier:Dossier.VneidAuthenticated",
    "tthc.dossier:Dossier.PopulationDatabaseUsed",
    "tthc.dossier:Dossier.Synced",
    "tthc.dossier:Dossier.HistoryRecorded",
    "tthc.dossier:Procedure.Registered",
    "tthc.dossier:Procedure.Amended",
    "tthc.dossier:Procedure.PublicationDecided",
    "tthc.dossier:Procedure.Abolished",
    "tthc.dossier:Procedure.MadePublic",
}


def _event_topics(aggregate: type) -> set[str]:
    topics = set()
    for _, member in inspect.getmembers(aggregate, inspect.isclass):
        topic = getattr(member, "TOPIC", None)
        if isinstance(topic, str) and issubclass(member, aggregate.Event) and member is not aggregate.Event:
            topics.add(topic)
    return topics - {aggregate.Created.TOPIC}


def test_every_stored_event_class_declares_the_committed_topic():
    assert _event_topics(Dossier) | _event_topics(Procedure) == STORED_TOPICS


def test_every_committed_topic_still_resolves_to_an_event_class():
    for topic in STORED_TOPICS:
        assert topic == resolve_topic(topic).TOPIC
