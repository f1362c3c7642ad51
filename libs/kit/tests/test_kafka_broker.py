"""The local broker: the session fixture answers; LocalKafka starts, stops, reports and fails fast."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tthc.kit.kafka.broker import KafkaStartError, LocalKafka, answers_metadata
from tthc.kit.kafka.jars import MARKER, jars_ready
from tthc.kit.kafka.process import free_port
from tthc.kit.kafka.settings import KafkaSettings
from tthc.kit.testing.kafka import fresh_topic

pytestmark = pytest.mark.kafka


def test_session_broker_answers_and_round_trips_a_record(kafka_bootstrap: str) -> None:
    assert answers_metadata(kafka_bootstrap)
    topic = fresh_topic(kafka_bootstrap)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    producer.send(topic, key=b"k", value=b"hello").get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=None, consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    record = next(iter(consumer))
    consumer.close()
    assert (record.key, record.value) == (b"k", b"hello")


def _settings(tmp_path: Path, **overrides: object) -> KafkaSettings:
    return KafkaSettings(
        port=free_port(), controller_port=free_port(), data_dir=tmp_path / "kafka", **overrides
    )


def test_local_kafka_lifecycle_formats_once_and_restarts(kafka_bootstrap: str, tmp_path: Path) -> None:
    # kafka_bootstrap first: the jars are then fetched and cached already.
    broker = LocalKafka(_settings(tmp_path), detach=False)
    try:
        first = broker.start()
        assert first.running
        assert first.answering
        assert broker.status().pid == first.pid
        assert broker.start().pid == first.pid  # starting a running broker is a no-op
        meta = (broker.log_dir / "meta.properties").read_text()

        assert broker.stop()
        after_stop = broker.status()
        assert not after_stop.running
        assert not after_stop.answering
        assert not broker.stop()  # already stopped

        second = broker.start()
        assert second.answering
        assert second.pid != first.pid
        assert (broker.log_dir / "meta.properties").read_text() == meta  # not formatted again
    finally:
        broker.stop()


def test_a_broker_jvm_that_dies_fails_fast_with_its_log(kafka_bootstrap: str, tmp_path: Path) -> None:
    fake_java = tmp_path / "java"
    fake_java.write_text(
        "#!/bin/sh\n"
        'case "$*" in *kafka.Kafka*) echo "boom: cannot start broker"; exit 3;; esac\n'
        'exec java "$@"\n'
    )
    fake_java.chmod(fake_java.stat().st_mode | stat.S_IXUSR)
    broker = LocalKafka(_settings(tmp_path, java=str(fake_java), start_timeout_s=60.0), detach=False)

    with pytest.raises(KafkaStartError, match="boom: cannot start broker"):
        broker.start()
    assert not broker.status().running


def test_jars_count_as_ready_only_after_a_completed_fetch(tmp_path: Path) -> None:
    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "kafka_2.13-4.3.1.jar").write_bytes(b"")
    assert not jars_ready(libs)
    (libs / MARKER).write_text("kafka_2.13-4.3.1.jar\n")
    assert jars_ready(libs)
