"""The suite's Kafka topics, declared once, and an idempotent ``ensure_topics``.

Event topics keep everything (``retention.ms=-1``): they are the replay source of every projection. Each
consumed topic has a ``<topic>.dlq`` twin for unreadable messages (reason in the headers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

KEEP_FOREVER = -1
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    """One topic: name, partition count, retention and any extra topic configs.

    The partition count of a keyed topic must not change once used: repartitioning remaps keys and breaks
    per-key order.
    """

    name: str
    partitions: int = 1
    retention_ms: int = KEEP_FOREVER
    replication_factor: int = 1
    configs: dict[str, str] = field(default_factory=dict)
    consumed: bool = True

    def topic_configs(self) -> dict[str, str]:
        """Configs sent on creation: retention plus the extras."""
        return {"retention.ms": str(self.retention_ms), **self.configs}

    def dead_letter(self) -> TopicSpec:
        """The ``.dlq`` twin: one partition, kept forever, never consumed by the suite itself."""
        return replace(
            self, name=self.name + DLQ_SUFFIX, partitions=1, retention_ms=KEEP_FOREVER, consumed=False
        )


DOSSIER_EVENTS = "tthc.dossier.events.v1"
CATALOG_EVENTS = "tthc.catalog.events.v1"
PETITION_EVENTS = "tthc.petition.events.v1"
PLAN_EVENTS = "tthc.plan.events.v1"
DOSSIER_FEED = "tthc.feed.dossier.v1"


def suite_topics(dossier_partitions: int = 3, other_partitions: int = 1) -> list[TopicSpec]:
    """Every topic of the suite with its dead-letter twin."""
    primary = [
        TopicSpec(DOSSIER_EVENTS, partitions=dossier_partitions),
        TopicSpec(CATALOG_EVENTS, partitions=other_partitions),
        TopicSpec(PETITION_EVENTS, partitions=other_partitions),
        TopicSpec(PLAN_EVENTS, partitions=other_partitions),
        TopicSpec(DOSSIER_FEED, partitions=other_partitions, retention_ms=SEVEN_DAYS_MS),
    ]
    return primary + [spec.dead_letter() for spec in primary if spec.consumed]


SUITE_TOPICS: Sequence[TopicSpec] = tuple(suite_topics())


class TopicMismatchError(RuntimeError):
    """An existing topic has a different partition count than declared."""


class TopicCreationError(RuntimeError):
    """The broker refused to create a declared topic."""


def ensure_topics(bootstrap: str, specs: Iterable[TopicSpec] = SUITE_TOPICS) -> list[str]:
    """Create the missing topics and wait until they have leaders; returns the names it created.

    Idempotent: existing topics are left as they are, but a partition count that differs from the spec is
    an error (keyed order depends on it).
    """
    from kafka.admin import KafkaAdminClient

    wanted = {spec.name: spec for spec in specs}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tthc-topics")
    try:
        existing = {t["name"]: t for t in admin.describe_topics(list(wanted)) if t.get("error_code", 0) == 0}
        _check_partitions(wanted, existing)
        missing = [spec for name, spec in wanted.items() if name not in existing]
        if missing:
            result = admin.create_topics(_creation_request(missing), raise_errors=False)
            _raise_creation_errors(result)
            admin.wait_for_topics([spec.name for spec in missing], timeout_ms=30_000)
        return [spec.name for spec in missing]
    finally:
        admin.close()


def _creation_request(specs: Iterable[TopicSpec]) -> dict[str, dict[str, object]]:
    return {
        spec.name: {
            "num_partitions": spec.partitions,
            "replication_factor": spec.replication_factor,
            "configs": spec.topic_configs(),
        }
        for spec in specs
    }


def _check_partitions(wanted: dict[str, TopicSpec], existing: dict[str, dict[str, object]]) -> None:
    for name, described in existing.items():
        partitions = described.get("partitions") or []
        count = len(partitions) if isinstance(partitions, list) else 0
        if count != wanted[name].partitions:
            raise TopicMismatchError(
                f"topic {name} has {count} partitions, declared {wanted[name].partitions}"
            )


def _raise_creation_errors(result: dict[str, list[dict[str, object]]]) -> None:
    import kafka.errors as kafka_errors

    for topic in result.get("topics", []):
        error = kafka_errors.for_code(int(str(topic.get("error_code", 0))))
        # Another process may have created it between describe and create: that is success too.
        if error not in (kafka_errors.NoError, kafka_errors.TopicAlreadyExistsError):
            raise TopicCreationError(
                f"creating {topic.get('name')}: {error.__name__} {topic.get('error_message')}"
            )
