"""``tthc kafka fetch|start|stop|status|topics``: the local broker from the command line."""

from __future__ import annotations

import time

import typer

from tthc.kit.kafka.broker import KafkaBrokerError, LocalKafka
from tthc.kit.kafka.jars import JarFetchError
from tthc.kit.kafka.topics import TopicCreationError, TopicMismatchError, ensure_topics, suite_topics

kafka_app = typer.Typer(
    help="Local Apache Kafka broker (single-node KRaft, loopback only).", no_args_is_help=True
)


@kafka_app.command()
def fetch() -> None:
    """Download the broker jars from Maven Central into the cache (once)."""
    broker = LocalKafka()
    started = time.monotonic()
    try:
        fetched = broker.fetch()
    except JarFetchError as error:
        raise _fail(error) from error
    state = "fetched" if fetched else "already cached"
    typer.echo(f"kafka jars {state} in {broker.settings.libs_dir} ({time.monotonic() - started:.1f}s)")


@kafka_app.command()
def start() -> None:
    """Start the broker (fetch + format on first use), wait until it answers, and create the topics.

    Partitions of the dossier event topic: ``TTHC_KAFKA_DOSSIER_PARTITIONS`` (default 3).
    """
    broker = LocalKafka()
    started = time.monotonic()
    try:
        status = broker.start()
        topics = suite_topics(dossier_partitions=broker.settings.dossier_partitions)
        created = ensure_topics(broker.bootstrap, topics)
    except (KafkaBrokerError, JarFetchError, TopicMismatchError, TopicCreationError) as error:
        raise _fail(error) from error
    typer.echo(f"kafka running at {status.bootstrap} (pid {status.pid}, {time.monotonic() - started:.1f}s)")
    typer.echo(f"topics created: {', '.join(created) if created else 'none (all present)'}")
    typer.echo(f"log: {status.log_file}")


@kafka_app.command()
def topics(
    bootstrap: str = typer.Option(..., envvar="TTHC_KAFKA_BOOTSTRAP_SERVERS", help="host:port of any broker"),
    dossier_partitions: int = typer.Option(3, min=1, help="partitions of tthc.dossier.events.v1"),
) -> None:
    """Create the suite's topics on an existing cluster (idempotent; used by compose and k8s)."""
    try:
        created = ensure_topics(bootstrap, suite_topics(dossier_partitions=dossier_partitions))
    except (TopicMismatchError, TopicCreationError) as error:
        raise _fail(error) from error
    typer.echo(f"topics created: {', '.join(created) if created else 'none (all present)'}")


@kafka_app.command()
def stop() -> None:
    """Stop the broker (SIGTERM, then SIGKILL after the timeout)."""
    broker = LocalKafka()
    typer.echo("kafka stopped" if broker.stop() else "kafka was not running")


@kafka_app.command()
def status() -> None:
    """Report whether the broker runs and answers; exit code 1 if it does not answer."""
    seen = LocalKafka().status()
    if not seen.running:
        typer.echo(f"kafka not running (expected at {seen.bootstrap})")
        raise typer.Exit(1)
    answer = "answering" if seen.answering else "NOT answering"
    typer.echo(f"kafka running at {seen.bootstrap}, pid {seen.pid}, {answer}; log: {seen.log_file}")
    if not seen.answering:
        raise typer.Exit(1)


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(1)
