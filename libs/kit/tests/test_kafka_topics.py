"""Topic declarations reach the broker with the declared partitions and retention; ensure is idempotent."""

from __future__ import annotations

import uuid

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from tthc.kit.kafka.topics import (
    DLQ_SUFFIX,
    SUITE_TOPICS,
    TopicMismatchError,
    TopicSpec,
    ensure_topics,
)

pytestmark = pytest.mark.kafka


def _describe(bootstrap: str, names: list[str]) -> dict[str, tuple[int, str]]:
    """name -> (partition count, retention.ms) as the broker reports them."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        partitions = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, name, ["retention.ms"]) for name in names]
        configs = admin.describe_configs(resources, config_filter="all")["topic"]
        return {name: (partitions[name], str(configs[name]["retention.ms"]["value"])) for name in names}
    finally:
        admin.close()


def test_suite_topics_exist_as_declared(kafka_bootstrap: str) -> None:
    seen = _describe(kafka_bootstrap, [spec.name for spec in SUITE_TOPICS])
    for spec in SUITE_TOPICS:
        assert seen[spec.name] == (spec.partitions, str(spec.retention_ms)), spec.name


def test_every_consumed_topic_has_a_dead_letter_twin() -> None:
    names = {spec.name for spec in SUITE_TOPICS}
    consumed = [spec for spec in SUITE_TOPICS if spec.consumed]
    assert consumed
    assert all(spec.name + DLQ_SUFFIX in names for spec in consumed)
    assert any(spec.partitions > 1 for spec in consumed)  # the dossier stream is partitioned


def test_ensure_topics_creates_missing_once(kafka_bootstrap: str) -> None:
    base = f"test.ensure.{uuid.uuid4().hex[:8]}"
    specs = [
        TopicSpec(f"{base}.events", partitions=3),
        TopicSpec(f"{base}.feed", partitions=2, retention_ms=7 * 24 * 3600 * 1000),
    ]
    assert sorted(ensure_topics(kafka_bootstrap, specs)) == sorted(s.name for s in specs)
    assert ensure_topics(kafka_bootstrap, specs) == []  # idempotent

    seen = _describe(kafka_bootstrap, [s.name for s in specs])
    assert seen[f"{base}.events"] == (3, "-1")
    assert seen[f"{base}.feed"] == (2, "604800000")


def test_ensure_topics_rejects_a_changed_partition_count(kafka_bootstrap: str) -> None:
    name = f"test.mismatch.{uuid.uuid4().hex[:8]}"
    ensure_topics(kafka_bootstrap, [TopicSpec(name, partitions=2)])
    with pytest.raises(TopicMismatchError, match="2 partitions, declared 4"):
        ensure_topics(kafka_bootstrap, [TopicSpec(name, partitions=4)])
