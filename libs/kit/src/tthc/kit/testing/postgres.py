"""A throwaway PostgreSQL cluster from the Debian package, for tests: ``initdb`` + ``pg_ctl`` in a temp dir.

The server binaries refuse to run as root, so as root they run as the ``postgres`` system user (runuser).
Trust authentication, loopback only, fsync off: test data, nothing to keep.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from tthc.kit.kafka.process import free_port

_SERVER_OPTIONS = (
    "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300 "
    "-c shared_buffers=64MB"
)


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL is not installed or the throwaway cluster did not start."""


def postgres_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has ``initdb``."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise PostgresUnavailableError(
            "PostgreSQL server is not installed (scripts/setup installs `postgresql`)"
        )
    return found[-1].parent


class ThrowawayPostgres:
    """One PostgreSQL cluster on a free loopback port in a temporary directory; ``start()``/``stop()``."""

    def __init__(self, database: str = "tthc_test") -> None:
        self.database = database
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tthc-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self._bin = postgres_bin_dir()
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """``postgresql://postgres@127.0.0.1:PORT/<database>``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> str:
        """initdb, start, create the database; returns its URL."""
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync", "--no-instructions")  # fmt: skip
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} {_SERVER_OPTIONS}"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                  "-o", options, "start")  # fmt: skip
        create_database(self.url.rsplit("/", 1)[0] + "/postgres", self.database)
        return self.url

    def stop(self) -> None:
        """Stop the server (fast mode) and delete its directory."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self._bin / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise PostgresUnavailableError(f"{tool} failed: {done.stdout}{done.stderr}{log}")


def create_database(maintenance_url: str, name: str) -> None:
    """``CREATE DATABASE name`` through a connection to ``maintenance_url``."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(maintenance_url: str, name: str) -> None:
    """``DROP DATABASE IF EXISTS name WITH (FORCE)`` (closes other sessions first)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fresh_database(postgres_url: str, prefix: str = "t") -> str:
    """Create a uniquely named database on the same server and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_database(postgres_url, name)
    return urlunparse(urlparse(postgres_url)._replace(path=f"/{name}"))
