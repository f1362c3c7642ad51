"""eventsourcing with pydantic domain events, explicit stored topics and a small mapper.

Aggregates subclass :class:`Aggregate`; their nested events are pydantic models, so the stored state is
plain pydantic JSON that the outbox relay can forward and any consumer can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel, ConfigDict


class DomainEvent(BaseModel):
    """Base of every stored domain event: immutable, strictly shaped."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    originator_id: UUID
    originator_version: int
    timestamp: datetime


class Aggregate(BaseAggregate[UUID]):
    """Base aggregate whose events are pydantic models. Subclasses declare explicit ``TOPIC`` strings."""

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        """Base of an aggregate's events."""

    class Created(Event, CanInitAggregate[UUID]):
        """Base of an aggregate's creation event."""

        originator_topic: str


class PydanticMapper(Mapper[UUID]):
    """Stores a pydantic event as its JSON; rebuilds it from the explicit topic."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(domain_event.__class__),
            state=domain_event.model_dump_json().encode(),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return resolve_topic(stored_event.topic).model_validate_json(stored_event.state)


class PydanticApplication(Application[UUID]):
    """An eventsourcing Application using :class:`PydanticMapper`. Configure it by ``env=`` only."""

    env: ClassVar[dict[str, str]] = {}

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=PydanticMapper)


def store_env(url: str, app_name: str) -> Mapping[str, str]:
    """eventsourcing env keys for a store URL: ``sqlite:///path.db`` or ``postgresql://u:p@host:port/db``."""
    if url.startswith("sqlite:///") or url.startswith("sqlite://:memory:"):
        path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ":memory:"
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path or ":memory:"}
    if url == "memory://":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres_env(url, app_name)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///FILE, memory:// or postgresql://...")


def _postgres_env(url: str, app_name: str) -> Mapping[str, str]:  # noqa: ARG001
    from urllib.parse import urlparse

    parts = urlparse(url)
    if not (parts.hostname and parts.path.strip("/")):
        raise ValueError(f"PostgreSQL URL needs host and database: {url!r}")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_DBNAME": parts.path.strip("/"),
        "POSTGRES_USER": parts.username or "postgres",
        "POSTGRES_PASSWORD": parts.password or "",
    }
