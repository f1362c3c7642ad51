"""Prometheus metrics of the dossier service (``tthc_dossier_*``), on a registry injected by the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class DossierMetrics:
    """The dossier service's own metrics. Labels are bounded: command kinds, outcomes, reason classes."""

    commands: Counter
    feed_records: Counter
    relay_lag: Gauge
    relay_published: Counter
    relay_position: Gauge
    relay_batch_seconds: Histogram
    relay_failures: Counter
    store_write_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DossierMetrics:
        return cls(
            commands=Counter(
                "tthc_dossier_commands",
                "Dossier commands handled, by command kind and outcome (applied, unchanged, refused, error)",
                ["command", "outcome"],
                registry=registry,
            ),
            feed_records=Counter(
                "tthc_dossier_feed_records",
                "Provincial feed records, by outcome (accepted, duplicate, rejected) and reason class",
                ["outcome", "reason"],
                registry=registry,
            ),
            relay_lag=Gauge(
                "tthc_dossier_relay_lag_events",
                "Stored events not yet published to Kafka (notifications behind)",
                registry=registry,
            ),
            relay_published=Counter(
                "tthc_dossier_relay_published_events",
                "Events published to Kafka by the outbox relay, by topic",
                ["topic"],
                registry=registry,
            ),
            relay_position=Gauge(
                "tthc_dossier_relay_position",
                "Last notification id the relay published and recorded",
                registry=registry,
            ),
            relay_batch_seconds=Histogram(
                "tthc_dossier_relay_batch_seconds",
                "Duration of one relay batch (read, publish, wait for acks, record position)",
                registry=registry,
            ),
            relay_failures=Counter(
                "tthc_dossier_relay_failures",
                "Relay batches that failed and will be retried from the recorded position",
                registry=registry,
            ),
            store_write_seconds=Histogram(
                "tthc_dossier_event_store_write_seconds",
                "Latency of one atomic event-store write (one dossier's batch of events)",
                buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
                registry=registry,
            ),
        )
