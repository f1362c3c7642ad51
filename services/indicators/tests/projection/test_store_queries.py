"""What the facts store asks SQLite for a window (traced statements): no look-ups of rows that cannot exist,
rows written in key order."""

from __future__ import annotations

import re
from pathlib import Path

from tthc.indicators.projection.store import FactsStore

from .conftest import inbound, lifecycle


def _traced(store: FactsStore) -> list[str]:
    statements: list[str] = []
    store._db._connection.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    return statements


def _lookups(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().startswith("SELECT") and f"FROM {table}" in s]


def test_dossiers_new_to_the_store_have_no_facts_or_parked_events_looked_up(tmp_path: Path) -> None:
    store = FactsStore.open(f"sqlite:///{tmp_path / 'facts.db'}")
    statements = _traced(store)
    store.apply(inbound(lifecycle("HS-1")) + inbound(lifecycle("HS-2")))
    assert _lookups(statements, "tracking")  # the versions are always read
    assert not _lookups(statements, "dossier_facts")
    assert [s for s in _lookups(statements, "pending_events") if "IN (" in s] == []
    store.close()


def test_a_dossier_parked_ahead_of_a_gap_is_found_in_the_next_window(tmp_path: Path) -> None:
    received, started, *rest = inbound(lifecycle("HS-1"))
    store = FactsStore.open(f"sqlite:///{tmp_path / 'facts.db'}")
    assert store.apply([received, *rest]).result.parked == len(rest)
    statements = _traced(store)
    assert store.apply([started]).result.applied == 1 + len(rest)
    assert [s for s in _lookups(statements, "pending_events") if "IN (" in s]
    store.close()


def test_a_window_writes_its_facts_and_tracking_rows_in_key_order(tmp_path: Path) -> None:
    store = FactsStore.open(f"sqlite:///{tmp_path / 'facts.db'}")
    statements = _traced(store)
    codes = [f"HS-{number}" for number in range(12)]
    store.apply([event for code in codes for event in inbound(lifecycle(code))[:1]])
    for table in ("dossier_facts", "tracking"):
        inserted = [s for s in statements if s.lstrip().startswith(f"INSERT INTO {table}")]
        keys = [re.findall(r"'([0-9a-f-]{36})'", s)[0] for s in inserted]
        assert len(keys) == len(codes)
        assert keys == sorted(keys), table
    store.close()
