"""Names of the suite's Kafka topics (the declarative topic list with partitions lives in tthc.kit.kafka)."""

from __future__ import annotations

DOSSIER_EVENTS = "tthc.dossier.events.v1"  # key = dossier id
CATALOG_EVENTS = "tthc.catalog.events.v1"  # key = procedure code
PETITION_EVENTS = "tthc.petition.events.v1"  # key = petition id
PLAN_EVENTS = "tthc.plan.events.v1"  # key = task id
FEED_DOSSIERS = "tthc.feed.dossier.v1"  # inbound raw provincial feed


def dead_letter(topic: str) -> str:
    """The dead-letter topic of ``topic``."""
    return f"{topic}.dlq"
