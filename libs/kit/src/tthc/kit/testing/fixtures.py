"""pytest plugin: real Kafka and PostgreSQL for the whole test run.

Enabled by the repository's root ``conftest.py`` (``pytest_plugins = ["tthc.kit.testing.fixtures"]``).

- ``kafka_bootstrap``: ``KAFKA_BOOTSTRAP_SERVERS`` if set, else one ``LocalKafka`` on free loopback ports
  in a temp dir (jars fetched once into ``.cache/kafka``); the suite's topics are ensured either way.
- ``postgres_url``: ``TTHC_TEST_POSTGRES_URL`` if set, else a throwaway cluster from the Debian package.
- ``postgres_database``: a fresh, uniquely named database per test on that server (dropped afterwards).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tthc.kit.kafka.broker import LocalKafka
from tthc.kit.kafka.process import free_port
from tthc.kit.kafka.settings import KafkaSettings
from tthc.kit.kafka.topics import ensure_topics
from tthc.kit.testing.postgres import ThrowawayPostgres, drop_database, fresh_database


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a real Kafka broker for the whole run."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        ensure_topics(external)
        yield external
        return
    settings = KafkaSettings(
        port=free_port(), controller_port=free_port(), data_dir=tmp_path_factory.mktemp("kafka")
    )
    broker = LocalKafka(settings, detach=False)
    broker.start()
    ensure_topics(broker.bootstrap)
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL database for the whole run."""
    external = os.environ.get("TTHC_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """URL of a new empty database, dropped after the test."""
    url = fresh_database(postgres_url)
    yield url
    drop_database(postgres_url, urlparse(url).path.strip("/"))
