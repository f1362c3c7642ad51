"""The real servers a benchmark run needs: a Kafka broker and an event store (SQLite or PostgreSQL).

Given URLs are used as they are (a fresh database is made on a given PostgreSQL server); otherwise a
throwaway broker or cluster is started in the work directory and stopped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from tthc.kit.kafka.broker import LocalKafka
from tthc.kit.kafka.process import free_port
from tthc.kit.kafka.settings import KafkaSettings
from tthc.kit.kafka.topics import ensure_topics, suite_topics


@contextmanager
def kafka_broker(bootstrap: str | None, work_dir: Path) -> Iterator[str]:
    """``bootstrap`` when given, else a throwaway local broker; the suite's topics exist either way."""
    if bootstrap:
        ensure_topics(bootstrap, suite_topics())
        yield bootstrap
        return
    settings = KafkaSettings(port=free_port(), controller_port=free_port(), data_dir=work_dir / "kafka")
    broker = LocalKafka(settings, detach=False)
    broker.start()
    try:
        ensure_topics(broker.bootstrap, suite_topics())
        yield broker.bootstrap
    finally:
        broker.stop()


def kafka_version(bootstrap_given: bool) -> str:
    """The broker version from the cached jars (what a local broker runs); 'external' otherwise."""
    if bootstrap_given:
        return "external"
    jars = sorted(KafkaSettings().libs_dir.glob("kafka_2.13-*.jar"))
    return jars[0].stem.removeprefix("kafka_2.13-") if jars else "unknown"


@contextmanager
def event_store(kind: str, work_dir: Path, postgres_url: str | None) -> Iterator[str]:
    """A fresh, empty event store URL of ``kind`` (``sqlite`` or ``postgres``)."""
    if kind == "sqlite":
        yield f"sqlite:///{work_dir / 'sqlite' / 'dossier.db'}"
        return
    if kind != "postgres":
        raise ValueError(f"unknown store kind {kind!r}: use sqlite or postgres")
    from tthc.kit.testing.postgres import ThrowawayPostgres, drop_database, fresh_database

    server = None
    if postgres_url is None:
        server = ThrowawayPostgres(database="tthc_bench")
        postgres_url = server.start()
    url = fresh_database(postgres_url, prefix="bench")
    try:
        yield url
    finally:
        drop_database(postgres_url, urlparse(url).path.strip("/"))
        if server is not None:
            server.stop()


def postgres_version(url: str) -> str:
    """``SHOW server_version`` of the server at ``url``."""
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"
