"""The PostgreSQL session server and the per-test fresh databases."""

from __future__ import annotations

from urllib.parse import urlparse

import psycopg
import pytest

from tthc.kit.testing.postgres import drop_database, fresh_database

pytestmark = pytest.mark.postgres


def test_each_fresh_database_is_separate_and_empty(postgres_url: str, postgres_database: str) -> None:
    other = fresh_database(postgres_url)
    try:
        with psycopg.connect(postgres_database, autocommit=True) as conn:
            conn.execute("CREATE TABLE marker (n int)")
            name = conn.execute("SELECT current_database()").fetchone()
        with psycopg.connect(other) as conn:
            other_name = conn.execute("SELECT current_database()").fetchone()
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'marker'").fetchone()
    finally:
        drop_database(postgres_url, urlparse(other).path.strip("/"))
    assert name is not None
    assert other_name is not None
    assert name[0] != other_name[0]
    assert tables == (0,)
