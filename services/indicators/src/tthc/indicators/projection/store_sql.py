"""The facts store's SQL, written once with `?` placeholders (the PostgreSQL backend rewrites them)."""

from __future__ import annotations

COUNTER = "facts"
"""The change counter's row."""


def schema(instant_type: str) -> tuple[str, ...]:
    """The tables, created when missing (`instant_type`: the dialect's type for aware instants)."""
    return (
        f"""CREATE TABLE IF NOT EXISTS dossier_facts (
            dossier_id TEXT PRIMARY KEY, unit_code TEXT NOT NULL, procedure_code TEXT NOT NULL,
            received_at {instant_type}, version BIGINT NOT NULL, facts TEXT NOT NULL,
            change_seq BIGINT NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS procedure_facts (
            procedure_code TEXT PRIMARY KEY, version BIGINT NOT NULL, snapshot TEXT NOT NULL,
            change_seq BIGINT NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS pending_events (
            stream TEXT NOT NULL, aggregate_id TEXT NOT NULL, sequence BIGINT NOT NULL, event TEXT NOT NULL,
            topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,
            notification_id BIGINT, PRIMARY KEY (stream, aggregate_id, sequence))""",
        """CREATE TABLE IF NOT EXISTS tracking (
            stream TEXT NOT NULL, aggregate_id TEXT NOT NULL, version BIGINT NOT NULL, event_id TEXT NOT NULL,
            topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,
            notification_id BIGINT, PRIMARY KEY (stream, aggregate_id))""",
        "CREATE TABLE IF NOT EXISTS change_counter (name TEXT PRIMARY KEY, last BIGINT NOT NULL)",
        # never waits on a writer holding the counter row (an ON CONFLICT check alone would)
        f"""INSERT INTO change_counter (name, last) SELECT '{COUNTER}', 0
            WHERE NOT EXISTS (SELECT 1 FROM change_counter) ON CONFLICT (name) DO NOTHING""",
    )


# Created last, in the order writers lock the tables (PostgreSQL takes a share lock even when they exist),
# so that opening a store next to running writers cannot deadlock with them.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS dossier_facts_by_unit ON dossier_facts (unit_code)",
    "CREATE INDEX IF NOT EXISTS dossier_facts_by_change ON dossier_facts (change_seq)",
    "CREATE INDEX IF NOT EXISTS procedure_facts_by_change ON procedure_facts (change_seq)",
)


SELECT_TRACKING = "SELECT version, aggregate_id FROM tracking WHERE stream = ? AND aggregate_id IN ({marks})"
SELECT_FACTS = "SELECT facts, dossier_id FROM dossier_facts WHERE dossier_id IN ({marks})"
PAGE_FACTS = "SELECT dossier_id, facts FROM dossier_facts WHERE dossier_id > ? ORDER BY dossier_id LIMIT ?"
SELECT_SNAPSHOT = "SELECT snapshot, procedure_code FROM procedure_facts WHERE procedure_code IN ({marks})"
SELECT_PENDING = """SELECT sequence, event, aggregate_id, topic, kafka_partition, kafka_offset,
    notification_id FROM pending_events WHERE stream = ? AND aggregate_id IN ({marks})"""
ANY_PENDING = "SELECT 1 FROM pending_events WHERE stream = ? LIMIT 1"
INSERT_TRACKING = """INSERT INTO tracking (stream, aggregate_id, version, event_id, topic, kafka_partition,
    kafka_offset, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""
UPDATE_TRACKING = """UPDATE tracking SET version = ?, event_id = ?, topic = ?, kafka_partition = ?,
    kafka_offset = ?, notification_id = ? WHERE stream = ? AND aggregate_id = ? AND version = ?"""
UPSERT_DOSSIER = """INSERT INTO dossier_facts (dossier_id, unit_code, procedure_code, received_at, version,
    facts, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dossier_id) DO UPDATE SET
    unit_code = excluded.unit_code, procedure_code = excluded.procedure_code,
    received_at = excluded.received_at, version = excluded.version, facts = excluded.facts,
    change_seq = excluded.change_seq"""
UPSERT_PROCEDURE = """INSERT INTO procedure_facts (procedure_code, version, snapshot, change_seq)
    VALUES (?, ?, ?, ?) ON CONFLICT (procedure_code) DO UPDATE SET version = excluded.version,
    snapshot = excluded.snapshot, change_seq = excluded.change_seq"""
CLAIM_CHANGES = "UPDATE change_counter SET last = last + ? WHERE name = ? RETURNING last"
SELECT_COUNTER = "SELECT last FROM change_counter WHERE name = ?"
CHANGED_FACTS = """SELECT change_seq, facts FROM dossier_facts WHERE change_seq > ? AND change_seq <= ?
    ORDER BY change_seq LIMIT ?"""
CHANGED_PROCEDURES = """SELECT procedure_code, snapshot FROM procedure_facts
    WHERE change_seq > ? AND change_seq <= ?"""
DATA_TABLES = ("dossier_facts", "procedure_facts", "pending_events", "tracking")
INSERT_PENDING = """INSERT INTO pending_events (stream, aggregate_id, sequence, event, topic,
    kafka_partition, kafka_offset, notification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (stream, aggregate_id, sequence) DO NOTHING"""
DELETE_PENDING = "DELETE FROM pending_events WHERE stream = ? AND aggregate_id = ? AND sequence = ?"
